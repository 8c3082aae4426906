"""Steps 4 and 5: deploy the copied version at 0 % traffic, then smoke-test it by header."""

from __future__ import annotations

from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.endpoint_ops import (
    find_endpoint,
    new_deployment_name,
    remember_endpoint_state,
    restore_traffic,
)
from mlops_desktop.promotion.entities import StepFailed
from mlops_desktop.promotion.signature import read_signature
from mlops_desktop.promotion.smoke import smoke_test


class DeployStep:
    """A new deployment of the target version; the endpoint is created when missing (then the
    new deployment is its only one, with no traffic to take from anyone)."""

    name = "deploy"
    title = "deploying the new version at 0 % traffic"

    def run(self, oc: OperationContext) -> str:
        """Deploy; records the endpoint's state before."""
        plan = oc.promotion
        version = str(oc.recall("copy", "target_version"))
        endpoint = remember_endpoint_state(oc, self.name)
        oc.remember(
            self.name,
            "live_before",
            [d.name for d in endpoint.deployments if d.traffic > 0] if endpoint else [],
        )
        deployment = oc.remember(
            self.name, "deployment", new_deployment_name(oc, endpoint, version)
        )
        quiet = TaskContext()  # the step reports its own progress
        if endpoint is None:
            oc.endpoints.create_endpoint(
                plan.endpoint,
                model=plan.target_name,
                version=version,
                deployment=deployment,
                ctx=quiet,
            )
            return f"created endpoint {plan.endpoint!r} serving v{version} as {deployment!r}"
        oc.endpoints.add_deployment(
            plan.endpoint, deployment, model=plan.target_name, version=version, traffic=0, ctx=quiet
        )
        return f"deployment {deployment!r} (v{version}) added to {plan.endpoint!r} at 0 %"

    def undo(self, oc: OperationContext) -> None:
        """Delete the new deployment (the endpoint, when this step created it)."""
        deployment = oc.recall(self.name, "deployment")
        if deployment is None:
            return
        endpoint = find_endpoint(oc)
        if endpoint is None:
            return
        if not oc.recall(self.name, "endpoint_existed"):
            oc.endpoints.delete_endpoint(oc.endpoint)
            return
        if deployment not in {d.name for d in endpoint.deployments}:
            return
        if endpoint.deployment(deployment).traffic or endpoint.deployment(deployment).mirror:
            restore_traffic(oc, self.name)
        oc.endpoints.delete_deployment(oc.endpoint, deployment)


class SmokeStep:
    """Invoke the new deployment by header with its input example (see :mod:`..smoke`)."""

    name = "smoke"
    title = "smoke-testing the new deployment"

    def run(self, oc: OperationContext) -> str:
        """Raise StepFailed when the smoke test fails."""
        deployment = str(oc.recall("deploy", "deployment"))
        endpoint = find_endpoint(oc)
        outputs = None
        if endpoint is not None:
            signature = read_signature(endpoint.deployment(deployment).model_dir)
            outputs = signature.outputs if signature else None
        gates = oc.policy.gates
        result = smoke_test(
            oc.endpoints,
            oc.endpoint,
            deployment,
            requests=gates.smoke_requests,
            max_latency_ms=gates.smoke_max_latency_ms,
            outputs=outputs,
        )
        oc.remember(self.name, "result", result.to_json(), overwrite=True)
        if not result.passed:
            raise StepFailed(f"smoke test of deployment {deployment!r} failed: {result.detail}")
        return result.detail

    def undo(self, oc: OperationContext) -> None:
        """Nothing to undo (its requests stay in the endpoint's collected data)."""
