"""JSON-ready dicts of core entities (CLI ``--json`` output, exports)."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from enum import Enum
from typing import Any

from mlops_desktop.core.entities import ModelVersion


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, datetimes and non-finite floats made JSON-safe, recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    return value


def model_version_summary(version: ModelVersion) -> dict[str, Any]:
    """The fields a list of versions shows, flat."""
    return {
        "workspace": version.workspace,
        "stage": version.stage.value if version.stage else None,
        "model": version.model,
        "registered_name": version.registered_name,
        "version": version.version,
        "aliases": list(version.aliases),
        "status": version.status,
        "created_at": version.created_at.isoformat() if version.created_at else None,
        "run_id": version.run_id,
        "key_metric": version.key_metric_name,
        "key_metric_value": to_jsonable(version.key_metric_value),
        "metrics": to_jsonable(version.run.metrics) if version.run else {},
        "lineage": version.lineage,
    }


def model_version_detail(version: ModelVersion) -> dict[str, Any]:
    """Everything known about one version, including its source run."""
    detail = model_version_summary(version)
    detail.update(
        {
            "description": version.description,
            "source": version.source,
            "tags": version.tags,
            "run": to_jsonable(version.run) if version.run else None,
        }
    )
    return detail
