"""Plain ARM calls for what azure-ai-ml has no operation for (effective permissions, model
container tags).

Uses azure-core's pipeline with the backend's own credential, retry and timeout settings, so
these calls behave like the SDK's: bearer token over TLS only, 429/5xx retried honouring
``Retry-After``, the same CA trust (``connection_verify`` / ``REQUESTS_CA_BUNDLE``), and errors
raised as azure-core exceptions that :func:`.errors.translated_errors` maps to core errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_desktop.core.azure_clouds import CloudTarget
    from mlops_desktop.core.azure_settings import AzureSettings

_MAX_PAGES = 50  # a permission list is a handful of entries; stop a nextLink loop regardless


def _pipeline(credential: Any, cloud: CloudTarget, settings: AzureSettings) -> tuple[Any, dict]:
    """A pipeline client to the cloud's resource manager and the per-request transport options."""
    from azure.core import PipelineClient
    from azure.core.pipeline import policies

    base = cloud.resource_manager.rstrip("/")
    pipeline_policies = [
        policies.HeadersPolicy(),
        policies.UserAgentPolicy(sdk_moniker="mlops-desktop"),
        policies.RetryPolicy(
            retry_total=settings.retry_total,
            retry_backoff_factor=settings.retry_backoff_factor,
            retry_backoff_max=settings.retry_backoff_max,
        ),
        policies.BearerTokenCredentialPolicy(credential, cloud.scope),
        policies.HttpLoggingPolicy(),
    ]
    transport: dict[str, Any] = {
        "connection_timeout": settings.connection_timeout,
        "read_timeout": settings.read_timeout,
    }
    if settings.ca_bundle:
        transport["connection_verify"] = settings.ca_bundle
    return PipelineClient(base_url=base, policies=pipeline_policies), transport


def _raise_for_status(response: Any) -> None:
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
    from azure.mgmt.core.exceptions import ARMErrorFormat

    if response.status_code == 404:
        raise ResourceNotFoundError(response=response, error_format=ARMErrorFormat)
    if response.status_code >= 400:
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)


def arm_get_pages(
    credential: Any, cloud: CloudTarget, settings: AzureSettings, path: str, api_version: str
) -> list[dict[str, Any]]:
    """Every page of ``GET {resource_manager}{path}?api-version=…`` (following ``nextLink``)."""
    from azure.core.rest import HttpRequest

    client, transport = _pipeline(credential, cloud, settings)
    pages: list[dict[str, Any]] = []
    url: str | None = f"{cloud.resource_manager.rstrip('/')}{path}?api-version={api_version}"
    with client:
        while url and len(pages) < _MAX_PAGES:
            response = client.send_request(HttpRequest("GET", url), **transport)
            _raise_for_status(response)
            page = response.json()
            pages.append(page)
            url = page.get("nextLink") or None
    return pages


def arm_put(
    credential: Any,
    cloud: CloudTarget,
    settings: AzureSettings,
    path: str,
    api_version: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """``PUT {resource_manager}{path}?api-version=…`` with a JSON body; the answer's JSON."""
    from azure.core.rest import HttpRequest

    client, transport = _pipeline(credential, cloud, settings)
    url = f"{cloud.resource_manager.rstrip('/')}{path}?api-version={api_version}"
    with client:
        response = client.send_request(HttpRequest("PUT", url, json=body), **transport)
        _raise_for_status(response)
        return dict(response.json() or {})
