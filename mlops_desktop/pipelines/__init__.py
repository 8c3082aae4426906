"""Sample, parameterised training pipelines (run as scripts or in-process)."""
