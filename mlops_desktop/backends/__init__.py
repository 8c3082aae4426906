"""Backends: one protocol (base.py), one package per backend kind."""
