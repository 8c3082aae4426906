"""Ports: one interface per capability (registry, endpoints, jobs, compute, schedules,
collected data), and the single place that chooses their implementation for a workspace.

The CLI and the GUI ask :func:`~mlops_desktop.ports.provider.ports_of` (or the ``open_*``
helpers) for a port and call it; they never import a backend module or test a workspace's kind.
What differs between backends reaches them as data the port declares (``collects_requests``,
name rules, telemetry source, …), not as branches.
"""
