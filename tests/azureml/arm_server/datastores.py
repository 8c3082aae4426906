"""Workspace datastores: list (incl. the default-datastore query), get, ``listSecrets``.

Every workspace has the two blob datastores Azure ML provisions with it, shaped like the
published 2024-04-01 examples (``Datastore/get.json``, ``list.json``, ``listSecrets.json``):
``workspaceblobstore`` (the default, where the SDK uploads local files) and
``workspaceartifactstore`` (job outputs). Both live in the emulated storage account
``devstoreaccount1`` with AccountKey credentials; each workspace has its own containers, so
files uploaded into one workspace are not visible from another, as in Azure.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from .dataset import WorkspaceData
from .reads import Reader
from .responses import Response, user_error
from .routes import Route
from .tls import STORAGE_SUFFIX

#: Azurite's built-in account and its well-known key (public; see Azurite's README).
STORAGE_ACCOUNT = "devstoreaccount1"
STORAGE_ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
DEFAULT_DATASTORE = "workspaceblobstore"
ARTIFACT_DATASTORE = "workspaceartifactstore"
_CREATED = "2024-11-04T08:31:00.000Z"


def datastore_containers(ws: WorkspaceData) -> dict[str, str]:
    """Datastore name -> blob container of ``ws`` (as Azure ML names them, per workspace)."""
    workspace_id = str(ws.resource.get("properties", {}).get("workspaceId") or "")
    if not workspace_id:  # a workspace created during a test: a stable id from its ARM id
        workspace_id = hashlib.sha256(ws.arm_id.lower().encode()).hexdigest()[:32]
    return {
        DEFAULT_DATASTORE: f"azureml-blobstore-{workspace_id}",
        ARTIFACT_DATASTORE: f"azureml-{workspace_id}",
    }


def _datastore(ws: WorkspaceData, name: str, container: str) -> dict[str, Any]:
    return {
        "name": name,
        "properties": {
            "description": None,
            "tags": {},
            "isDefault": name == DEFAULT_DATASTORE,
            "properties": {},
            "credentials": {
                "credentialsType": "AccountKey",
                "secrets": {"secretsType": "AccountKey"},  # the key only via listSecrets
            },
            "datastoreType": "AzureBlob",
            "accountName": STORAGE_ACCOUNT,
            "containerName": container,
            "endpoint": STORAGE_SUFFIX,
            "protocol": "https",
            "serviceDataAccessAuthIdentity": "None",
            "subscriptionId": ws.subscription_id,
            "resourceGroup": ws.resource_group,
        },
        "systemData": {
            "createdAt": _CREATED,
            "createdBy": "Azure ML",
            "createdByType": "Application",
            "lastModifiedAt": _CREATED,
            "lastModifiedBy": "Azure ML",
            "lastModifiedByType": "Application",
        },
    }


class Datastores:
    """Answers ``datastores``, ``datastores/NAME`` and ``datastores/NAME/listSecrets``."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._lock = threading.Lock()

    def handle(
        self, method: str, ws: WorkspaceData, route: Route, query: dict[str, str]
    ) -> Response:
        """One datastore request (RBAC already checked by the server)."""
        stores = self._stores(ws)
        if route.pattern == "datastores":
            if query.get("isDefault", "").lower() == "true":  # get_default() asks this way
                stores = [s for s in stores if s["properties"]["isDefault"]]
            return self.reader.page(
                [self.reader.present(ws, "datastores", s) for s in stores], route, query
            )
        store = next((s for s in stores if s["name"].lower() == route.segments[1].lower()), None)
        if store is None:
            return user_error(
                f"Could not find datastore '{route.segments[1]}' in workspace '{ws.name}'.",
                inner="NotFound",
                location=ws.location,
            )
        if route.pattern == "datastores/*/listsecrets":
            return Response(200, {"secretsType": "AccountKey", "key": STORAGE_ACCOUNT_KEY})
        return Response(200, self.reader.present(ws, "datastores", store))

    def _stores(self, ws: WorkspaceData) -> list[dict[str, Any]]:
        with self._lock:
            stores = ws.collection("datastores")
            if stores is None:  # provisioned with the workspace; made on first use
                stores = ws.ensure_collection("datastores")
                stores.extend(_datastore(ws, n, c) for n, c in datastore_containers(ws).items())
            return list(stores)
