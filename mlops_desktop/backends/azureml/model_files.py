"""Model files in an Azure ML workspace's storage: where they are, checking storage first,
and turning storage failures into errors that name storage.

A workspace model version's files live in one of the workspace's datastores (a blob container
of its storage account); ``path`` says which: ``azureml://subscriptions/…/workspaces/W/
datastores/D/paths/P``. azure-ai-ml reads and writes them with the datastore's secret (from
``listSecrets``) at ``https://ACCOUNT.blob.<cloud storage suffix>``, through the usual proxy
settings (``HTTPS_PROXY``/``NO_PROXY``).

azure-ai-ml's storage clients retry an unreachable account for over a minute, with no way to
configure it, so :func:`check_storage` asks the container once (no retries, the app's
timeouts) before a transfer: an unreachable account, a refused key or a missing container then
fails in seconds with a message that names the storage account.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mlops_desktop.backends.azureml.errors import Offline, describe_workspace
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput, MlopsError, NotFound, PermissionDenied

_DATASTORE_PATH_RE = re.compile(
    r"^azureml://(?:subscriptions/[^/]+/resourcegroups/[^/]+/workspaces/[^/]+/)?"
    r"datastores/(?P<datastore>[^/]+)/paths/(?P<path>.+)$",
    re.IGNORECASE,
)
#: Blob endpoint suffix of the clouds azure-ai-ml knows by name.
_STORAGE_SUFFIXES = {
    "AzureCloud": "core.windows.net",
    "AzureChinaCloud": "core.chinacloudapi.cn",
    "AzureUSGovernment": "core.usgovcloudapi.net",
}
#: azure-ai-ml reads the current cloud from this variable when it builds storage URLs.
_SDK_CLOUD_ENV = "AZUREML_CURRENT_CLOUD"
STORAGE_ROLE_HINT = (
    "ask an Owner of the workspace for a role that grants "
    "Microsoft.MachineLearningServices/workspaces/datastores/listsecrets/action "
    "(e.g. AzureML Data Scientist); the model files are read and written with the "
    "datastore's key"
)


@dataclass(frozen=True)
class DatastorePath:
    """Where a version's files are: datastore name and path inside its container."""

    datastore: str
    path: str


def datastore_path(uri: str) -> DatastorePath | None:
    """The datastore and path of an ``azureml://…/datastores/D/paths/P`` URI; None for others
    (registry assets, plain URLs), whose files need no workspace storage."""
    match = _DATASTORE_PATH_RE.match(uri.strip())
    if match is None:
        return None
    return DatastorePath(match["datastore"], match["path"].rstrip("/"))


def storage_suffix(cloud_name: str, metadata: dict[str, str] | None, fallback: str) -> str:
    """The blob endpoint suffix azure-ai-ml uses for this cloud (``core.windows.net``, …)."""
    if metadata and metadata.get("storage_endpoint"):
        return str(metadata["storage_endpoint"])
    return _STORAGE_SUFFIXES.get(cloud_name) or fallback or "core.windows.net"


def use_sdk_cloud(cloud_name: str) -> None:
    """Make azure-ai-ml build storage URLs for ``cloud_name``.

    The SDK keeps the current cloud in a process-wide variable that every new ``MLClient``
    overwrites; backends of different clouds in one process would otherwise upload to the
    last one's storage suffix.
    """
    os.environ[_SDK_CLOUD_ENV] = cloud_name


@dataclass(frozen=True)
class StorageTarget:
    """A datastore's blob container as checked by :func:`check_storage`."""

    datastore: str
    account_url: str
    container: str


def check_storage(backend: Any, datastore: str | None, *, action: str) -> StorageTarget | None:
    """Ask the container of ``datastore`` (None: the default one) once, with no retries.

    Raises ``PermissionDenied`` when the datastore's secret may not be read or storage refuses
    it, ``Offline`` when the account cannot be reached, ``NotFound`` when the container is
    missing. Returns None for datastores that are not blob containers (not checked).
    """
    opened = open_container(backend, datastore, action=action)
    if opened is None:
        return None
    target, container = opened
    container.close()
    return target


