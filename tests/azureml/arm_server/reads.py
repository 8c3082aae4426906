"""Reading workspace resources: get, list with ``nextLink`` paging, cluster nodes, usages."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from .dataset import WorkspaceData, substitute
from .responses import Response, user_error
from .routes import Route

_KINDS = {
    "models": "model",
    "versions": "model version",
    "jobs": "job",
    "onlineendpoints": "online endpoint",
    "deployments": "online deployment",
    "computes": "compute",
    "schedules": "schedule",
}
_ARCHIVED_VIEWS = {"activeonly": False, "archivedonly": True}
_ENABLED_VIEWS = {"enabledonly": True, "disabledonly": False}


class Reader:
    """Answers read routes from the data set, filling ids and placeholders."""

    def __init__(self, base_url: str, variables: dict[str, str], page_size: int) -> None:
        self.base_url = base_url
        self.variables = variables  # subscription-wide placeholders
        self.page_size = page_size

    def workspace_variables(self, ws: WorkspaceData) -> dict[str, str]:
        """Placeholders of ``ws`` (``${workspaceId}``, ``${location}``, …)."""
        return {
            **self.variables,
            "resourceGroup": ws.resource_group,
            "workspaceName": ws.name,
            "workspaceId": ws.arm_id,
            "location": ws.location,
        }

    def present(self, ws: WorkspaceData, collection: str, item: dict[str, Any]) -> dict[str, Any]:
        """An item as the service returns it: placeholders filled, ``id`` and ``type`` set."""
        out = substitute(copy.deepcopy(item), self.workspace_variables(ws))
        if not collection:
            out["id"] = ws.arm_id
            out["type"] = "Microsoft.MachineLearningServices/workspaces"
            return out
        out["id"] = f"{ws.arm_id}/{collection}/{item['name']}"
        types = "/".join(collection.split("/")[0::2])
        out["type"] = f"Microsoft.MachineLearningServices/workspaces/{types}"
        return out

    @staticmethod
    def stored_path(ws: WorkspaceData, segments: tuple[str, ...]) -> str:
        """The data set's spelling of a collection path (names as stored, any case sent)."""
        parts: list[str] = []
        for i, segment in enumerate(segments):
            if i % 2 == 0:
                parts.append(segment)
                continue
            items = ws.collection("/".join(parts[:i])) or []
            parts.append(
                next((x["name"] for x in items if x["name"].lower() == segment.lower()), segment)
            )
        return "/".join(parts)

    @staticmethod
    def not_found(ws: WorkspaceData, segments: tuple[str, ...]) -> Response:
        """The service's 404 for a missing child resource (``segments`` end at its name)."""
        kind = _KINDS.get(segments[-2].lower(), segments[-2])
        name = segments[-1]
        if kind in ("model version", "online deployment"):
            name = (":" if kind == "model version" else "/").join(segments[1::2])
        return user_error(
            f"Could not find {kind} '{name}' in workspace '{ws.name}'.",
            inner="NotFound",
            location=ws.location,
        )

    def get_item(self, ws: WorkspaceData, route: Route) -> Response:
        """``GET …/collection/NAME``."""
        path = self.stored_path(ws, route.segments[:-1])
        for item in ws.collection(path) or []:
            if item["name"].lower() == route.segments[-1].lower():
                return Response(200, self.present(ws, path, item))
        return self.not_found(ws, route.segments)

    def list_collection(self, ws: WorkspaceData, route: Route, query: dict[str, str]) -> Response:
        """``GET …/collection`` with ``listViewType`` filtering and paging."""
        path = self.stored_path(ws, route.segments)
        items = ws.collection(path)
        if items is None:
            if len(route.segments) > 1:  # children of a parent that does not exist
                parent = ws.collection("/".join(path.split("/")[:-2])) or []
                if not any(x["name"].lower() == route.segments[-2].lower() for x in parent):
                    return self.not_found(ws, route.segments[:-1])
            items = []
        view = query.get("listViewType", "").lower()
        if view in _ARCHIVED_VIEWS:
            archived = _ARCHIVED_VIEWS[view]
            items = [x for x in items if bool(x["properties"].get("isArchived")) is archived]
        elif view in _ENABLED_VIEWS:
            enabled = _ENABLED_VIEWS[view]
            items = [x for x in items if bool(x["properties"].get("isEnabled", True)) is enabled]
        if path.lower() == "jobs":
            items = filter_jobs(items, query)
        return self.page([self.present(ws, path, x) for x in items], route, query)

    def page(self, items: list[dict[str, Any]], route: Route, query: dict[str, str]) -> Response:
        """One page of ``items`` from ``$skipToken``, with a ``nextLink`` when more remain."""
        start = int(query.get("$skipToken", "0") or 0)
        body: dict[str, Any] = {"value": items[start : start + self.page_size]}
        if start + self.page_size < len(items):
            next_query = {**query, "$skipToken": str(start + self.page_size)}
            body["nextLink"] = f"{self.base_url}{route.path}?{urlencode(next_query)}"
        return Response(200, body)

    def usages(self, usages: list[dict[str, Any]], route: Route, query: dict[str, str]) -> Response:
        """``GET …/locations/L/usages``."""
        return self.page([substitute(u, self.variables) for u in usages], route, query)

    def list_nodes(self, ws: WorkspaceData, route: Route) -> Response:
        """``POST …/computes/NAME/listNodes``: nodes made from the cluster's node state counts."""
        compute = next(
            (
                c
                for c in ws.collection("computes") or []
                if c["name"].lower() == route.segments[1].lower()
            ),
            None,
        )
        if compute is None:
            return self.not_found(ws, route.segments[:2])
        counts = compute["properties"].get("properties", {}).get("nodeStateCounts") or {}
        nodes: list[dict[str, Any]] = []
        for key, count in counts.items():
            for _ in range(int(count or 0)):
                nodes.append(
                    {
                        "nodeId": f"tvm-{len(nodes):04d}_{compute['name']}",
                        "privateIpAddress": f"10.0.0.{4 + len(nodes)}",
                        "publicIpAddress": None,
                        "port": 50000 + len(nodes),
                        "nodeState": key.removesuffix("NodeCount"),
                        "runId": None,
                    }
                )
        return Response(200, {"nodes": nodes, "nextLink": None})


def _created(item: dict[str, Any]) -> str:
    return str((item.get("systemData") or {}).get("createdAt") or "")


def _matches(wanted: str | None, found: dict[str, Any]) -> bool:
    """The Jobs - List rule for ``tag``/``properties``: ``a,b=v`` needs key a, and b equal v."""
    for part in filter(None, (wanted or "").split(",")):
        key, sep, value = part.partition("=")
        if key not in found or (sep and str(found[key]) != value):
            return False
    return True


def filter_jobs(items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    """Jobs - List as the service answers it: ``jobType``, ``tag`` and ``properties`` filter,
    newest first (``$skipToken`` pages continue in that order)."""
    job_type = query.get("jobType", "").lower()
    kept = [
        x
        for x in items
        if (not job_type or str(x["properties"].get("jobType", "")).lower() == job_type)
        and _matches(query.get("tag"), x["properties"].get("tags") or {})
        and _matches(query.get("properties"), x["properties"].get("properties") or {})
    ]
    return sorted(kept, key=_created, reverse=True)
