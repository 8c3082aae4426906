"""Helpers shared by the endpoint tests (importable: pytest puts this folder on sys.path)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from mlops_desktop.core.config import WorkspaceConfig, load_config
from mlops_desktop.serving import processes
from mlops_desktop.serving.layout import EndpointLayout
from mlops_desktop.serving.manager import EndpointManager
from mlops_desktop.serving.state import load_record

#: Upper bound of any polling in these tests.
WAIT = 15.0


def wait_for(predicate: Callable[[], object], timeout: float = WAIT) -> None:
    """Bounded polling; fails the test when ``predicate`` stays false."""
    assert processes.wait_until(predicate, timeout, interval=0.05), "condition not met in time"


def demo_workspace(demo_snapshot: Path, name: str = "staging") -> WorkspaceConfig:
    """A demo workspace (its store is shared and only read)."""
    return load_config(demo_snapshot / "config" / "config.toml").workspace(name)


def make_manager(workspace: WorkspaceConfig, root: Path, host_dir: Path) -> EndpointManager:
    """A manager for ``workspace`` keeping its endpoints under ``root``."""
    return EndpointManager(workspace, root=root, host_dir=host_dir)


def cleanup(manager: EndpointManager) -> None:
    """Delete every endpoint under the manager's root; kill what a delete cannot stop."""
    if not manager.root.is_dir():
        return
    for folder in manager.root.iterdir():
        if not (folder / "endpoint.json").is_file():
            continue
        try:
            manager.delete_endpoint(folder.name)
        except Exception:
            with contextlib.suppress(Exception):
                record = load_record(EndpointLayout(folder))
                processes.kill(record.router)
                for deployment in record.deployments:
                    processes.kill(deployment.process)
