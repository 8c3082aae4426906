"""Deployments (PUT as a long-running operation), their logs, endpoint keys and scoring.

Scoring is not ARM: an endpoint's ``scoringUri`` points at ``{baseUrl}/inference/{workspace}/
{endpoint}/score`` on this server, which checks the endpoint key (``Authorization: Bearer KEY``,
as keys from ``listKeys``), picks the deployment from the ``azureml-model-deployment`` header or
the traffic split, and answers one prediction per input row as Azure ML's MLflow server does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from .dataset import Dataset, WorkspaceData
from .operations import Operations
from .reads import Reader
from .responses import Response, user_error

#: What Azure ML fills in for a managed deployment that does not say (its documented defaults).
_SERVICE_DEFAULTS: dict[str, Any] = {
    "endpointComputeType": "Managed",
    "scaleSettings": {"scaleType": "Default"},
    "requestSettings": {
        "maxQueueWait": "PT0.5S",
        "requestTimeout": "PT5S",
        "maxConcurrentRequestsPerInstance": 1,
    },
    "livenessProbe": {
        "failureThreshold": 30,
        "successThreshold": 1,
        "timeout": "PT2S",
        "period": "PT10S",
        "initialDelay": "PT10S",
    },
    "readinessProbe": {
        "failureThreshold": 30,
        "successThreshold": 1,
        "timeout": "PT2S",
        "period": "PT10S",
        "initialDelay": "PT10S",
    },
    "appInsightsEnabled": False,
    "egressPublicNetworkAccess": "Enabled",
    "environmentVariables": {},
    "properties": {},
}
_MODEL_ID = re.compile(r"/models/([^/]+)/versions/([^/]+)$", re.IGNORECASE)
_SCORE_PATH = re.compile(r"^/inference/(?P<ws>[^/]+)/(?P<ep>[^/]+)/score$")


def endpoint_key(ws: WorkspaceData, endpoint: str, which: str = "primary") -> str:
    """A stable key per endpoint (the server never stores secrets of real services)."""
    return hashlib.sha256(f"{ws.arm_id}/{endpoint.lower()}/{which}".encode()).hexdigest()[:32]


class EndpointWrites:
    """What a test may do to online endpoints beyond the traffic split."""

    def __init__(self, dataset: Dataset, operations: Operations, reader: Reader) -> None:
        self.dataset = dataset
        self.operations = operations
        self.reader = reader
        #: (workspace, endpoint, deployment) of every scored request, in order.
        self.scored: list[tuple[str, str, str]] = []

    def put_deployment(
        self, ws: WorkspaceData, segments: tuple[str, ...], body: bytes, who: str, version: str
    ) -> Response:
        """``PUT …/onlineEndpoints/E/deployments/D``: 201 ``Creating``, then ``Succeeded``."""
        endpoint, name = segments[1], segments[3]
        if not _find(ws.collection("onlineEndpoints"), endpoint):
            return self.reader.not_found(ws, segments[:2])
        try:
            payload = json.loads(body or b"{}")
            props = payload["properties"]
        except (ValueError, KeyError, TypeError):
            return user_error(
                "The request body is not a valid online deployment.", inner="BadArgument"
            )
        model = str(props.get("model") or "")
        match = _MODEL_ID.search(model)
        if not match or not _find(ws.collection(f"models/{match[1]}/versions"), match[2]):
            return user_error(
                f"Model {model or '(none)'} was not found in workspace {ws.name}.",
                inner="BadArgument",
                location=ws.location,
            )
        now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        collection = self.reader.stored_path(ws, segments[:2]) + "/deployments"
        with self.operations.lock:
            deployments = ws.ensure_collection(collection)
            stored = _find(deployments, name)
            if stored is None:
                stored = {
                    "name": name,
                    "systemData": {"createdAt": now, "createdBy": who, "createdByType": "User"},
                }
                deployments.append(stored)
            stored.update(
                location=ws.location,
                kind=payload.get("kind", "Managed"),
                tags=payload.get("tags") or {},
                sku=payload.get("sku") or {"name": "Default", "capacity": 1},
                properties={**_SERVICE_DEFAULTS, **props, "provisioningState": "Creating"},
            )
            stored["systemData"].update(lastModifiedAt=now, lastModifiedBy=who)

            def done(deployment: dict[str, Any] = stored) -> None:
                deployment["properties"]["provisioningState"] = "Succeeded"

            headers = self.operations.start_locked(ws, version, done)
        return Response(201, self.reader.present(ws, collection, stored), headers)

    def delete_deployment(
        self, ws: WorkspaceData, segments: tuple[str, ...], version: str
    ) -> Response:
        """``DELETE …/deployments/D``: 202, gone when the operation completes; refused (400)
        while the deployment takes traffic, as Azure ML does."""
        endpoint_name, name = segments[1], segments[3]
        with self.operations.lock:
            endpoint = _find(ws.collection("onlineEndpoints"), endpoint_name)
            deployments = ws.collection(f"onlineEndpoints/{endpoint_name}/deployments") or []
            deployment = _find(deployments, name)
            if endpoint is None or deployment is None:
                return Response(204, None)  # ARM: deleting what is not there succeeds
            props = endpoint["properties"]
            shares = {**(props.get("mirrorTraffic") or {}), **(props.get("traffic") or {})}
            if any(k.lower() == name.lower() and int(v) for k, v in shares.items()):
                return user_error(
                    f"Deployment {name} has traffic and cannot be deleted.",
                    inner="BadArgument",
                    location=ws.location,
                )
            deployment["properties"]["provisioningState"] = "Deleting"

            def done(items: list[dict[str, Any]] = deployments) -> None:
                items[:] = [d for d in items if str(d["name"]).lower() != name.lower()]

            headers = self.operations.start_locked(ws, version, done)
        return Response(202, None, {**headers, "Location": headers["Azure-AsyncOperation"]})

    def delete_endpoint(
        self, ws: WorkspaceData, segments: tuple[str, ...], version: str
    ) -> Response:
        """``DELETE onlineEndpoints/E``: 202, the endpoint and its deployments gone when the
        operation completes (204 when there is no such endpoint)."""
        name = segments[1]
        with self.operations.lock:
            endpoints = ws.collection("onlineEndpoints") or []
            endpoint = _find(endpoints, name)
            if endpoint is None:
                return Response(204, None)
            endpoint["properties"]["provisioningState"] = "Deleting"

            def done(items: list[dict[str, Any]] = endpoints) -> None:
                items[:] = [e for e in items if str(e["name"]).lower() != name.lower()]
                deployments = ws.collection(f"onlineEndpoints/{endpoint['name']}/deployments")
                if deployments is not None:
                    deployments.clear()

            headers = self.operations.start_locked(ws, version, done)
        return Response(202, None, {**headers, "Location": headers["Azure-AsyncOperation"]})

    def get_logs(self, ws: WorkspaceData, segments: tuple[str, ...], body: bytes) -> Response:
        """``POST …/deployments/D/getLogs`` with ``{"tail": N, "containerType": …}``."""
        endpoint, name = segments[1], segments[3]
        deployment = _find(ws.collection(f"onlineEndpoints/{endpoint}/deployments"), name)
        if deployment is None:
            return self.reader.not_found(ws, segments[:4])
        request = json.loads(body or b"{}")
        tail = int(request.get("tail") or 100)
        container = str(request.get("containerType") or "InferenceServer")
        model = str(deployment["properties"].get("model", ""))
        if container == "StorageInitializer":
            lines = [f"Downloading model {model}", "Model downloaded to /var/azureml-app"]
        else:
            lines = [
                "Azure ML Inferencing HTTP server v1.3.4",
                f"Deployment {name} of endpoint {endpoint}: loading {model}",
                "Initializing logger",
                "Users's init has completed successfully",
                "Listening at: http://0.0.0.0:31311",
            ]
            lines += [
                f"POST /score 200 {3 + i % 5}ms"
                for i, (w, e, d) in enumerate(self.scored)
                if (w, e, d) == (ws.name.lower(), endpoint.lower(), name.lower())
            ]
        return Response(200, {"content": "\n".join(lines[-tail:]) + "\n"})

    def list_keys(self, ws: WorkspaceData, segments: tuple[str, ...]) -> Response:
        """``POST …/onlineEndpoints/E/listKeys``."""
        endpoint = segments[1]
        if not _find(ws.collection("onlineEndpoints"), endpoint):
            return self.reader.not_found(ws, segments[:2])
        return Response(
            200,
            {
                "primaryKey": endpoint_key(ws, endpoint),
                "secondaryKey": endpoint_key(ws, endpoint, "secondary"),
            },
        )

    def score(self, path: str, headers: dict[str, str], body: bytes) -> Response | None:
        """A scoring request, or None when ``path`` is not a scoring URI of this server."""
        match = _SCORE_PATH.match(path)
        if match is None:
            return None
        ws = next(
            (w for w in self.dataset.workspaces if w.name.lower() == match["ws"].lower()), None
        )
        endpoint = _find(ws.collection("onlineEndpoints") if ws else None, match["ep"])
        if ws is None or endpoint is None:
            return Response(404, {"message": "endpoint not found"})
        if headers.get("authorization", "") != f"Bearer {endpoint_key(ws, match['ep'])}":
            return Response(401, {"message": "invalid key"})
        props = endpoint["properties"]
        wanted = headers.get("azureml-model-deployment", "")
        deployments = ws.collection(f"onlineEndpoints/{endpoint['name']}/deployments") or []
        if wanted:
            deployment = _find(deployments, wanted)
            if deployment is None:
                return Response(404, {"message": f"deployment {wanted} not found"})
        else:
            traffic = {k: int(v) for k, v in (props.get("traffic") or {}).items() if int(v)}
            if not traffic:
                return Response(424, {"message": "no deployment has live traffic"})
            deployment = _find(deployments, max(traffic, key=lambda k: (traffic[k], k)))
        assert deployment is not None
        try:
            rows = _rows(json.loads(body or b"null"))
        except ValueError:
            return Response(400, {"message": "the body is not JSON"})
        if rows is None:
            return Response(400, {"message": "expected input_data with data rows"})
        self.scored.append((ws.name.lower(), endpoint["name"].lower(), deployment["name"].lower()))
        predictions = [round(sum(float(v) for v in row if _is_number(v)) % 1, 4) for row in rows]
        return Response(200, predictions, {"azureml-model-deployment": deployment["name"]})


def _rows(payload: Any) -> list[list[Any]] | None:
    """Rows of an MLflow scoring payload (``input_data`` split/records, or ``data``)."""
    if not isinstance(payload, dict):
        return None
    data = payload.get("input_data", payload)
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return [list(r) if isinstance(r, list) else [r] for r in data["data"]]
    if isinstance(data, list):
        return [list(r.values()) if isinstance(r, dict) else [r] for r in data]
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _find(items: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    return next((i for i in items or [] if str(i["name"]).lower() == name.lower()), None)
