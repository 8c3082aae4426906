"""Step 2: the gates (key metric vs champion, fairness, signature)."""

from __future__ import annotations

from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.entities import GateFailed
from mlops_desktop.promotion.gates import evaluate_gates


class GatesStep:
    """Evaluate every gate; any failure stops the promotion before the target changes."""

    name = "gates"
    title = "evaluating gates on the held-out data"

    def run(self, oc: OperationContext) -> str:
        """Record every result; raise GateFailed naming the failed ones."""
        results = evaluate_gates(oc)
        oc.remember(self.name, "results", [r.to_json() for r in results], overwrite=True)
        failed = [r for r in results if not r.passed]
        if failed:
            raise GateFailed("gates failed: " + "; ".join(f"{r.name}: {r.detail}" for r in failed))
        return "; ".join(f"{r.name}: {r.detail}" for r in results)

    def undo(self, oc: OperationContext) -> None:
        """Nothing changed."""
