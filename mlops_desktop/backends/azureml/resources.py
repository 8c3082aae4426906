"""Map azure-ai-ml endpoints, deployments, computes, usages and schedules onto our dataclasses."""

from __future__ import annotations

import re
from typing import Any

from mlops_desktop.backends.azureml.entities import (
    AzureCompute,
    AzureOnlineDeployment,
    AzureOnlineEndpoint,
    AzureQuotaUsage,
    AzureSchedule,
    AzureWorkspaceInfo,
)
from mlops_desktop.backends.azureml.mapping import created_at, parse_time, text

#: How people read an endpoint's auth mode (azure-ai-ml's value -> words).
AUTH_MODE_LABELS = {
    "key": "key",
    "aml_token": "Azure ML token",
    "amltoken": "Azure ML token",
    "aad_token": "Microsoft Entra token",
    "aadtoken": "Microsoft Entra token",
}
_ARM_MODEL = re.compile(r"/models/([^/]+)/versions/([^/]+)$", re.IGNORECASE)
_SHORT_MODEL = re.compile(r"^azureml:([^:@/]+):([^:@/]+)$")


def workspace_info(ws: Any) -> AzureWorkspaceInfo:
    """The workspace resource."""
    return AzureWorkspaceInfo(
        name=str(ws.name),
        location=str(getattr(ws, "location", "") or ""),
        resource_id=str(getattr(ws, "id", "") or ""),
        friendly_name=str(getattr(ws, "display_name", "") or ""),
        description=str(getattr(ws, "description", "") or ""),
        workspace_id=str(getattr(ws, "_workspace_id", "") or ""),
        mlflow_tracking_uri=str(getattr(ws, "mlflow_tracking_uri", "") or ""),
        public_network_access=text(getattr(ws, "public_network_access", None)),
        hbi_workspace=bool(getattr(ws, "hbi_workspace", False)),
        tags={k: text(v) for k, v in (getattr(ws, "tags", None) or {}).items()},
    )


def auth_mode_label(mode: str) -> str:
    """``Azure ML token`` for ``aml_token``, ``key`` for ``key``; unknown modes as Azure says."""
    return AUTH_MODE_LABELS.get(mode.strip().lower(), mode)


def model_reference(model: Any) -> tuple[str, str, str]:
    """(registered name, version, id) of a deployment's model, when it names one."""
    if model is None:
        return "", "", ""
    if not isinstance(model, str):  # an inline Model entity
        return str(getattr(model, "name", "") or ""), text(getattr(model, "version", None)), ""
    match = _ARM_MODEL.search(model) or _SHORT_MODEL.match(model)
    if match:
        return match.group(1), match.group(2), model
    return "", "", model


def deployment_from_azure(
    deployment: Any, traffic: dict[str, int], mirror: dict[str, int]
) -> AzureOnlineDeployment:
    """One deployment with its traffic shares from the endpoint."""
    name, version, model_id = model_reference(getattr(deployment, "model", None))
    count = getattr(deployment, "instance_count", None)
    return AzureOnlineDeployment(
        name=str(deployment.name),
        endpoint=str(getattr(deployment, "endpoint_name", "") or ""),
        provisioning_state=text(getattr(deployment, "provisioning_state", None)),
        traffic=int(traffic.get(deployment.name, 0)),
        mirror_traffic=int(mirror.get(deployment.name, 0)),
        registered_model=name,
        version=version,
        model_id=model_id,
        instance_type=str(getattr(deployment, "instance_type", "") or ""),
        instance_count=int(count) if count is not None else None,
        compute_type=text(getattr(deployment, "type", None)),
        created_at=_system_created(deployment),
    )


def _system_created(resource: Any) -> Any:
    # Deployments carry their creation context as the raw ARM dict, other resources as SystemData.
    context = getattr(resource, "creation_context", None)
    if isinstance(context, dict):
        from datetime import datetime

        value = context.get("createdAt")
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
        except ValueError:
            return None
    return created_at(resource)


def endpoint_from_azure(
    endpoint: Any, deployments: list[Any], workspace: str
) -> AzureOnlineEndpoint:
    """An endpoint with its deployments and traffic split."""
    # Non-zero shares only: ``online_endpoints.get`` adds zeros, ``list`` does not.
    traffic = {str(k): int(v) for k, v in (getattr(endpoint, "traffic", None) or {}).items() if v}
    mirror = {
        str(k): int(v) for k, v in (getattr(endpoint, "mirror_traffic", None) or {}).items() if v
    }
    mapped = tuple(
        sorted(
            (deployment_from_azure(d, traffic, mirror) for d in deployments),
            key=lambda d: d.name,
        )
    )
    return AzureOnlineEndpoint(
        name=str(endpoint.name),
        workspace=workspace,
        provisioning_state=text(getattr(endpoint, "provisioning_state", None)),
        auth_mode=text(getattr(endpoint, "auth_mode", None)),
        scoring_uri=str(getattr(endpoint, "scoring_uri", "") or ""),
        description=str(getattr(endpoint, "description", "") or ""),
        traffic=traffic,
        mirror_traffic=mirror,
        deployments=mapped,
        tags={k: text(v) for k, v in (getattr(endpoint, "tags", None) or {}).items()},
        # azure-ai-ml folds the endpoint's systemData into its properties.
        created_at=parse_time((getattr(endpoint, "properties", None) or {}).get("createdAt")),
    )


