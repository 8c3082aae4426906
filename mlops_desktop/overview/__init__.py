"""The cross-stage overview: one glance per model and stage across every workspace.

Qt-free, so the Overview page (``ui/overview``) and ``mlops-desktop overview`` show the same
grid: :func:`~mlops_desktop.overview.snapshot.overview_snapshot` reads it, :mod:`.text` prints it.
"""
