"""Everything Qt: the application, main window, pages, item models, dialogs and workers.

Importing this package (or :mod:`mlops_desktop.ui.shell.app`) stays cheap: heavy SDKs load inside
worker tasks, after the window is on screen.
"""