def node_state(node: Any) -> str:
    """State of one cluster node (``running``, ``idle``, ``preparing``, …)."""
    fields = vars(node)
    # azure-ai-ml copies the wire dict into the entity: camelCase keys may shadow snake_case.
    return str(fields.get("node_state") or fields.get("nodeState") or "unknown")


def compute_from_azure(
    compute: Any, node_states: list[str] | None, nodes_unavailable_reason: str = ""
) -> AzureCompute:
    """A compute target; ``node_states`` is the state of each node of a cluster, if known."""
    kind = text(getattr(compute, "type", None))
    state = text(getattr(compute, "state", None)) or text(
        getattr(compute, "provisioning_state", None)
    )
    counts: dict[str, int] = {}
    for node_state in node_states or []:
        counts[node_state] = counts.get(node_state, 0) + 1
    idle = getattr(compute, "idle_time_before_scale_down", None)
    return AzureCompute(
        name=str(compute.name),
        compute_type=kind,
        state=state,
        size=str(getattr(compute, "size", "") or ""),
        location=str(getattr(compute, "location", "") or ""),
        tier=text(getattr(compute, "tier", None)),
        min_nodes=getattr(compute, "min_instances", None),
        max_nodes=getattr(compute, "max_instances", None),
        current_nodes=len(node_states) if node_states is not None else None,
        node_states=counts,
        nodes_unavailable_reason=nodes_unavailable_reason,
        idle_seconds_before_scale_down=float(idle) if idle is not None else None,
        created_at=parse_time(getattr(compute, "created_on", None)),
    )


def usage_from_azure(usage: Any) -> AzureQuotaUsage:
    """One quota line from ``compute.list_usage``."""
    fields = vars(usage)
    # azure-ai-ml copies the wire dict into the entity: camelCase keys may shadow snake_case.
    current = fields.get("current_value")
    if current is None:
        current = fields.get("currentValue", 0)
    name = fields.get("name") or {}
    label = name.get("localizedValue") or name.get("localized_value") or name.get("value", "")
    return AzureQuotaUsage(
        name=str(label),
        usage_type=str(fields.get("type", "") or ""),
        current=int(current or 0),
        limit=int(fields.get("limit", 0) or 0),
        unit=text(fields.get("unit")) or "Count",
        resource_id=str(fields.get("id", "") or ""),
    )


def schedule_from_azure(schedule: Any) -> AzureSchedule:
    """A job schedule with a human-readable trigger."""
    trigger = getattr(schedule, "trigger", None)
    trigger_type = text(getattr(trigger, "type", None)).lower()
    expression = str(getattr(trigger, "expression", "") or "")
    if not expression and trigger is not None:
        expression = _describe_recurrence(trigger)
    job = getattr(schedule, "create_job", None)
    monitor = getattr(schedule, "create_monitor", None)
    target = getattr(monitor, "monitoring_target", None)
    signals = getattr(monitor, "monitoring_signals", None) or {}
    return AzureSchedule(
        name=str(schedule.name),
        display_name=str(getattr(schedule, "display_name", "") or schedule.name),
        enabled=bool(getattr(schedule, "is_enabled", False)),
        provisioning_state=text(getattr(schedule, "provisioning_state", None)),
        trigger_type=trigger_type,
        expression=expression,
        time_zone=text(getattr(trigger, "time_zone", None)),
        start_time=text(getattr(trigger, "start_time", None)),
        end_time=text(getattr(trigger, "end_time", None)),
        description=str(getattr(schedule, "description", "") or ""),
        job_experiment=str(getattr(job, "experiment_name", "") or "") if job is not None else "",
        job_display_name=str(getattr(job, "display_name", "") or "") if job is not None else "",
        tags={k: text(v) for k, v in (getattr(schedule, "tags", None) or {}).items()},
        created_at=created_at(schedule),
        kind="monitor" if monitor is not None else "job",
        monitor_target=str(getattr(target, "endpoint_deployment_id", "") or ""),
        monitor_signals={str(k): text(getattr(v, "type", None)) for k, v in signals.items()},
        **_recurrence_fields(trigger),
    )


def _recurrence_fields(trigger: Any) -> dict[str, Any]:
    """Frequency, interval and pattern of a recurrence trigger ({} for cron triggers)."""
    frequency = text(getattr(trigger, "frequency", None)).lower()
    if not frequency:
        return {}
    pattern = getattr(trigger, "schedule", None)
    interval = getattr(trigger, "interval", None)
    return {
        "frequency": frequency,
        "interval": int(interval) if interval else 1,
        "hours": tuple(int(h) for h in getattr(pattern, "hours", None) or ()),
        "minutes": tuple(int(m) for m in getattr(pattern, "minutes", None) or ()),
        "week_days": tuple(text(d).lower() for d in getattr(pattern, "week_days", None) or ()),
    }


def _describe_recurrence(trigger: Any) -> str:
    frequency = text(getattr(trigger, "frequency", None))
    interval = getattr(trigger, "interval", None)
    if not frequency:
        return ""
    words = f"every {interval or 1} {frequency}"
    pattern = getattr(trigger, "schedule", None)
    hours = list(getattr(pattern, "hours", None) or [])
    minutes = list(getattr(pattern, "minutes", None) or [0])
    if hours:
        times = ", ".join(f"{h:02d}:{m:02d}" for h in hours for m in minutes)
        words += f" at {times}"
    days = list(getattr(pattern, "week_days", None) or [])
    if days:
        words += " on " + ", ".join(text(d) for d in days)
    return words
