"""Where an endpoint keeps its files, all under one folder per endpoint.

::

    <workspace data dir>/endpoints/<name>/
        endpoint.json                    state: port, deployments, traffic, pids
        .lock                            serialises changes from several app/CLI processes
        router.log                       the router's log
        supervisor.log, supervisor.json  the supervisor's log and what it needs to restart things
        run/<pid>.json                   every process of the endpoint, written as it starts
        collecting/wal-*.bin             requests answered but not yet in Parquet (write-ahead)
        deployments/<deployment>.log     each deployment's log
        models/<model>/<version>/        model files cached from the registry
        collected/date=YYYY-MM-DD/hour=HH/part-*.parquet   collected requests

Stdlib only: the router imports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlops_desktop.core.errors import InvalidInput

STATE_FILE = "endpoint.json"
#: Names of local endpoints and deployments (the endpoints port declares them as its rules).
ENDPOINT_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9-]{1,31}$"
DEPLOYMENT_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,31}$"
_NAME_RE = re.compile(ENDPOINT_NAME_PATTERN)
_DEPLOYMENT_RE = re.compile(DEPLOYMENT_NAME_PATTERN)


def check_endpoint_name(name: str) -> str:
    """Endpoint names: 2-32 letters, digits or '-', starting with a letter (as Azure ML)."""
    if not _NAME_RE.match(name):
        raise InvalidInput(
            f"endpoint name {name!r} must be 2-32 characters: letters, digits or '-', "
            "starting with a letter"
        )
    return name


def check_deployment_name(name: str) -> str:
    """Deployment names: up to 32 letters, digits, '-' or '_', starting with a letter."""
    if not _DEPLOYMENT_RE.match(name):
        raise InvalidInput(
            f"deployment name {name!r} must be 1-32 characters: letters, digits, '-' or '_', "
            "starting with a letter"
        )
    return name


@dataclass(frozen=True, slots=True)
class EndpointLayout:
    """Paths of one endpoint's files."""

    directory: Path

    @property
    def name(self) -> str:
        """The endpoint name (its folder name)."""
        return self.directory.name

    @property
    def state_file(self) -> Path:
        """The JSON state file."""
        return self.directory / STATE_FILE

    @property
    def lock_file(self) -> Path:
        """The lock serialising changes."""
        return self.directory / ".lock"

    @property
    def router_log(self) -> Path:
        """The router's log file."""
        return self.directory / "router.log"

    @property
    def supervisor_log(self) -> Path:
        """The supervisor's log file."""
        return self.directory / "supervisor.log"

    @property
    def supervisor_config(self) -> Path:
        """What the supervisor needs to restart deployments (workspace, launcher)."""
        return self.directory / "supervisor.json"

    @property
    def run_dir(self) -> Path:
        """Where each process of the endpoint announces itself as it starts."""
        return self.directory / "run"

    @property
    def wal_dir(self) -> Path:
        """The router's write-ahead files of collected requests."""
        return self.directory / "collecting"

    def deployment_log(self, deployment: str) -> Path:
        """A deployment's log file."""
        return self.directory / "deployments" / f"{deployment}.log"

    @property
    def models_dir(self) -> Path:
        """Root of the cached model files."""
        return self.directory / "models"

    def model_dir(self, registered_model: str, version: str) -> Path:
        """Where one model version's files are cached."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in registered_model)
        return self.models_dir / safe / str(version)

    @property
    def collected_dir(self) -> Path:
        """Root of the collected request data (hour-partitioned Parquet)."""
        return self.directory / "collected"
