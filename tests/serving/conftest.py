"""Fixtures for local endpoints: one warm fork host per session, endpoints always cleaned up.

Every endpoint a test creates is deleted by a finalizer (processes stopped, files removed),
and the session's fork host is stopped at the end.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from endpoint_helpers import cleanup, demo_workspace, make_manager

from mlops_desktop.demo import DEMO_MODEL
from mlops_desktop.serving.launchers import ForkLauncher
from mlops_desktop.serving.manager import HOST_DIR_ENV, EndpointManager


@pytest.fixture(scope="session")
def serving_host_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The fork host's folder for the whole session; the host is stopped at the end."""
    folder = tmp_path_factory.mktemp("host")
    launcher = ForkLauncher(folder)
    yield folder
    info = launcher.host_info()
    launcher.stop_host()
    if info:
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(int(info["pid"])).wait(10)  # reaps it when it is our child


@pytest.fixture(autouse=True)
def _shared_host(serving_host_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Managers made without ``host_dir`` (the CLI's) use the session's warm host."""
    monkeypatch.setenv(HOST_DIR_ENV, str(serving_host_dir))


@pytest.fixture
def manager(
    demo_snapshot: Path, tmp_path: Path, serving_host_dir: Path
) -> Iterator[EndpointManager]:
    """A manager of the demo's staging workspace with its own endpoints folder."""
    made = make_manager(demo_workspace(demo_snapshot), tmp_path / "endpoints", serving_host_dir)
    yield made
    cleanup(made)


@pytest.fixture(scope="module")
def shared_endpoint(
    demo_snapshot: Path, tmp_path_factory: pytest.TempPathFactory, serving_host_dir: Path
) -> Iterator[tuple[EndpointManager, str]]:
    """One endpoint with deployments blue (100 %) and green (0 %), shared by a module.

    Tests using it restore the traffic they change (blue=100, no mirror).
    """
    root = tmp_path_factory.mktemp("shared-endpoints")
    made = make_manager(demo_workspace(demo_snapshot), root, serving_host_dir)
    try:
        made.create_endpoint("shared", model=DEMO_MODEL, version="1", deployment="blue")
        made.add_deployment("shared", "green", model=DEMO_MODEL, version="1")
        yield made, "shared"
    finally:
        cleanup(made)
