"""Step 6: shift traffic to the new deployment, at once or through watched canary steps."""

from __future__ import annotations

from datetime import UTC, datetime

from mlops_desktop.promotion.canary import watch_canary
from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.endpoint_ops import restore_traffic, set_traffic
from mlops_desktop.promotion.entities import StepFailed


class TrafficStep:
    """For each percentage of the plan: give the new deployment that share (the others keep
    their proportions), then — below 100 — watch it; a bad watch fails the step."""

    name = "traffic"
    title = "shifting traffic"

    def run(self, oc: OperationContext) -> str:
        """Shift; records each canary observation."""
        from mlops_desktop.serving.traffic import redistribute

        plan = oc.promotion
        deployment = str(oc.recall("deploy", "deployment"))
        if not oc.recall("deploy", "endpoint_existed"):
            return f"{deployment!r} is the new endpoint's only deployment: 100 %"
        before: dict[str, int] = oc.recall("deploy", "traffic_before") or {}
        observations: list[dict[str, object]] = []
        for percent in plan.traffic_steps:
            oc.task.check()
            split = redistribute(before, deployment, percent)
            mirror = {
                k: v
                for k, v in (oc.recall("deploy", "mirror_before") or {}).items()
                if k != deployment
            }
            set_traffic(oc, split, mirror, reason=f"promotion: {deployment} at {percent} %")
            if percent == 100:
                break
            oc.task.progress(
                oc.positions[self.name],
                len(oc.positions),
                f"canary {percent} %: watching {deployment!r} for "
                f"{oc.policy.rollout.step_seconds:g} s",
            )
            observation = watch_canary(
                oc.endpoints,
                oc.endpoint,
                deployment,
                percent,
                oc.policy.rollout,
                oc.task,
                since=datetime.now(UTC),
            )
            observations.append(observation.to_json())
            oc.remember(self.name, "canary", observations, overwrite=True)
            if not observation.passed:
                raise StepFailed(f"canary at {percent} % failed: {observation.detail}")
        steps = " -> ".join(f"{p} %" for p in plan.traffic_steps)
        watched = "".join(f"; canary {o['percent']} %: {o['detail']}" for o in observations)
        return f"{deployment!r} takes all traffic ({steps}){watched}"

    def undo(self, oc: OperationContext) -> None:
        """Put the traffic split and mirror back as they were before the deployment."""
        restore_traffic(oc, "deploy")
