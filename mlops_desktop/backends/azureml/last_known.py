"""The last-known model versions of a workspace, for when Azure cannot be reached.

After every successful ``list_model_versions`` the backend writes
``cache_dir()/azureml/<workspace>.json`` (atomically). When a later listing fails because Azure
is unreachable (offline, timeouts, 5xx after retries) the backend answers from this file and
says so (``AzureMlBackend.served_from_cache``). The file belongs to one Azure location
(subscription/resource group/workspace): re-pointing an app workspace elsewhere ignores it.
It holds what Studio shows any reader of the workspace; never tokens or secrets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlops_desktop.core import paths
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import DatasetRef, ModelVersion, Run
from mlops_desktop.core.files import atomic_write_text
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.core.stages import Stage

SCHEMA = 1


@dataclass(frozen=True, slots=True)
class LastKnownVersions:
    """Model versions as last read from Azure, and when."""

    saved_at: datetime
    versions: tuple[ModelVersion, ...]
    #: Why the cache is being served (empty when read on purpose via ``last_known()``).
    reason: str = ""


def cache_file(workspace: WorkspaceConfig) -> Path:
    """``cache_dir()/azureml/<workspace name>.json``."""
    return paths.cache_dir() / "azureml" / f"{workspace.name}.json"


def save(workspace: WorkspaceConfig, versions: list[ModelVersion]) -> Path:
    """Write the versions atomically; returns the file."""
    path = cache_file(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "schema": SCHEMA,
        "workspace": workspace.name,
        "location": workspace.location,
        "saved_at": datetime.now(UTC).isoformat(),
        "versions": [to_jsonable(v) for v in versions],
    }
    return atomic_write_text(path, json.dumps(data), fsync=False)


def load(workspace: WorkspaceConfig, reason: str = "") -> LastKnownVersions | None:
    """The saved versions of ``workspace``, or None (no file, other location, unreadable)."""
    path = cache_file(workspace)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA or data.get("location") != workspace.location:
            return None
        versions = tuple(_version(v) for v in data["versions"])
        saved_at = datetime.fromisoformat(data["saved_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return LastKnownVersions(saved_at, versions, reason)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _run(data: dict[str, Any] | None) -> Run | None:
    if not data:
        return None
    return Run(
        run_id=data["run_id"],
        experiment_id=data.get("experiment_id", ""),
        name=data.get("name", ""),
        status=data.get("status", ""),
        start_time=_time(data.get("start_time")),
        end_time=_time(data.get("end_time")),
        params=dict(data.get("params") or {}),
        metrics={k: float(v) for k, v in (data.get("metrics") or {}).items() if v is not None},
        tags=dict(data.get("tags") or {}),
        datasets=tuple(DatasetRef(**d) for d in data.get("datasets") or ()),
        artifact_uri=data.get("artifact_uri", ""),
    )


def _version(data: dict[str, Any]) -> ModelVersion:
    return ModelVersion(
        workspace=data["workspace"],
        stage=Stage(data["stage"]) if data.get("stage") else None,
        model=data["model"],
        registered_name=data["registered_name"],
        version=data["version"],
        aliases=tuple(data.get("aliases") or ()),
        tags=dict(data.get("tags") or {}),
        description=data.get("description", ""),
        status=data.get("status", ""),
        created_at=_time(data.get("created_at")),
        source=data.get("source", ""),
        run_id=data.get("run_id"),
        run=_run(data.get("run")),
    )
