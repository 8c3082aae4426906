"""Which ARM routes the loopback server answers, and at which api-versions.

The api-versions are the ones azure-ai-ml 1.35 sends (measured against this server) plus the
stable 2024-04-01 whose published examples the fixtures follow. A request outside this table is
an *unknown route*: the server answers as ARM would (400/404) and records it loudly, so a test
notices when the SDK starts calling something the server does not model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROVIDER_L = "microsoft.machinelearningservices"
STABLE = "2024-04-01"

#: Route pattern (names replaced by ``*``) -> method -> api-versions served.
WORKSPACE_ROUTES: dict[str, dict[str, frozenset[str]]] = {
    "": {"GET": frozenset({"2024-10-01-preview", "2023-08-01-preview", STABLE})},
    "models": {"GET": frozenset({"2023-08-01-preview", STABLE})},
    # Model containers: the app writes their tags through plain ARM at the stable version.
    "models/*": {"GET": frozenset({"2023-08-01-preview", STABLE}), "PUT": frozenset({STABLE})},
    "models/*/versions": {"GET": frozenset({"2023-08-01-preview", STABLE})},
    "models/*/versions/*": {
        "GET": frozenset({"2023-08-01-preview", STABLE}),
        "PUT": frozenset({"2023-08-01-preview", STABLE}),
    },
    "jobs": {"GET": frozenset({"2024-01-01-preview", STABLE})},
    "jobs/*": {
        "GET": frozenset({"2024-01-01-preview", STABLE}),
        "PUT": frozenset({"2025-01-01-preview", STABLE}),
    },
    "jobs/*/cancel": {"POST": frozenset({"2023-04-01-preview", STABLE})},
    "onlineendpoints": {"GET": frozenset({"2022-02-01-preview", STABLE})},
    "onlineendpoints/*": {
        "GET": frozenset({"2022-02-01-preview", "2023-04-01-preview", STABLE}),
        "PUT": frozenset({"2022-02-01-preview", STABLE}),
        "DELETE": frozenset({"2022-02-01-preview", STABLE}),
    },
    "onlineendpoints/*/deployments": {
        "GET": frozenset({"2023-04-01-preview", "2022-02-01-preview", STABLE})
    },
    "onlineendpoints/*/deployments/*": {
        "GET": frozenset({"2023-04-01-preview", STABLE}),
        "PUT": frozenset({"2023-04-01-preview", STABLE}),
        "DELETE": frozenset({"2023-04-01-preview", STABLE}),
    },
    "onlineendpoints/*/deployments/*/getlogs": {"POST": frozenset({"2023-04-01-preview", STABLE})},
    "onlineendpoints/*/listkeys": {"POST": frozenset({"2022-02-01-preview", STABLE})},
    "computes": {"GET": frozenset({"2023-08-01-preview", STABLE})},
    "computes/*": {"GET": frozenset({"2023-08-01-preview", STABLE})},
    "computes/*/listnodes": {"POST": frozenset({"2023-08-01-preview", STABLE})},
    "schedules": {"GET": frozenset({"2023-06-01-preview", STABLE})},
    "schedules/*": {
        "GET": frozenset({"2023-06-01-preview", STABLE}),
        "PUT": frozenset({"2023-06-01-preview", "2024-01-01-preview", STABLE}),
    },
    "components/*/versions/*": {
        "GET": frozenset({"2024-01-01-preview", STABLE}),
        "PUT": frozenset({"2024-01-01-preview", STABLE}),
    },
    "datastores": {"GET": frozenset({"2024-10-01-preview", STABLE})},
    "datastores/*": {"GET": frozenset({"2024-10-01-preview", STABLE})},
    "datastores/*/listsecrets": {"POST": frozenset({"2024-10-01-preview", STABLE})},
    # Microsoft.Authorization/permissions at the workspace scope (effective RBAC of the caller).
    "providers/*/permissions": {"GET": frozenset({"2022-04-01"})},
}

#: Subscription-level routes under ``providers/Microsoft.MachineLearningServices/locations/L``.
LOCATION_ROUTES: dict[str, dict[str, frozenset[str]]] = {
    "usages": {"GET": frozenset({"2023-08-01-preview", STABLE})},
    # The status URL carries the api-version of the write that started the operation.
    "mfeoperationsstatus/*": {
        "GET": frozenset({"2022-02-01-preview", "2023-04-01-preview", "2023-06-01-preview", STABLE})
    },
}

_WORKSPACE_RE = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/"
    r"microsoft\.machinelearningservices/workspaces/(?P<ws>[^/]+)(?P<rest>(?:/[^/]+)*)/?$",
    re.IGNORECASE,
)
_LOCATION_RE = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/providers/microsoft\.machinelearningservices/"
    r"locations/(?P<loc>[^/]+)(?P<rest>(?:/[^/]+)+)/?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Route:
    """A parsed request path."""

    kind: str  # "workspace" or "location"
    path: str  # as sent, without the query string
    subscription: str
    pattern: str  # e.g. "models/*/versions"
    segments: tuple[str, ...]  # path below the workspace / location, names as sent
    resource_group: str = ""
    workspace: str = ""
    location: str = ""

    @property
    def is_collection(self) -> bool:
        """True for list routes (an even number of segments below the parent)."""
        return len(self.segments) % 2 == 1

    def served_versions(self, method: str) -> frozenset[str] | None:
        """api-versions served for ``method`` on this route; None when the route is unknown."""
        table = WORKSPACE_ROUTES if self.kind == "workspace" else LOCATION_ROUTES
        return table.get(self.pattern, {}).get(method)

    def action(self, method: str) -> str:
        """The Azure RBAC action the request needs, e.g. ``…/workspaces/models/versions/read``."""
        verb = {"GET": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}.get(
            method, "action"
        )
        if method == "POST" and len(self.segments) % 2 == 1:  # an action such as listNodes
            types = "/".join(["workspaces", *self.segments[0:-1:2], self.segments[-1]])
            return f"Microsoft.MachineLearningServices/{types}/action"
        if self.kind == "location":
            types = "/".join(self.segments[0::2])
            return f"Microsoft.MachineLearningServices/locations/{types}/{verb}"
        types = "/".join(["workspaces", *self.segments[0::2]])
        return f"Microsoft.MachineLearningServices/{types}/{verb}"

    @property
    def resource_type(self) -> str:
        """ARM ``type`` of the resources at this route."""
        return "/".join(["Microsoft.MachineLearningServices/workspaces", *self.segments[0::2]])


def parse_route(path: str) -> Route | None:
    """The route of ``path`` (no query string), or None when it is no ML route at all."""
    match = _WORKSPACE_RE.match(path)
    if match:
        segments = tuple(s for s in match["rest"].split("/") if s)
        return Route(
            kind="workspace",
            path=path.rstrip("/"),
            subscription=match["sub"],
            resource_group=match["rg"],
            workspace=match["ws"],
            segments=segments,
            pattern=_pattern(segments),
        )
    match = _LOCATION_RE.match(path)
    if match:
        segments = tuple(s for s in match["rest"].split("/") if s)
        return Route(
            kind="location",
            path=path.rstrip("/"),
            subscription=match["sub"],
            location=match["loc"],
            segments=segments,
            pattern=_pattern(segments),
        )
    return None


def _pattern(segments: tuple[str, ...]) -> str:
    return "/".join(s.lower() if i % 2 == 0 else "*" for i, s in enumerate(segments))
