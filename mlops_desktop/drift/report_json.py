"""The JSON drift report: ``DriftResult.to_dict()`` written strictly (no NaN), plus its schema.

The document carries ``"schema_version": 1``; fields are only ever added within a version, and a
change that removes or retypes a field bumps it. ``JSON_SCHEMA`` (JSON Schema 2020-12) describes it
and ``docs/drift.md`` explains every field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlops_desktop.drift.result import RESULT_SCHEMA_VERSION, DriftResult

_NUMBER_OR_NULL = {"type": ["number", "null"]}
_RATES = {
    "type": "object",
    "required": ["null_rate", "type_error_rate", "out_of_bounds_rate", "violations"],
    "properties": {
        "null_rate": {"type": "number", "minimum": 0, "maximum": 1},
        "type_error_rate": {"type": "number", "minimum": 0, "maximum": 1},
        "out_of_bounds_rate": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "reference_null_rate": {"type": "number"},
        "reference_type_error_rate": {"type": "number"},
        "thresholds": {"type": "object", "additionalProperties": {"type": "number"}},
        "violations": {"type": "array", "items": {"type": "string"}},
    },
}
_COLUMN = {
    "type": "object",
    "required": [
        "name",
        "role",
        "kind",
        "metric",
        "value",
        "threshold",
        "drifted",
        "status",
        "metrics",
        "quality",
        "n_reference",
        "n_current",
        "distribution",
    ],
    "properties": {
        "name": {"type": "string"},
        "role": {"enum": ["feature", "prediction", "target"]},
        "kind": {"enum": ["numeric", "categorical", "datetime", "text"]},
        "metric": {"type": ["string", "null"]},
        "value": _NUMBER_OR_NULL,
        "threshold": _NUMBER_OR_NULL,
        "drifted": {"type": "boolean"},
        "status": {"enum": ["drift", "quality", "ok", "not evaluated"]},
        "metrics": {"type": "object", "additionalProperties": _NUMBER_OR_NULL},
        "quality": _RATES,
        "n_reference": {"type": "integer", "minimum": 0},
        "n_current": {"type": "integer", "minimum": 0},
        "note": {"type": ["string", "null"]},
        "distribution": {
            "type": ["object", "null"],
            "required": ["kind", "reference", "current"],
            "properties": {
                "kind": {"enum": ["numeric", "categorical"]},
                "edges": {"type": ["array", "null"], "items": {"type": "number"}},
                "categories": {"type": ["array", "null"], "items": {"type": "string"}},
                "reference": {"type": "array", "items": _NUMBER_OR_NULL},
                "current": {"type": "array", "items": _NUMBER_OR_NULL},
            },
        },
    },
}

#: JSON Schema of the report document (schema_version 1).
JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "MLOps Desktop drift report",
    "type": "object",
    "required": [
        "schema_version",
        "created_at",
        "reference",
        "current",
        "summary",
        "features",
        "prediction",
        "target",
        "performance",
        "schema_issues",
        "window",
        "windows",
        "config",
    ],
    "properties": {
        "schema_version": {"const": RESULT_SCHEMA_VERSION},
        "created_at": {"type": "string"},
        "reference": {
            "type": "object",
            "required": ["name", "n_rows"],
            "properties": {"name": {"type": "string"}, "n_rows": {"type": "integer"}},
        },
        "current": {
            "type": "object",
            "required": ["name", "n_rows"],
            "properties": {"name": {"type": "string"}, "n_rows": {"type": "integer"}},
        },
        "summary": {
            "type": "object",
            "required": [
                "dataset_drift",
                "n_features",
                "n_drifted",
                "drift_share",
                "drift_share_threshold",
            ],
            "properties": {
                "dataset_drift": {"type": "boolean"},
                "n_features": {"type": "integer"},
                "n_drifted": {"type": "integer"},
                "drift_share": {"type": "number"},
                "drift_share_threshold": {"type": "number"},
                "n_quality_violations": {"type": "integer"},
                "n_schema_issues": {"type": "integer"},
                "verdict": {
                    "type": "object",
                    "required": ["dataset_drift", "overall", "recent", "trending", "reasons"],
                    "properties": {
                        "dataset_drift": {"type": "boolean"},
                        "overall": {"type": "boolean"},
                        "recent": {"type": "boolean"},
                        "recent_share": {"type": ["number", "null"]},
                        "n_recent_rows": {"type": "integer"},
                        "trending": {"type": "array", "items": {"type": "string"}},
                        "reasons": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
        "features": {"type": "array", "items": _COLUMN},
        "prediction": {"anyOf": [{"type": "null"}, _COLUMN]},
        "target": {"anyOf": [{"type": "null"}, _COLUMN]},
        "performance": {
            "type": ["object", "null"],
            "required": ["task", "current", "reference", "delta", "degraded"],
            "properties": {
                "task": {"enum": ["regression", "classification"]},
                "current": {"type": "object", "additionalProperties": _NUMBER_OR_NULL},
                "reference": {
                    "type": ["object", "null"],
                    "additionalProperties": _NUMBER_OR_NULL,
                },
                "delta": {"type": "object", "additionalProperties": _NUMBER_OR_NULL},
                "degraded": {"type": "array", "items": {"type": "string"}},
            },
        },
        "schema_issues": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["column", "issue", "message"],
                "properties": {
                    "column": {"type": "string"},
                    "issue": {
                        "enum": [
                            "missing_in_current",
                            "extra_in_current",
                            "retyped",
                            "all_null_reference",
                            "all_null_current",
                            "missing_in_reference",
                        ]
                    },
                    "message": {"type": "string"},
                },
            },
        },
        "window": {"enum": ["hour", "day", "week", None]},
        "timestamp_column": {"type": ["string", "null"]},
        "windows": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["start", "end", "n_rows", "values", "drift_share", "dataset_drift"],
                "properties": {
                    "start": {"type": "string"},
                    "end": {"type": "string"},
                    "n_rows": {"type": "integer"},
                    "values": {"type": "object", "additionalProperties": _NUMBER_OR_NULL},
                    "drifted": {"type": "object", "additionalProperties": {"type": "boolean"}},
                    "drift_share": {"type": "number"},
                    "dataset_drift": {"type": "boolean"},
                    "judged": {"type": "boolean"},
                },
            },
        },
        "config": {"type": "object"},
        "approximation": {
            "type": ["object", "null"],
            "required": ["method", "description", "bins", "passes", "intervals"],
            "properties": {
                "method": {"type": "string"},
                "description": {"type": "string"},
                "bins": {"type": "integer", "minimum": 1},
                "passes": {"type": "integer", "minimum": 1},
                "intervals": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "array",
                            "items": _NUMBER_OR_NULL,
                            "minItems": 2,
                            "maxItems": 2,
                        },
                    },
                },
            },
        },
    },
}


def render_json(result: DriftResult, *, include_distributions: bool = True) -> str:
    """The report as JSON text; raises ValueError rather than ever writing NaN."""
    document = result.to_dict()
    if not include_distributions:
        for column in [*document["features"], document["prediction"], document["target"]]:
            if column is not None:
                column["distribution"] = None
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write_json(result: DriftResult, path: str | Path) -> Path:
    """Write the JSON report to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_json(result), encoding="utf-8")
    return path
