"""Online endpoint actions: create a deployment of a model version, invoke, deployment logs.

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend` (uses its
``client``, ``workspace``, ``_call`` and the reads of :class:`.reads.AzureResourceReads`).
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml import resources
from mlops_desktop.backends.azureml.entities import AzureOnlineDeployment
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.core.config import WorkspaceConfig

DEFAULT_INSTANCE_TYPE = "Standard_DS3_v2"
#: Deployment containers whose logs Azure ML returns.
LOG_CONTAINERS = ("inference-server", "storage-initializer")


class AzureEndpointActions:
    """Deploy, invoke and read logs of Azure ML managed online endpoints."""

    client: Any
    workspace: WorkspaceConfig

    def _call(self, action: str) -> contextlib.AbstractContextManager[None]:  # pragma: no cover
        raise NotImplementedError

    def create_deployment(
        self,
        endpoint: str,
        deployment: str,
        registered_model: str,
        version: str,
        *,
        instance_type: str = DEFAULT_INSTANCE_TYPE,
        instance_count: int = 1,
        ctx: TaskContext | None = None,
    ) -> AzureOnlineDeployment:
        """Deploy ``registered_model:version`` as ``deployment`` behind ``endpoint`` (0 % traffic).

        A managed online deployment of a registered MLflow model (no scoring script or
        environment: Azure ML builds them). Waits for the long-running operation, reporting
        progress on ``ctx``; cancelling stops waiting, Azure still creates the deployment.
        """
        from azure.ai.ml.entities import ManagedOnlineDeployment

        if instance_count < 1:
            raise InvalidInput("a deployment needs at least one instance")
        if not deployment or not deployment.replace("-", "").isalnum():
            raise InvalidInput(
                f"deployment name {deployment!r} is not valid",
                hint="use letters, digits and dashes (e.g. green)",
            )
        model_id = f"azureml:{registered_model}:{version}"
        entity = ManagedOnlineDeployment(
            name=deployment,
            endpoint_name=endpoint,
            model=model_id,
            instance_type=instance_type,
            instance_count=instance_count,
        )
        if ctx:
            ctx.progress(0, 2, f"creating deployment {deployment} of {model_id}")
        with sdk_progress_dots_silenced():
            with self._call(f"create deployment {deployment} of {endpoint}"):
                poller = self.client.online_deployments.begin_create_or_update(entity)
            wait_for(poller, ctx, f"deployment {deployment}", self._call)
        with self._call(f"read deployment {deployment} of {endpoint}"):
            created = self.client.online_deployments.get(deployment, endpoint)
            endpoint_entity = self.client.online_endpoints.get(endpoint)
        if ctx:
            ctx.progress(2, 2, f"deployment {deployment} is {created.provisioning_state}")
        traffic = {k: int(v) for k, v in (endpoint_entity.traffic or {}).items()}
        mirror = {k: int(v) for k, v in (endpoint_entity.mirror_traffic or {}).items()}
        return resources.deployment_from_azure(created, traffic, mirror)

    def delete_deployment(
        self, endpoint: str, deployment: str, ctx: TaskContext | None = None
    ) -> None:
        """Delete a deployment that takes no live or mirrored traffic; waits for Azure ML."""
        with self._call(f"read online endpoint {endpoint}"):
            entity = self.client.online_endpoints.get(endpoint)
        shares = {
            "live": int((entity.traffic or {}).get(deployment, 0) or 0),
            "mirrored": int((entity.mirror_traffic or {}).get(deployment, 0) or 0),
        }
        busy = [f"{v} % {k}" for k, v in shares.items() if v]
        if busy:
            raise InvalidInput(
                f"deployment {deployment!r} of {endpoint!r} still takes {' and '.join(busy)} "
                "traffic",
                hint="shift its traffic to another deployment first (`endpoints traffic`)",
            )
        with sdk_progress_dots_silenced():
            with self._call(f"delete deployment {deployment} of {endpoint}"):
                poller = self.client.online_deployments.begin_delete(deployment, endpoint)
            wait_for(poller, ctx, f"delete {deployment}", self._call)

    def invoke_endpoint(self, endpoint: str, payload: Any, *, deployment: str | None = None) -> Any:
        """Score ``payload`` (JSON-serialisable) on the endpoint, or on one deployment.

        The SDK reads the endpoint's scoring URI and key, then posts the request there (a
        ``deployment`` goes in the ``azureml-model-deployment`` header, bypassing the split).
        Returns the decoded JSON answer (or the text when it is not JSON).
        """
        with tempfile.TemporaryDirectory(prefix="mlops-invoke-") as folder:
            request = Path(folder) / "request.json"
            request.write_text(json.dumps(payload), encoding="utf-8")
            target = f"{endpoint}/{deployment}" if deployment else endpoint
            _forget_deployment_header()
            with self._call(f"invoke {target}"):
                answer = self.client.online_endpoints.invoke(
                    endpoint_name=endpoint,
                    request_file=str(request),
                    deployment_name=deployment,
                )
        try:
            return json.loads(answer)
        except (TypeError, ValueError):
            return answer

    def deployment_logs(
        self, endpoint: str, deployment: str, *, lines: int = 100, container: str = ""
    ) -> str:
        """The last ``lines`` log lines of a deployment's container (default: the server's)."""
        if container and container not in LOG_CONTAINERS:
            raise InvalidInput(
                f"unknown container {container!r}", hint=f"use one of: {', '.join(LOG_CONTAINERS)}"
            )
        if lines < 1:
            raise InvalidInput("ask for at least one log line")
        with self._call(f"read logs of {endpoint}/{deployment}"):
            return str(
                self.client.online_deployments.get_logs(
                    deployment, endpoint, lines, container_type=container or None
                )
                or ""
            )


@contextlib.contextmanager
def sdk_progress_dots_silenced() -> Iterator[None]:
    """Drop what is written to stdout meanwhile.

    azure-ai-ml's ``AzureMLPolling`` prints a dot per poll to stdout from the poller's thread,
    whatever ``show_progress`` says; that would corrupt ``--json`` output. Progress goes to
    the task context instead. (Process-wide while it lasts: only wraps long-running waits.)
    """
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def _forget_deployment_header() -> None:
    # azure-ai-ml 1.35 adds ``azureml-model-deployment`` to a class-level default header dict,
    # so one targeted call would pin every later call of the process to that deployment.
    from azure.ai.ml.constants._endpoint import EndpointInvokeFields

    EndpointInvokeFields.DEFAULT_HEADER.pop(EndpointInvokeFields.MODEL_DEPLOYMENT, None)


def wait_for(
    poller: Any,
    ctx: TaskContext | None,
    what: str,
    call: Any,
) -> Any:
    """Poll a long-running operation to its result, reporting progress and checking cancel."""
    polls = 0
    with call(f"wait for {what}"):
        while not poller.done():
            if ctx:
                ctx.progress(1, 2, f"{what}: {poller.status()} (poll {polls + 1})")
            polls += 1
            poller.wait(timeout=0.5)
        return poller.result()