def open_container(
    backend: Any, datastore: str | None, *, action: str
) -> tuple[StorageTarget, Any] | None:
    """A checked ``ContainerClient`` on ``datastore`` (None: the default one) and its target.

    Like :func:`check_storage` (same errors, one request, no retries); the caller closes the
    client and wraps its own calls in :func:`storage_errors`. None for non-blob datastores.
    """
    client = backend.client
    try:
        with backend._call(f"{action}: read the datastore {datastore or '(default)'}"):
            if datastore:
                store = client.datastores.get(datastore, include_secrets=True)
            else:
                store = client.datastores.get_default(include_secrets=True)
    except PermissionDenied as exc:  # listSecrets: say which role, and why it is needed
        raise PermissionDenied(exc.message, hint=STORAGE_ROLE_HINT) from exc
    kind = getattr(store, "type", "")
    if str(getattr(kind, "value", kind)).lower().replace("_", "") != "azureblob":
        return None
    cloud = backend.cloud
    suffix = storage_suffix(cloud.name, cloud.metadata, str(getattr(store, "endpoint", "") or ""))
    target = StorageTarget(
        datastore=str(store.name),
        account_url=f"https://{store.account_name}.blob.{suffix}",
        container=str(store.container_name),
    )
    from azure.storage.blob import ContainerClient

    settings = backend.settings
    kwargs: dict[str, Any] = {
        "retry_total": 0,
        "connection_timeout": settings.connection_timeout,
        "read_timeout": settings.read_timeout,
    }
    if settings.ca_bundle:
        kwargs["connection_verify"] = settings.ca_bundle
    container = ContainerClient(
        target.account_url, target.container, credential=_credential(store, backend), **kwargs
    )
    try:
        with storage_errors(backend.workspace, action, target):
            container.get_container_properties()
    except BaseException:
        container.close()
        raise
    return target, container


def _credential(store: Any, backend: Any) -> Any:
    credentials = getattr(store, "credentials", None)
    for attribute in ("account_key", "sas_token"):
        secret = getattr(credentials, attribute, None)
        if secret:
            return secret
    return backend.credential  # identity-based datastore: the signed-in identity's token


@contextlib.contextmanager
def storage_errors(
    workspace: WorkspaceConfig, action: str, target: StorageTarget | None
) -> Iterator[None]:
    """Re-raise failures of a block that talks to storage as core errors naming the account."""
    from azure.core.exceptions import (
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    where = describe_workspace(workspace)
    account = (
        f"storage account {target.account_url} (datastore {target.datastore}, container "
        f"{target.container})"
        if target
        else "the workspace's storage account"
    )
    try:
        yield
    except MlopsError:
        raise
    except Exception as exc:
        cause = _storage_cause(exc, (HttpResponseError, ServiceRequestError, ServiceResponseError))
        if cause is None or not _from_storage(cause, target):
            raise  # Azure ML's own calls in the block: the caller's translation names them
        if isinstance(cause, (ServiceRequestError, ServiceResponseError)):
            raise Offline(
                f"{action}: cannot reach the {account} of {where}: {_first_line(cause)}",
                hint="check the network, VPN or proxy (HTTPS_PROXY) for access to the storage "
                "account; accounts with private endpoints are only reachable from their network",
            ) from exc
        if isinstance(cause, HttpResponseError):
            status = int(getattr(cause, "status_code", 0) or 0)
            code = str(getattr(cause, "error_code", "") or "")
            if status == 403:
                raise PermissionDenied(
                    f"{action}: the {account} of {where} refused access ({code or 'HTTP 403'})",
                    hint="the datastore's key or token is not accepted: ask an Owner to check "
                    "the datastore's credentials, or for the Storage Blob Data Contributor role "
                    "on the account",
                ) from exc
            if status == 404:
                raise NotFound(
                    f"{action}: not found in the {account} of {where} ({code or 'HTTP 404'})",
                    hint="the datastore points at a container that does not exist",
                ) from exc
            raise Offline(
                f"{action}: the {account} of {where} answered HTTP {status} ({code})",
                hint="try again later",
            ) from exc
        raise


def _from_storage(cause: BaseException, target: StorageTarget | None) -> bool:
    """Whether a failure came from the storage account rather than from Azure ML (ARM)."""
    host = target.account_url.removeprefix("https://") if target else ".blob."
    request = getattr(getattr(cause, "response", None), "request", None)
    url = str(getattr(request, "url", "") or "")
    if url:
        return host in url
    # Connection failures carry no response: their text names the host, or the proxy.
    text = str(cause)
    return host in text or "proxy" in text.lower()


def _storage_cause(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> Any:
    """``exc`` or the first exception it wraps (azure-ai-ml wraps storage errors)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return current
        seen.add(id(current))
        current = getattr(current, "inner_exception", None) or current.__cause__
    return None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def require_datastore_path(
    uri: str, name: str, version: str, workspace: WorkspaceConfig
) -> DatastorePath:
    """The datastore path of a version's files, or ``InvalidInput`` saying why not."""
    found = datastore_path(uri)
    if found is None:
        raise InvalidInput(
            f"the files of {name} version {version} in {describe_workspace(workspace)} are not "
            f"in a workspace datastore ({uri}); only datastore files can be downloaded",
        )
    return found
