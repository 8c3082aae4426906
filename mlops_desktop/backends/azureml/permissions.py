"""Effective Azure RBAC permissions of the signed-in identity on a workspace.

ARM answers ``GET {workspaceId}/providers/Microsoft.Authorization/permissions`` with one entry per
role the caller holds at or above the workspace: ``actions`` and ``notActions`` with ``*``
wildcards. An action is allowed when some entry grants it and that *same* entry does not exclude
it (``notActions`` subtract within a role, they are not deny assignments). Matching is
case-insensitive, as Azure's is. The evaluator here is plain Python (no Azure SDK, no Qt), so
the GUI can ask ``can(action)`` cheaply once the entries are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

PERMISSIONS_API_VERSION = "2022-04-01"
_ML = "Microsoft.MachineLearningServices/workspaces"

#: What the app does in a workspace -> the Azure RBAC action it needs.
WORKSPACE_ACTIONS: dict[str, str] = {
    "read_models": f"{_ML}/models/versions/read",
    "register_model": f"{_ML}/models/versions/write",
    "read_endpoints": f"{_ML}/onlineEndpoints/read",
    "set_traffic": f"{_ML}/onlineEndpoints/write",
    "create_deployment": f"{_ML}/onlineEndpoints/deployments/write",
    "delete_deployment": f"{_ML}/onlineEndpoints/deployments/delete",
    "deployment_logs": f"{_ML}/onlineEndpoints/deployments/getLogs/action",
    # Key-auth endpoints (the default): the SDK reads the key before it scores.
    "invoke_endpoint": f"{_ML}/onlineEndpoints/listKeys/action",
    "submit_job": f"{_ML}/jobs/write",
    "cancel_job": f"{_ML}/jobs/cancel/action",
    "write_schedule": f"{_ML}/schedules/write",
    "list_compute_nodes": f"{_ML}/computes/listNodes/action",
}

#: App operations that need several actions (all of them).
COMPOSITE_ACTIONS: dict[str, tuple[str, ...]] = {
    # Promotion into a workspace registers the version, deploys it and shifts traffic.
    "promote_into": ("register_model", "create_deployment", "set_traffic"),
}


@lru_cache(maxsize=512)
def _pattern(wildcard: str) -> re.Pattern[str]:
    # ``*`` matches any run of characters, ``/`` included (Azure's ``*/read`` covers every read).
    parts = (re.escape(p) for p in wildcard.split("*"))
    return re.compile(".*".join(parts), re.IGNORECASE)


def action_matches(action: str, wildcard: str) -> bool:
    """True when ``wildcard`` (e.g. ``Microsoft.Foo/*/read``) covers ``action``."""
    return _pattern(wildcard.strip()).fullmatch(action.strip()) is not None


@dataclass(frozen=True)
class PermissionEntry:
    """One role's contribution: what it grants and what it carves out of that."""

    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()

    @classmethod
    def from_arm(cls, raw: dict[str, Any]) -> PermissionEntry:
        """An entry from ARM's JSON (``actions``, ``notActions``, …)."""

        def strings(key: str) -> tuple[str, ...]:
            return tuple(str(v) for v in raw.get(key) or ())

        return cls(
            strings("actions"),
            strings("notActions"),
            strings("dataActions"),
            strings("notDataActions"),
        )

    def allows(self, action: str) -> bool:
        """Granted by ``actions`` and not excluded by ``notActions`` of this entry."""
        return any(action_matches(action, a) for a in self.actions) and not any(
            action_matches(action, n) for n in self.not_actions
        )


@dataclass(frozen=True)
class PermissionCheck:
    """The answer for one app operation: allowed, or which action is missing."""

    operation: str
    allowed: bool
    missing: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """``needs Microsoft…/onlineEndpoints/write`` ("" when allowed) — for tooltips."""
        return "" if self.allowed else "needs " + ", ".join(self.missing)


@dataclass(frozen=True)
class WorkspacePermissions:
    """What the signed-in identity may do in one workspace."""

    workspace: str
    scope: str
    identity: str
    entries: tuple[PermissionEntry, ...] = field(default_factory=tuple)

    def can(self, action: str) -> bool:
        """True when some role entry allows the Azure RBAC ``action``."""
        return any(entry.allows(action) for entry in self.entries)

    def check(self, operation: str) -> PermissionCheck:
        """Check an app operation of :data:`WORKSPACE_ACTIONS` / :data:`COMPOSITE_ACTIONS`.

        An Azure action string (containing ``/``) is checked as is.
        """
        if "/" in operation:
            actions: tuple[str, ...] = (operation,)
        elif operation in WORKSPACE_ACTIONS:
            actions = (WORKSPACE_ACTIONS[operation],)
        elif operation in COMPOSITE_ACTIONS:
            actions = tuple(WORKSPACE_ACTIONS[o] for o in COMPOSITE_ACTIONS[operation])
        else:
            from mlops_desktop.core.errors import InvalidInput

            known = sorted([*WORKSPACE_ACTIONS, *COMPOSITE_ACTIONS])
            raise InvalidInput(
                f"unknown operation {operation!r}",
                hint=f"use an Azure action string or one of: {', '.join(known)}",
            )
        missing = tuple(a for a in actions if not self.can(a))
        return PermissionCheck(operation, not missing, missing)

    def report(self) -> dict[str, PermissionCheck]:
        """Every app operation, checked."""
        names = [*WORKSPACE_ACTIONS, *COMPOSITE_ACTIONS]
        return {name: self.check(name) for name in names}


def parse_permissions(
    pages: list[dict[str, Any]], *, workspace: str, scope: str, identity: str
) -> WorkspacePermissions:
    """:class:`WorkspacePermissions` from the JSON pages ARM returned."""
    entries = tuple(
        PermissionEntry.from_arm(raw) for page in pages for raw in page.get("value") or ()
    )
    return WorkspacePermissions(workspace, scope, identity, entries)
