"""The loopback server's data: a subscription, its role assignments and workspaces.

Fixture files (``fixtures/*.json``) hold ARM resources shaped like Microsoft's published examples
(azure-rest-api-specs, Microsoft.MachineLearningServices 2024-04-01), without ``id``/``type``:
the server fills those in from where each resource lives. Strings may use ``${subscriptionId}``,
``${resourceGroup}``, ``${workspaceName}``, ``${workspaceId}``, ``${location}``, ``${tenantId}``
and ``${baseUrl}``; the server substitutes them when it answers.
"""

from __future__ import annotations

import copy
import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).with_name("fixtures")
PROVIDER = "Microsoft.MachineLearningServices"


@dataclass
class WorkspaceData:
    """One workspace: its ARM resource and its child collections (path -> resources)."""

    subscription_id: str
    resource_group: str
    resource: dict[str, Any]
    collections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The workspace name."""
        return str(self.resource["name"])

    @property
    def location(self) -> str:
        """The Azure region."""
        return str(self.resource.get("location", "westeurope"))

    @property
    def arm_id(self) -> str:
        """``/subscriptions/…/workspaces/NAME``."""
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/{PROVIDER}/workspaces/{self.name}"
        )

    def collection(self, path: str) -> list[dict[str, Any]] | None:
        """The resources under ``path`` (e.g. ``models/churn/versions``), case-insensitively."""
        wanted = path.strip("/").lower()
        for key, items in self.collections.items():
            if key.lower() == wanted:
                return items
        return None

    def ensure_collection(self, path: str) -> list[dict[str, Any]]:
        """The collection at ``path``, created empty if absent."""
        found = self.collection(path)
        if found is None:
            found = self.collections[path.strip("/")] = []
        return found


@dataclass
class Dataset:
    """Everything the server knows; mutated in place by writes (each server has its own copy)."""

    tenant_id: str
    subscription_id: str
    principals: dict[str, dict[str, Any]]
    roles: dict[str, dict[str, list[str]]]
    role_assignments: list[dict[str, str]]
    usages: dict[str, list[dict[str, Any]]]
    workspaces: list[WorkspaceData]

    def workspace(self, subscription: str, group: str, name: str) -> WorkspaceData | None:
        """The workspace at that ARM path (case-insensitive, as ARM is)."""
        for ws in self.workspaces:
            if (
                ws.subscription_id.lower() == subscription.lower()
                and ws.resource_group.lower() == group.lower()
                and ws.name.lower() == name.lower()
            ):
                return ws
        return None

    def has_resource_group(self, subscription: str, group: str) -> bool:
        """True when some workspace lives in that resource group."""
        return any(
            ws.subscription_id.lower() == subscription.lower()
            and ws.resource_group.lower() == group.lower()
            for ws in self.workspaces
        )

    def principal(self, key: str) -> dict[str, Any]:
        """Claims of a named principal from ``subscription.json`` (e.g. ``ml-lead``)."""
        return dict(self.principals[key])

    def permissions_for(self, object_id: str, scope: str) -> list[dict[str, Any]]:
        """``Microsoft.Authorization/permissions`` entries: one per role assigned at/above scope."""
        scope_l = scope.lower().rstrip("/")
        entries = []
        for assignment in self.role_assignments:
            assigned = assignment["scope"].lower().rstrip("/")
            if assignment["principalId"] != object_id:
                continue
            if scope_l != assigned and not scope_l.startswith(assigned + "/"):
                continue
            role = self.roles[assignment["role"]]
            entries.append(
                {
                    "actions": list(role["actions"]),
                    "notActions": list(role["notActions"]),
                    "dataActions": [],
                    "notDataActions": [],
                }
            )
        return entries

    def is_allowed(self, object_id: str, action: str, scope: str) -> bool:
        """Azure RBAC, simplified: some assignment at or above ``scope`` grants ``action``."""
        scope_l = scope.lower().rstrip("/")
        action_l = action.lower()
        for assignment in self.role_assignments:
            if assignment["principalId"] != object_id:
                continue
            assigned = assignment["scope"].lower().rstrip("/")
            if scope_l != assigned and not scope_l.startswith(assigned + "/"):
                continue
            role = self.roles[assignment["role"]]
            granted = any(fnmatch.fnmatchcase(action_l, a.lower()) for a in role["actions"])
            denied = any(fnmatch.fnmatchcase(action_l, a.lower()) for a in role["notActions"])
            if granted and not denied:
                return True
        return False


def load_dataset(directory: Path = FIXTURES) -> Dataset:
    """A fresh, independent copy of the data set in ``directory``."""
    sub = json.loads((directory / "subscription.json").read_text(encoding="utf-8"))
    workspaces = []
    for name in sub["workspaceFiles"]:
        raw = json.loads((directory / name).read_text(encoding="utf-8"))
        workspaces.append(
            WorkspaceData(
                subscription_id=sub["subscriptionId"],
                resource_group=raw["resourceGroup"],
                resource=raw["workspace"],
                collections=raw["collections"],
            )
        )
    return Dataset(
        tenant_id=sub["tenantId"],
        subscription_id=sub["subscriptionId"],
        principals=sub["principals"],
        roles=sub["roles"],
        role_assignments=sub["roleAssignments"],
        usages=sub["usages"],
        workspaces=copy.deepcopy(workspaces),
    )


def substitute(value: Any, variables: dict[str, str]) -> Any:
    """``value`` with ``${name}`` placeholders replaced, recursively (a new object)."""
    if isinstance(value, str):
        if "${" in value:
            for key, replacement in variables.items():
                value = value.replace("${" + key + "}", replacement)
        return value
    if isinstance(value, dict):
        return {k: substitute(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    return value
