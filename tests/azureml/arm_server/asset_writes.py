"""Versioned assets: ``PUT {models|components}/NAME/versions/VERSION`` (synchronous, 201).

Anonymous components (a pipeline step's command) and model versions copied in by promotion
are created this way. The container (``models/NAME``) appears with its first version, as
Azure ML's does; re-putting an anonymous component answers 200 with the stored one.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .dataset import WorkspaceData, substitute
from .operations import Operations
from .reads import Reader
from .responses import Response, system_data, user_error


class AssetWrites:
    """Create asset versions."""

    def __init__(self, operations: Operations, reader: Reader) -> None:
        self.operations = operations
        self.reader = reader

    def put_version(
        self, ws: WorkspaceData, segments: tuple[str, ...], body: bytes, who: str
    ) -> Response:
        """Create ``segments`` = (kind, NAME, "versions", VERSION)."""
        kind, name, version = segments[0], segments[1], segments[3]
        try:
            props = json.loads(body or b"{}")["properties"]
        except (ValueError, KeyError, TypeError):
            return user_error(
                f"The request body is not a valid {kind} version.", inner="BadArgument"
            )
        if kind.lower() == "models" and not props.get("modelUri"):
            return user_error("A model version needs a modelUri.", inner="BadArgument")
        now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        system = system_data(now, who)
        with self.operations.lock:
            containers = ws.ensure_collection(kind)
            container = _named(containers, name)
            if container is None:
                container = {
                    "name": name,
                    "properties": {"latestVersion": version},
                    "systemData": system,
                }
                containers.append(container)
            path = f"{kind}/{container['name']}/versions"
            versions = ws.ensure_collection(path)
            existing = _named(versions, version)
            if existing is not None:
                if name.lower() == "azureml_anonymous":  # content-addressed: same hash, same thing
                    return Response(200, self.reader.present(ws, path, existing))
                variables = self.reader.workspace_variables(ws)
                stored_uri = substitute(existing["properties"].get("modelUri"), variables)
                same_files = str(stored_uri).lower() == str(props.get("modelUri")).lower()
                if kind.lower() == "models" and same_files:
                    # Tags, properties, description, stage and archiving change in place.
                    for key in ("tags", "properties", "description", "stage", "isArchived"):
                        if key in props:
                            existing["properties"][key] = props[key]
                    existing["systemData"].update(lastModifiedAt=now, lastModifiedBy=who)
                    return Response(200, self.reader.present(ws, path, existing))
                return Response(
                    409,
                    {
                        "error": {
                            "code": "UserError",
                            "message": f"Version {version} of {kind[:-1]} {name} already exists.",
                        }
                    },
                )
            stored: dict[str, Any] = {
                "name": version,
                # What Azure ML fills in when the request does not say.
                "properties": {
                    **({"flavors": {}, "isAnonymous": False} if kind.lower() == "models" else {}),
                    "isArchived": False,
                    **props,
                    "provisioningState": "Succeeded",
                },
                "systemData": system,
            }
            versions.append(stored)
            container["properties"]["latestVersion"] = version
        return Response(201, self.reader.present(ws, path, stored))

    def put_container(
        self, ws: WorkspaceData, segments: tuple[str, ...], body: bytes, who: str
    ) -> Response:
        """``PUT models/NAME``: create a model container or replace its description, tags and
        archiving (200 when it existed, 201 when created), as "Model Containers - Create Or
        Update" does."""
        try:
            props = json.loads(body or b"{}")["properties"]
        except (ValueError, KeyError, TypeError):
            return user_error(
                "The request body is not a valid model container.", inner="BadArgument"
            )
        now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        with self.operations.lock:
            status, container = _container_put(ws, segments[1], props, now, who)
        return Response(status, self.reader.present(ws, "models", container))


def _named(items: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    return next((i for i in items or [] if str(i["name"]).lower() == name.lower()), None)


def _container_put(
    ws: WorkspaceData, name: str, props: dict[str, Any], now: str, who: str
) -> tuple[int, dict[str, Any]]:
    containers = ws.ensure_collection("models")
    container = _named(containers, name)
    status = 200
    if container is None:
        status = 201
        container = {"name": name, "properties": {}, "systemData": system_data(now, who)}
        containers.append(container)
    for key in ("description", "tags", "isArchived"):
        if key in props:
            container["properties"][key] = props[key]
    container["systemData"].update(lastModifiedAt=now, lastModifiedBy=who)
    return status, container
