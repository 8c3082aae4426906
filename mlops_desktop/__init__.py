"""MLOps Desktop: a desktop control room for the MLOps loop across dev, staging and prod."""

__version__ = "0.1.0"
