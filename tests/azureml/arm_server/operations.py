"""Writes: ``PUT onlineEndpoints/NAME`` as a long-running operation (``Azure-AsyncOperation``).

The PUT answers 201 with the endpoint in ``Updating`` state and an ``Azure-AsyncOperation``
header; the status URL reports ``InProgress`` for ``polls`` polls, then ``Succeeded`` and the
endpoint turns ``Succeeded``, as Azure ML does.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .dataset import WorkspaceData
from .responses import Response, arm_error, user_error


@dataclass
class _Operation:
    polls_left: int
    on_done: Callable[[], None]
    status: str = "InProgress"


class Operations:
    """Long-running operations of one server."""

    def __init__(self, base_url: str, polls: int, retry_after: int, lock: threading.Lock) -> None:
        self.base_url = base_url
        self.polls = polls
        self.retry_after = retry_after
        self._lock = lock
        self._operations: dict[str, _Operation] = {}

    @property
    def lock(self) -> threading.Lock:
        """The server's data lock (writers hold it while changing the data set)."""
        return self._lock

    def status(self, op_id: str) -> Response:
        """``GET …/locations/L/mfeOperationsStatus/ID``."""
        with self._lock:
            operation = self._operations.get(op_id)
            if operation is not None and operation.status == "InProgress":
                if operation.polls_left <= 0:
                    operation.status = "Succeeded"
                    operation.on_done()
                else:
                    operation.polls_left -= 1
        if operation is None:
            return Response(404, arm_error("OperationNotFound", f"Operation {op_id} not found."))
        headers = self._retry_headers() if operation.status == "InProgress" else {}
        return Response(200, {"id": op_id, "name": op_id, "status": operation.status}, headers)

    def put_endpoint(
        self, ws: WorkspaceData, name: str, body: bytes, who: str, api_version: str, present: Any
    ) -> Response:
        """Create or update an online endpoint (traffic, mirror traffic, auth mode, …)."""
        try:
            payload = json.loads(body or b"{}")
            props = payload["properties"]
        except (ValueError, KeyError, TypeError):
            return user_error(
                "The request body is not a valid online endpoint.", inner="BadArgument"
            )
        problem = _check_traffic(ws, name, props)
        if problem:
            return user_error(problem, inner="BadArgument", location=ws.location)
        now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        with self._lock:
            stored = _stored_endpoint(ws, name, now, who)
            for key in ("description", "authMode", "properties", "compute"):
                if key in props:
                    stored["properties"][key] = props[key]
            stored["properties"]["traffic"] = {
                k: int(v) for k, v in (props.get("traffic") or {}).items()
            }
            stored["properties"]["mirrorTraffic"] = {
                k: int(v) for k, v in (props.get("mirrorTraffic") or {}).items()
            }
            stored["properties"]["provisioningState"] = "Updating"
            if "tags" in payload:
                stored["tags"] = payload["tags"]
            stored["systemData"].update(
                lastModifiedAt=now, lastModifiedBy=who, lastModifiedByType="User"
            )

            def done(endpoint: dict[str, Any] = stored) -> None:
                endpoint["properties"]["provisioningState"] = "Succeeded"

            headers = self.start_locked(ws, api_version, done)
        return Response(201, present(ws, "onlineEndpoints", stored), headers)

    def start_locked(
        self, ws: WorkspaceData, api_version: str, on_done: Callable[[], None]
    ) -> dict[str, str]:
        """Register an operation (caller holds the lock); the LRO headers of the answer."""
        op_id = uuid.uuid4().hex
        self._operations[op_id] = _Operation(self.polls, on_done)
        status_url = (
            f"{self.base_url}/subscriptions/{ws.subscription_id}/providers/"
            f"Microsoft.MachineLearningServices/locations/{ws.location}/mfeOperationsStatus/"
            f"{op_id}?api-version={api_version}"
        )
        return {"Azure-AsyncOperation": status_url, **self._retry_headers()}

    def _retry_headers(self) -> dict[str, str]:
        # azure-core treats ``Retry-After: 0`` as "not said" (then the SDK's own 5–10 s interval
        # applies) and reads ``retry-after-ms`` without one: retry_after=0 polls after 20 ms.
        if self.retry_after <= 0:
            return {"retry-after-ms": "20"}
        return {"Retry-After": str(self.retry_after)}


def _check_traffic(ws: WorkspaceData, name: str, props: dict[str, Any]) -> str:
    deployments = {
        d["name"].lower() for d in ws.collection(f"onlineEndpoints/{name}/deployments") or []
    }
    traffic = {k: int(v) for k, v in (props.get("traffic") or {}).items()}
    mirror = {k: int(v) for k, v in (props.get("mirrorTraffic") or {}).items()}
    unknown = sorted(k for k in [*traffic, *mirror] if k.lower() not in deployments)
    if unknown:
        return f"Deployment(s) {', '.join(unknown)} not found in endpoint '{name}'."
    total = sum(traffic.values())
    if traffic and total != 100:
        return f"Traffic allocation for endpoint '{name}' must sum to 100 (got {total})."
    return ""


def _stored_endpoint(ws: WorkspaceData, name: str, now: str, who: str) -> dict[str, Any]:
    endpoints = ws.ensure_collection("onlineEndpoints")
    stored = next((e for e in endpoints if e["name"].lower() == name.lower()), None)
    if stored is None:
        stored = {
            "name": name,
            "location": ws.location,
            # Relative to the server: a placeholder the reader fills in when it answers.
            "properties": {"scoringUri": f"${{baseUrl}}/inference/{ws.name}/{name}/score"},
            "systemData": {"createdAt": now, "createdBy": who, "createdByType": "User"},
        }
        endpoints.append(stored)
    return stored
