"""``Microsoft.Resources/deployments``: the ARM template deployment ``workspaces.begin_create``
submits (workspace + storage, key vault, Application Insights).

The server creates the workspace at once and answers ``Succeeded`` (no polling), lists the
deployment's operations, and from then on serves the new, empty workspace like the others.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import uuid
from typing import Any

from .dataset import Dataset, WorkspaceData
from .responses import Response, arm_error, system_data, user_error

# ARM also answers the legacy spelling without ``providers/Microsoft.Resources`` (the operations
# list azure-ai-ml's vendored client sends uses it).
DEPLOYMENT_RE = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/(?:providers/"
    r"microsoft\.resources/)?deployments/(?P<name>[^/]+)(?P<ops>/operations)?/?$",
    re.IGNORECASE,
)
API_VERSIONS = frozenset({"2020-06-01"})
ACTION = "Microsoft.Resources/deployments/write"
WORKSPACE_ACTION = "Microsoft.MachineLearningServices/workspaces/write"


class TemplateDeployments:
    """Deployments of one server (resource group, name) -> the deployment resource."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._deployments: dict[tuple[str, str], dict[str, Any]] = {}

    def handle(
        self, method: str, match: re.Match[str], body: bytes, claims: dict[str, Any]
    ) -> Response:
        """PUT a deployment (creates the workspace), GET it or its operations."""
        group, name = match["rg"], match["name"]
        key = (group.lower(), name.lower())
        if method == "GET":
            stored = self._deployments.get(key)
            if stored is None:
                return Response(
                    404, arm_error("DeploymentNotFound", f"Deployment '{name}' not found.")
                )
            if match["ops"]:
                return Response(200, {"value": stored["_operations"]})
            return Response(200, {k: v for k, v in stored.items() if not k.startswith("_")})
        if method != "PUT" or match["ops"]:
            return Response(405, arm_error("MethodNotAllowed", "Method not allowed."))
        if not self.dataset.has_resource_group(match["sub"], group):
            return Response(
                404,
                arm_error("ResourceGroupNotFound", f"Resource group '{group}' could not be found."),
            )
        try:
            props = json.loads(body or b"{}")["properties"]
            params = {k: v.get("value") for k, v in (props.get("parameters") or {}).items()}
            workspace_name = str(params["workspaceName"])
            location = str(params.get("location") or "westeurope")
        except (ValueError, KeyError, TypeError, AttributeError):
            return user_error("The template deployment has no workspaceName.", inner="BadArgument")
        if self.dataset.workspace(match["sub"], group, workspace_name) is not None:
            return user_error(f"Workspace {workspace_name} already exists.", inner="Conflict")
        workspace = _new_workspace(self.dataset, group, workspace_name, location, params, claims)
        self.dataset.workspaces.append(workspace)
        now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        deployment_id = (
            f"/subscriptions/{match['sub']}/resourceGroups/{group}"
            f"/providers/Microsoft.Resources/deployments/{name}"
        )
        stored = {
            "id": deployment_id,
            "name": name,
            "type": "Microsoft.Resources/deployments",
            "properties": {
                "provisioningState": "Succeeded",
                "mode": "Incremental",
                "timestamp": now,
                "duration": "PT1S",
                "correlationId": str(uuid.uuid4()),
                "outputResources": [{"id": workspace.arm_id}],
            },
            "_operations": [
                {
                    "id": f"{deployment_id}/operations/{uuid.uuid4().hex[:16].upper()}",
                    "operationId": uuid.uuid4().hex[:16].upper(),
                    "properties": {
                        "provisioningOperation": "Create",
                        "provisioningState": "Succeeded",
                        "timestamp": now,
                        "duration": "PT1S",
                        "statusCode": "OK",
                        "targetResource": {
                            "id": workspace.arm_id,
                            "resourceType": "Microsoft.MachineLearningServices/workspaces",
                            "resourceName": workspace_name,
                        },
                    },
                }
            ],
        }
        self._deployments[key] = stored
        return Response(201, {k: v for k, v in stored.items() if not k.startswith("_")})


def _new_workspace(
    dataset: Dataset,
    group: str,
    name: str,
    location: str,
    params: dict[str, Any],
    claims: dict[str, Any],
) -> WorkspaceData:
    """An empty workspace shaped like the data set's first one (its template)."""
    resource = copy.deepcopy(dataset.workspaces[0].resource)
    now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
    who = str(claims.get("upn") or claims.get("appid") or "")
    resource.update(name=name, location=location, tags=params.get("tagValues") or {})
    props = resource["properties"]
    props.update(
        friendlyName=str(params.get("friendlyName") or name),
        description=str(params.get("description") or ""),
        workspaceId=str(uuid.uuid4()),
        provisioningState="Succeeded",
    )
    resource["systemData"] = system_data(now, who)
    return WorkspaceData(dataset.subscription_id, group, resource, {})
