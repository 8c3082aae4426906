"""Azure ML registries as azure-ai-ml 1.35 reaches them: discovery, then the registry's
management front end (MFE) at the discovered region URI.

- ``GET /registrymanagement/v1.0/registries/NAME/discovery`` (api-version ``v1.0``): where the
  registry lives (subscription, resource group, primary region's MFE URI).
- Under ``/mferp/managementfrontend/subscriptions/S/resourceGroups/RG/providers/
  Microsoft.MachineLearningServices/registries/NAME`` at api-version
  ``2021-10-01-dataplanepreview``: ``models/M`` and ``models/M/versions[/V]`` (GET, shaped as
  the published Registry ModelContainer/ModelVersion examples, ``id`` a registry URI as the
  data plane gives it), ``POST import`` (what
  ``ModelOperations.share`` sends: a workspace asset reference) as a long-running operation
  polled through its ``Location`` (202 while running, 204 when done), and the status route.

The registry stores what it imported but moves no bytes: its versions' ``modelUri`` names the
registry's own storage account, which nothing here serves.

Tokens: discovery and the MFE accept the loopback ARM audience and the public ``ml.azure.com``
and ``management.azure.com`` ones, because ``share`` builds its registry clients without the
custom cloud's scopes. RBAC: ``registries/read`` to discover, ``registries/assets/read|write``
on the registry, and read on the source workspace's model version to import it.
``deny_writes`` takes asset writes away from one principal (a registry role not granted).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .auth import authenticate, forbidden
from .dataset import Dataset, WorkspaceData, substitute
from .responses import Response, arm_error, system_data, user_error
from .tls import STORAGE_SUFFIX
from .tokens import InvalidToken, verify_token

DATAPLANE = "2021-10-01-dataplanepreview"
DISCOVERY_VERSIONS = frozenset({"v1.0"})
PROVIDER = "Microsoft.MachineLearningServices"
_PUBLIC_AUDIENCES = ("https://ml.azure.com", "https://management.azure.com")

#: Route pattern below the registry (names replaced by ``*``) -> methods served.
REGISTRY_ROUTES: dict[str, frozenset[str]] = {
    "models/*": frozenset({"GET"}),
    "models/*/versions": frozenset({"GET"}),
    "models/*/versions/*": frozenset({"GET"}),
    "import": frozenset({"POST"}),
    "operations/*": frozenset({"GET"}),
}

_DISCOVERY_RE = re.compile(r"^/registrymanagement/v1\.0/registries/(?P<reg>[^/]+)/discovery/?$")
_MFE_PREFIX = "/mferp/managementfrontend"
_MFE_RE = re.compile(
    r"^/mferp/managementfrontend/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/"
    r"providers/microsoft\.machinelearningservices/registries/(?P<reg>[^/]+)"
    r"(?P<rest>(?:/[^/]+)*)/?$",
    re.IGNORECASE,
)
# ModelOperations.share's source: azureml://locations/L/workspaces/GUID/models/NAME/versions/V
_SOURCE_RE = re.compile(
    r"^azureml://locations/[^/]+/workspaces/(?P<guid>[^/]+)/models/(?P<name>[^/]+)/"
    r"versions/(?P<version>[^/]+)$"
)
FIXTURE = Path(__file__).parent / "fixtures" / "registry.json"

UnknownRoute = Callable[[str, str, dict[str, str], str], None]


class Registries:
    """One registry (``fixtures/registry.json``) in the data set's subscription."""

    def __init__(
        self,
        dataset: Dataset,
        base_url: str,
        unknown_route: UnknownRoute,
        *,
        lro_polls: int = 2,
        lro_retry_after: int = 1,
    ) -> None:
        raw = json.loads(FIXTURE.read_text(encoding="utf-8"))
        self.dataset = dataset
        self.base_url = base_url
        self.resource_group: str = raw["resourceGroup"]
        self.resource: dict[str, Any] = raw["registry"]
        self.models: list[dict[str, Any]] = raw["collections"]["models"]
        self.versions: dict[str, list[dict[str, Any]]] = {}
        self.denied_writes: set[str] = set()
        self._unknown = unknown_route
        self._polls = lro_polls
        self._retry_after = lro_retry_after
        self._operations: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    # -- test controls ---------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The registry's name."""
        return str(self.resource["name"])

    @property
    def arm_id(self) -> str:
        """``/subscriptions/…/registries/NAME``."""
        return (
            f"/subscriptions/{self.dataset.subscription_id}/resourceGroups/"
            f"{self.resource_group}/providers/{PROVIDER}/registries/{self.name}"
        )

    def deny_writes(self, object_id: str) -> None:
        """Take the registry's asset writes away from one principal."""
        with self._lock:
            self.denied_writes.add(object_id)

    def model_version(self, name: str, version: str) -> dict[str, Any] | None:
        """A stored registry model version (as served), or None."""
        with self._lock:
            found = _named(self._versions_of(name), version)
            return self._present(f"models/{name}/versions", found) if found else None

    # -- routing ---------------------------------------------------------------------------

    def handles(self, path: str) -> bool:
        """True for a discovery or registry MFE path."""
        return bool(_DISCOVERY_RE.match(path)) or path.lower().startswith(_MFE_PREFIX)

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Response:
        """Answer one registry request (``handles(path)`` is true)."""
        claims, denied = self._authenticate(headers.get("authorization", ""))
        if claims is None:
            return denied
        discovery = _DISCOVERY_RE.match(path)
        if discovery is not None:
            if method != "GET" or query.get("api-version") not in DISCOVERY_VERSIONS:
                return self._unmodelled(method, path, query)
            return self._discover(discovery["reg"], claims)
        match = _MFE_RE.match(path)
        segments = tuple(s for s in (match["rest"] if match else "").split("/") if s)
        pattern = "/".join(s.lower() if i % 2 == 0 else "*" for i, s in enumerate(segments))
        if (
            match is None
            or method not in REGISTRY_ROUTES.get(pattern, frozenset())
            or query.get("api-version") != DATAPLANE
        ):
            return self._unmodelled(method, path, query)
        if (
            match["sub"].lower() != self.dataset.subscription_id.lower()
            or match["rg"].lower() != self.resource_group.lower()
            or match["reg"].lower() != self.name.lower()
        ):
            return _missing_registry(match["reg"])
        write = method == "POST"
        action = f"{PROVIDER}/registries/assets/{'write' if write else 'read'}"
        oid = str(claims.get("oid"))
        if not self.dataset.is_allowed(oid, action, self.arm_id) or (
            write and oid in self.denied_writes
        ):
            return forbidden(claims, action, self.arm_id)
        with self._lock:
            if pattern == "import":
                return self._import(body, claims, path)
            if pattern == "operations/*":
                return self._operation_status(segments[1], path)
            if pattern == "models/*":
                container = _named(self.models, segments[1])
                if container is None:
                    return _not_found("model", segments[1])
                return Response(200, self._present("models", container))
            versions = self._versions_of(segments[1])
            if pattern == "models/*/versions":
                return Response(200, {"value": self._listed(segments[1], versions, query)})
            found = _named(versions, segments[3])
            if found is None:
                return _not_found("model version", f"{segments[1]}:{segments[3]}")
            return Response(200, self._present(f"models/{segments[1]}/versions", found))

    # -- the routes ------------------------------------------------------------------------

    def _authenticate(self, header: str) -> tuple[dict[str, Any] | None, Response]:
        audience = self.base_url
        try:
            claimed = str(verify_token(header.partition(" ")[2].strip()).get("aud", ""))
            if claimed.rstrip("/") in _PUBLIC_AUDIENCES:
                audience = claimed.rstrip("/")
        except InvalidToken:
            pass  # authenticate() answers it
        return authenticate(header, tenant=self.dataset.tenant_id, base_url=audience)

    def _unmodelled(self, method: str, path: str, query: dict[str, str]) -> Response:
        self._unknown(method, path, query, "unmodelled registry route or api-version")
        return Response(400, arm_error("NoRegisteredProviderFound", f"Unmodelled: {path}"))

    def _discover(self, name: str, claims: dict[str, Any]) -> Response:
        if name.lower() != self.name.lower():
            return _missing_registry(name)
        action = f"{PROVIDER}/registries/read"
        if not self.dataset.is_allowed(str(claims.get("oid")), action, self.arm_id):
            return forbidden(claims, action, self.arm_id)
        region = str(self.resource["location"])
        return Response(
            200,
            {
                "registryName": self.name,
                "tenantId": self.dataset.tenant_id,
                "primaryRegion": region,
                "regions": [region],
                "subscriptionId": self.dataset.subscription_id,
                "resourceGroup": self.resource_group,
                "workspaceName": None,
                "primaryRegionResourceProviderUri": self.base_url + "/",
                "registryFqdns": {region: {"api": self.base_url + "/"}},
            },
        )

    def _import(self, body: bytes, claims: dict[str, Any], path: str) -> Response:
        try:
            props = json.loads(body or b"{}")["properties"]
            source = _SOURCE_RE.match(str(props["sourceAssetId"]))
        except (ValueError, KeyError, TypeError):
            return user_error("The request body is not an asset reference.", inner="BadArgument")
        if source is None or props.get("referenceType") != "Id":
            return user_error(
                "sourceAssetId must name a workspace model version.", inner="BadArgument"
            )
        ws = next(
            (
                w
                for w in self.dataset.workspaces
                if str(w.resource["properties"].get("workspaceId", "")).lower()
                == source["guid"].lower()
            ),
            None,
        )
        if ws is None:
            return _not_found("workspace", source["guid"])
        read = f"{PROVIDER}/workspaces/models/versions/read"
        if not self.dataset.is_allowed(str(claims.get("oid")), read, ws.arm_id):
            return forbidden(claims, read, ws.arm_id)
        original = _workspace_version(ws, source["name"], source["version"])
        if original is None:
            return _not_found("model version", f"{source['name']}:{source['version']}")
        name = str(props.get("destinationName") or source["name"])
        version = str(props.get("destinationVersion") or source["version"])
        if _named(self._versions_of(name), version) is not None:
            return Response(
                409,
                arm_error("UserError", f"Version {version} of model {name} already exists."),
            )
        now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        who = str(claims.get("upn") or claims.get("appid") or claims.get("oid"))
        account = self.resource["properties"]["regionDetails"][0]["storageAccountDetails"][0]
        account_name = account["systemCreatedStorageAccount"]["storageAccountName"]
        leaf = str(original["properties"].get("modelUri", "")).rstrip("/").rsplit("/", 1)[-1]
        stored = {
            "name": version,
            "properties": {
                key: original["properties"][key]
                for key in ("description", "tags", "properties", "flavors", "modelType")
                if key in original["properties"]
            }
            | {
                "isAnonymous": False,
                "isArchived": False,
                "modelUri": (f"https://{account_name}.blob.{STORAGE_SUFFIX}/{uuid.uuid4()}/{leaf}"),
                "provisioningState": "Succeeded",
            },
            "systemData": system_data(now, who),
        }
        op_id = uuid.uuid4().hex
        self._operations[op_id] = {"left": self._polls, "name": name, "version": stored}
        location = path.rsplit("/", 1)[0] + f"/operations/{op_id}"
        return Response(202, None, self._poll_headers(location))

    def _operation_status(self, op_id: str, path: str) -> Response:
        operation = self._operations.get(op_id)
        if operation is None:
            return _not_found("operation", op_id)
        if operation["left"] > 0:
            operation["left"] -= 1
            return Response(202, None, self._poll_headers(path))
        if not operation.get("done"):
            operation["done"] = True
            name = str(operation["name"])
            if _named(self.models, name) is None:
                self.models.append(
                    {
                        "name": name,
                        "properties": {"isArchived": False},
                        "systemData": operation["version"]["systemData"],
                    }
                )
            self._versions_of(name).append(operation["version"])
            container = _named(self.models, name)
            assert container is not None
            container["properties"]["latestVersion"] = operation["version"]["name"]
        return Response(204, None)

    # -- helpers ---------------------------------------------------------------------------

    def _poll_headers(self, path: str) -> dict[str, str]:
        # As for workspace operations: ``Retry-After: 0`` would mean the SDK's own interval.
        wait = (
            {"Retry-After": str(self._retry_after)}
            if self._retry_after > 0
            else {"retry-after-ms": "20"}
        )
        return {"Location": f"{self.base_url}{path}?api-version={DATAPLANE}", **wait}

    def _versions_of(self, name: str) -> list[dict[str, Any]]:
        container = _named(self.models, name)
        key = str(container["name"] if container else name).lower()
        return self.versions.setdefault(key, [])

    def _listed(
        self, name: str, versions: list[dict[str, Any]], query: dict[str, str]
    ) -> list[dict[str, Any]]:
        ordered = sorted(versions, key=lambda v: v["systemData"]["createdAt"])
        if "desc" in query.get("$orderBy", "").lower():
            ordered.reverse()
        if query.get("$top", "").isdigit():
            ordered = ordered[: int(query["$top"])]
        return [self._present(f"models/{name}/versions", v) for v in ordered]

    def _present(self, collection: str, item: dict[str, Any]) -> dict[str, Any]:
        out = substitute(json.loads(json.dumps(item)), {"baseUrl": self.base_url})
        # The registry data plane names its assets by registry URI, not ARM id.
        out["id"] = f"azureml://registries/{self.name}/{collection}/{item['name']}"
        out["type"] = f"{PROVIDER}/registries/" + "/".join(collection.split("/")[0::2])
        return out


def _workspace_version(ws: WorkspaceData, name: str, version: str) -> dict[str, Any] | None:
    container = _named(ws.collection("models"), name)
    if container is None:
        return None
    return _named(ws.collection(f"models/{container['name']}/versions"), version)


def _named(items: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    return next((i for i in items or [] if str(i["name"]).lower() == name.lower()), None)


def _not_found(kind: str, name: str) -> Response:
    return Response(404, arm_error("NotFound", f"Could not find {kind} {name} in the registry."))


def _missing_registry(name: str) -> Response:
    return Response(
        404,
        arm_error(
            "ResourceNotFound",
            f"The Resource '{PROVIDER}/registries/{name}' was not found. For more details "
            "please go to https://aka.ms/ARMResourceNotFoundFix",
        ),
    )
