"""Helpers shared by the endpoint tests (importable: pytest puts this folder on sys.path)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from mlops_desktop.core.config import WorkspaceConfig, load_config
from mlops_desktop.serving import processes
from mlops_desktop.serving.layout import EndpointLayout
from mlops_desktop.serving.manager import EndpointManager
from mlops_desktop.serving.state import ProcessRecord, load_record

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


def processes_under(folder: Path) -> list[ProcessRecord]:
    """Every running process (but this one and its parents) that belongs under ``folder``,
    found without the product's own records: its command line names the folder, or it has a
    file there open (a forked deployment's log is its stdout)."""
    import os

    import psutil

    mine = {os.getpid(), *(p.pid for p in psutil.Process().parents())}
    text = str(folder)
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "create_time"]):
        if proc.pid in mine:
            continue
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            hit = any(text in part for part in proc.info["cmdline"] or ())
            hit = hit or any(f.path.startswith(text) for f in proc.open_files())
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if hit:
            found.append(ProcessRecord(proc.pid, proc.info["create_time"]))
    return found


def listed_processes(root: Path) -> list[ProcessRecord]:
    """Every process the endpoint states under ``root`` list."""
    listed = []
    for state in root.rglob("endpoint.json"):
        listed.extend(load_record(EndpointLayout(state.parent)).processes())
    return listed


def unlisted_processes(folder: Path, root: Path) -> list[ProcessRecord]:
    """Processes belonging under ``folder`` that no endpoint state under ``root`` lists."""
    listed = listed_processes(root)
    return [p for p in processes_under(folder) if not any(p.same_as(q) for q in listed)]
