"""Azure Machine Learning backend: azure-ai-ml ``MLClient`` plus azure-identity credentials.

Importing this package is cheap; the Azure SDK loads when a backend is first constructed.
"""
