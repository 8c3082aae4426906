"""Local endpoints: deployments, router with traffic split, data collection (Qt-free)."""
