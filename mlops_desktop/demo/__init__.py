"""``mlops-desktop demo``: local dev/staging/prod workspaces filled with real work."""

from mlops_desktop.demo.builder import DEMO_MODEL, DemoSummary, create_demo

__all__ = ["DEMO_MODEL", "DemoSummary", "create_demo"]
