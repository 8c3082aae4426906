"""Steps 7 and 8: move ``champion`` (keeping the old one as ``previous-champion``), then
retire the previously live deployment."""

from __future__ import annotations

from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.endpoint_ops import find_endpoint
from mlops_desktop.promotion.entities import CHAMPION_ALIAS, PREVIOUS_CHAMPION_ALIAS


class AliasStep:
    """``champion`` -> the new version; the old champion becomes ``previous-champion``."""

    name = "aliases"
    title = "moving the champion alias"

    def run(self, oc: OperationContext) -> str:
        """Move the aliases; records where they pointed (first attempt only)."""
        registry = oc.target_registry
        name = oc.target_name
        version = str(oc.recall("copy", "target_version"))
        current = registry.aliases(name)
        old = oc.remember(self.name, "champion_before", current.get(CHAMPION_ALIAS))
        oc.remember(self.name, "previous_before", current.get(PREVIOUS_CHAMPION_ALIAS))
        if old and old != version:
            registry.set_alias(name, PREVIOUS_CHAMPION_ALIAS, old)
        registry.set_alias(name, CHAMPION_ALIAS, version)
        was = f" (previous-champion v{old})" if old and old != version else ""
        return f"{name}@{CHAMPION_ALIAS} -> v{version}{was}"

    def undo(self, oc: OperationContext) -> None:
        """Point both aliases where they pointed before (or remove them)."""
        if "champion_before" not in oc.data.get(self.name, {}):
            return
        registry = oc.target_registry
        name = oc.target_name
        registry.restore_alias(name, CHAMPION_ALIAS, oc.recall(self.name, "champion_before"))
        registry.restore_alias(
            name, PREVIOUS_CHAMPION_ALIAS, oc.recall(self.name, "previous_before")
        )


class RetireStep:
    """Delete the deployments that were live before the promotion (now at 0 %)."""

    name = "retire"
    title = "retiring the previous deployment"

    def run(self, oc: OperationContext) -> str:
        """Retire; records what each retired deployment served, to bring it back on undo."""
        if not oc.policy.rollout.retire_previous:
            return "previous deployments kept (rollout.retire_previous = false)"
        endpoint = find_endpoint(oc)
        live_before = set(oc.recall("deploy", "live_before") or [])
        new = oc.recall("deploy", "deployment")
        candidates = [
            {"name": d.name, "registered_model": d.registered_model, "version": d.version}
            for d in (endpoint.deployments if endpoint else ())
            if d.name in live_before and d.name != new
        ]
        retired = oc.remember(self.name, "retired", candidates)
        present = {d.name for d in endpoint.deployments} if endpoint else set()
        for info in retired:
            if info["name"] in present:
                oc.endpoints.delete_deployment(oc.endpoint, info["name"])
        names = ", ".join(repr(i["name"]) for i in retired)
        return f"retired {names}" if retired else "nothing to retire"

    def undo(self, oc: OperationContext) -> None:
        """Deploy every retired deployment again, same name and version, at 0 %."""
        retired = oc.recall(self.name, "retired") or []
        endpoint = find_endpoint(oc)
        if endpoint is None:
            return
        present = {d.name for d in endpoint.deployments}
        for info in retired:
            if info["name"] not in present:
                oc.endpoints.add_deployment(
                    oc.endpoint,
                    info["name"],
                    model=info["registered_model"],
                    version=info["version"],
                    traffic=0,
                )
