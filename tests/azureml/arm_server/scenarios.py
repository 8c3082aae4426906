"""Resources the fixture workspaces lack but real workspaces have, added to one server's data set.

Shaped like Microsoft's published examples (2024-04-01 ``OnlineEndpoint/get.json``,
``Job/CommandJob/get.json``): an online endpoint whose deployment list is empty (a new endpoint,
or one whose last deployment was deleted: ``{"value": []}``, traffic ``{}``), and command jobs
on serverless compute (``computeId: null``, the size in ``resources.instanceType``, a
``queueSettings`` tier) in any state Azure ML reports, ``StartTimeUtc`` only once it started.
Failures (a 500 from ``listNodes`` or a model's versions) are the server's faults
(:meth:`ArmTestServer.add_fault`); 403s come from the data set's role assignments.
"""

from __future__ import annotations

from typing import Any

from .server import ArmTestServer

_STARTED = {"Running", "Finalizing", "Completed", "Failed", "Canceled", "CancelRequested"}


def _workspace(server: ArmTestServer, workspace: str) -> Any:
    ws = next((w for w in server.dataset.workspaces if w.name == workspace), None)
    if ws is None:
        raise KeyError(workspace)
    return ws


def _system_data(created: str) -> dict[str, str]:
    return {
        "createdAt": created,
        "createdBy": "morgan.lee@contoso.example",
        "createdByType": "User",
        "lastModifiedAt": created,
        "lastModifiedBy": "morgan.lee@contoso.example",
        "lastModifiedByType": "User",
    }


def add_endpoint_without_deployments(
    server: ArmTestServer, workspace: str, name: str, *, auth_mode: str = "AMLToken"
) -> None:
    """A managed online endpoint that has no deployment (so no traffic) yet."""
    ws = _workspace(server, workspace)
    ws.ensure_collection("onlineEndpoints").append(
        {
            "name": name,
            "location": ws.location,
            "kind": "Managed",
            "tags": {},
            "identity": {"type": "SystemAssigned", "tenantId": "${tenantId}"},
            "properties": {
                "description": "",
                "properties": {
                    "azureml.onlineendpointid": "${workspaceId}/onlineEndpoints/" + name
                },
                "scoringUri": "${baseUrl}/inference/${workspaceName}/" + name + "/score",
                "swaggerUri": "${baseUrl}/inference/${workspaceName}/" + name + "/swagger.json",
                "authMode": auth_mode,
                "provisioningState": "Succeeded",
                "traffic": {},
                "mirrorTraffic": {},
                "publicNetworkAccess": "Enabled",
            },
            "systemData": _system_data("2025-07-04T09:00:00.000Z"),
        }
    )
    ws.ensure_collection(f"onlineEndpoints/{name}/deployments")


def add_command_job(
    server: ArmTestServer,
    workspace: str,
    name: str,
    status: str,
    *,
    compute: str | None = None,
    created: str = "2025-07-05T08:00:00.000Z",
    started: str | None = None,
) -> None:
    """A command job in ``status``; ``compute=None`` runs it on serverless compute."""
    ws = _workspace(server, workspace)
    extra: dict[str, str] = {"_azureml.ComputeTargetType": "amlctrain"}
    if started is not None or status in _STARTED:
        extra["StartTimeUtc"] = started or created
    props: dict[str, Any] = {
        "jobType": "Command",
        "displayName": name,
        "experimentName": "churn-training",
        "status": status,
        "description": "",
        "tags": {},
        "properties": extra,
        "computeId": f"${{workspaceId}}/computes/{compute}" if compute else None,
        "command": "python train.py --data ${{inputs.training_data}}",
        "environmentId": "${workspaceId}/environments/sklearn-1.5/versions/4",
        "codeId": "${workspaceId}/codes/5f2c7a0e-9d4b-4a8c-b1e3-7d6f5a4c3b2a/versions/1",
        "inputs": {
            "training_data": {
                "jobInputType": "uri_folder",
                "uri": "azureml:churn-training:4",
                "mode": "ReadOnlyMount",
                "description": None,
            }
        },
        "outputs": {},
        "resources": {"instanceCount": 1, "instanceType": "Standard_E4s_v3", "shmSize": "2g"},
        "limits": {"jobLimitsType": "Command", "timeout": "PT2H"},
        "environmentVariables": {},
        "identity": {"identityType": "AMLToken"},
        "isArchived": False,
        "services": {
            "Studio": {
                "jobServiceType": "Studio",
                "endpoint": "${baseUrl}/runs/" + name + "?wsid=${workspaceId}",
            }
        },
    }
    if compute is None:
        props["queueSettings"] = {"jobTier": "Standard"}
    ws.ensure_collection("jobs").append(
        {"name": name, "properties": props, "systemData": _system_data(created)}
    )
