"""MLflow backend: local SQLite stores and any MLflow tracking server."""
