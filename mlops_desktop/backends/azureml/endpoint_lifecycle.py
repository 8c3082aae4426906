"""Online endpoint lifecycle and timed scoring: create and delete an endpoint, and score one
request while measuring what promotion's smoke test and canary judge (status, serving
deployment, latency).

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend`. Scoring goes to
the endpoint's scoring URI with its key, as ``online_endpoints.invoke`` does, but keeps the
HTTP status and the ``azureml-model-deployment`` answer header that ``invoke`` discards.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml.endpoint_actions import sdk_progress_dots_silenced, wait_for
from mlops_desktop.core.errors import InvalidInput, Unavailable
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.entities import AzureOnlineEndpoint
    from mlops_desktop.core.azure_settings import AzureSettings
    from mlops_desktop.core.config import WorkspaceConfig

#: Answer header naming the deployment that served a request.
DEPLOYMENT_HEADER = "azureml-model-deployment"


@dataclass(frozen=True, slots=True)
class ScoringAnswer:
    """One scoring request's answer as measured by the caller."""

    status: int
    deployment: str
    request_id: str
    body: bytes
    content_type: str
    latency_ms: float


class AzureEndpointLifecycle:
    """Create, delete and score Azure ML managed online endpoints."""

    client: Any
    workspace: WorkspaceConfig
    settings: AzureSettings

    def _call(self, action: str) -> contextlib.AbstractContextManager[None]:  # pragma: no cover
        raise NotImplementedError

    def get_online_endpoint(self, name: str) -> AzureOnlineEndpoint:  # pragma: no cover
        raise NotImplementedError

    def create_online_endpoint(
        self,
        name: str,
        *,
        description: str = "",
        tags: dict[str, str] | None = None,
        ctx: TaskContext | None = None,
    ) -> AzureOnlineEndpoint:
        """A new managed online endpoint with key auth and no deployment yet."""
        from azure.ai.ml.entities import ManagedOnlineEndpoint

        if not name or not name.replace("-", "").isalnum() or not name[0].isalpha():
            raise InvalidInput(
                f"endpoint name {name!r} is not valid",
                hint="start with a letter; use letters, digits and dashes",
            )
        entity = ManagedOnlineEndpoint(
            name=name, auth_mode="key", description=description, tags=dict(tags or {})
        )
        if ctx:
            ctx.progress(0, 2, f"creating endpoint {name}")
        with sdk_progress_dots_silenced():
            with self._call(f"create online endpoint {name}"):
                poller = self.client.online_endpoints.begin_create_or_update(entity)
            wait_for(poller, ctx, f"endpoint {name}", self._call)
        return self.get_online_endpoint(name)

    def delete_online_endpoint(self, name: str, ctx: TaskContext | None = None) -> None:
        """Delete an endpoint with all its deployments; waits for Azure ML."""
        with sdk_progress_dots_silenced():
            with self._call(f"delete online endpoint {name}"):
                poller = self.client.online_endpoints.begin_delete(name=name)
            wait_for(poller, ctx, f"delete {name}", self._call)

    def score(self, endpoint: str, body: bytes, *, deployment: str | None = None) -> ScoringAnswer:
        """POST ``body`` to the endpoint (to one deployment by header) and time the answer.

        HTTP errors of the scoring service come back as answers (their status tells); only
        not reaching the endpoint at all raises.
        """
        import requests

        with self._call(f"read online endpoint {endpoint}"):
            entity = self.client.online_endpoints.get(endpoint)
            keys = self.client.online_endpoints.get_keys(endpoint)
        uri = str(getattr(entity, "scoring_uri", "") or "")
        if not uri:
            raise InvalidInput(f"endpoint {endpoint!r} has no scoring URI yet")
        request_id = uuid.uuid4().hex
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {getattr(keys, 'primary_key', '')}",
            "x-ms-client-request-id": request_id,
        }
        if deployment:
            headers[DEPLOYMENT_HEADER] = deployment
        started = time.perf_counter()
        try:
            answer = requests.post(
                uri,
                data=body,
                headers=headers,
                timeout=(self.settings.connection_timeout, self.settings.read_timeout),
                verify=self.settings.ca_bundle or True,
            )
        except requests.RequestException as exc:
            raise Unavailable(
                f"{self.workspace.name}: cannot reach the scoring URI of {endpoint!r}: {exc}"
            ) from exc
        latency = (time.perf_counter() - started) * 1000
        return ScoringAnswer(
            status=answer.status_code,
            deployment=answer.headers.get(DEPLOYMENT_HEADER, ""),
            request_id=answer.headers.get("x-request-id", request_id),
            body=answer.content,
            content_type=answer.headers.get("Content-Type", ""),
            latency_ms=latency,
        )
