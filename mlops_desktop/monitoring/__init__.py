"""Monitoring workflows that join backends and the drift engine (Qt-free)."""
