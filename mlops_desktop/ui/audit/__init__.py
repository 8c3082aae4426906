"""Audit: its page, views, dialogs, item models and tasks."""
