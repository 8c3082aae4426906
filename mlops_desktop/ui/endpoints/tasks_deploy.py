"""Task bodies of the Endpoints page's *Deploy version…*: a new deployment on managed
instances. Free of Qt.

A new deployment of a registered model version, behind an existing endpoint, at 0 % traffic
(the traffic editor shifts it later), through the workspace's endpoints port. The VM sizes and
the deployment name rule come from the port's traits.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.endpoints import (
    MANAGED_DEFAULT_INSTANCE_TYPE,
    MANAGED_DEPLOYMENT_NAME,
    NameRule,
)
from mlops_desktop.ui.common.backend_tasks import BackendOpener
from mlops_desktop.ui.endpoints.tasks_endpoints import endpoints_port

if TYPE_CHECKING:
    from mlops_desktop.serving.entities import Deployment


@dataclass(frozen=True, slots=True)
class DeployRequest:
    """A deployment of ``model`` ``version`` named ``deployment`` behind ``endpoint``."""

    endpoint: str
    deployment: str
    model: str
    version: str
    instance_type: str = MANAGED_DEFAULT_INSTANCE_TYPE
    instance_count: int = 1


def check_deploy_request(
    request: DeployRequest,
    taken: Collection[str] = (),
    rule: NameRule = MANAGED_DEPLOYMENT_NAME,
) -> DeployRequest:
    """``request`` when the service would take it (deployment names by ``rule``, the kind's
    ``traits.deployment_name_rule``); InvalidInput naming what is wrong otherwise."""
    rule.check(request.deployment, "deployment")
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


def deploy_version_task(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    request: DeployRequest,
    *,
    opener: BackendOpener | None = None,
) -> Deployment:
    """Create the deployment at 0 % (permission and the stage's policy checked first,
    audited); waits for the service to the end.

    Cancelling stops waiting; a managed service still finishes an accepted deployment.
    """
    ctx.progress(0, 2, f"deploying {request.model} v{request.version} as {request.deployment}")
    with endpoints_port(workspace, opener) as port:
        endpoint = port.deploy_version(
            request.endpoint,
            request.deployment,
            model=request.model,
            version=request.version,
            instance_type=request.instance_type.strip(),
            instance_count=request.instance_count,
            ctx=ctx,
            origin="Endpoints page",
        )
    return endpoint.deployment(request.deployment)
