"""Task bodies of the Endpoints page's *Deploy version…* for Azure ML endpoints. Free of Qt.

A new managed online deployment of a registered model version, behind an existing endpoint,
at 0 % traffic (the traffic editor shifts it later). Each call opens its own backend.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.endpoints.tasks_azure_endpoints import AzureOpener, _open

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.entities import AzureOnlineDeployment

#: VM sizes offered for managed online deployments (any other size may be typed).
INSTANCE_TYPES: tuple[str, ...] = (
    "Standard_DS2_v2",
    "Standard_DS3_v2",
    "Standard_DS4_v2",
    "Standard_F4s_v2",
    "Standard_E4s_v3",
    "Standard_NC6s_v3",
)
DEFAULT_INSTANCE_TYPE = "Standard_DS3_v2"
#: Azure ML's rule for deployment names: 3-32 letters, digits and '-', starting with a letter.
_DEPLOYMENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$")


@dataclass(frozen=True, slots=True)
class DeployRequest:
    """A deployment of ``model`` ``version`` named ``deployment`` behind ``endpoint``."""

    endpoint: str
    deployment: str
    model: str
    version: str
    instance_type: str = DEFAULT_INSTANCE_TYPE
    instance_count: int = 1


def check_deploy_request(request: DeployRequest, taken: Collection[str] = ()) -> DeployRequest:
    """``request`` when Azure ML would take it; InvalidInput naming what is wrong otherwise."""
    if not _DEPLOYMENT_NAME.match(request.deployment):
        raise InvalidInput(
            f"deployment name {request.deployment!r} is not valid",
            hint="3-32 letters, digits and '-', starting with a letter (e.g. green)",
        )
    if request.deployment.lower() in {t.lower() for t in taken}:
        raise InvalidInput(
            f"endpoint {request.endpoint!r} already has a deployment named {request.deployment!r}"
        )
    if not request.model or not request.version:
        raise InvalidInput("choose the model and the version to deploy")
    if not request.instance_type.strip():
        raise InvalidInput("choose the instance type (VM size)")
    if request.instance_count < 1:
        raise InvalidInput("a deployment needs at least one instance")
    return request


def suggested_deployment_name(taken: Collection[str], model: str = "", version: str = "") -> str:
    """``blue`` or ``green`` when one is free (the blue/green habit), else ``model-vN``."""
    lowered = {t.lower() for t in taken}
    for colour in ("blue", "green"):
        if colour not in lowered:
            return colour
    base = re.sub(r"[^a-z0-9-]+", "-", f"{model.rsplit('.', 1)[-1]}-v{version}".lower()).strip("-")
    base = (base if base[:1].isalpha() else f"d-{base}")[:28].rstrip("-") or "deployment"
    name, number = base, 2
    while name in lowered:
        name = f"{base}-{number}"
        number += 1
    return name


def deploy_azure_version_task(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    request: DeployRequest,
    *,
    opener: AzureOpener | None = None,
) -> AzureOnlineDeployment:
    """Create the deployment at 0 % (permission and the stage's policy checked first, audited);
    polls Azure ML to the end.

    Cancelling stops waiting; Azure ML still finishes an accepted deployment.
    """
    from mlops_desktop.promotion.azure_serving import create_azure_deployment

    ctx.progress(0, 2, f"deploying {request.model} v{request.version} as {request.deployment}")
    backend = _open(workspace, opener)
    try:
        created, _endpoint = create_azure_deployment(
            workspace,
            backend,
            request.endpoint,
            request.deployment,
            request.model,
            request.version,
            instance_type=request.instance_type.strip(),
            instance_count=request.instance_count,
            ctx=ctx,
            origin="Endpoints page, Azure ML",
        )
    finally:
        backend.close()
    return created
