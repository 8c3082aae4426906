"""What every step of an operation works with: the plan, the policy, journaled step data, and
the registries and endpoints it opens on demand.

A step records what it needs to undo (or redo) itself with :meth:`OperationContext.remember`
*before* acting; the value goes to the journal at once, so a crash right after the action
still leaves enough to finish or undo it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.audit import AuditLog
from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.policy import StagePolicy
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.entities import OperationKind
from mlops_desktop.promotion.journal import Journal
from mlops_desktop.promotion.plan import PromotionPlan, RollbackPlan

if TYPE_CHECKING:
    from mlops_desktop.promotion.azure_registry import AzureRegistryAccess
    from mlops_desktop.promotion.registry import RegistryAccess
    from mlops_desktop.serving.manager import EndpointManager

#: Makes an endpoint manager for a workspace (tests may pass their own).
EndpointManagerFactory = Callable[[WorkspaceConfig], "EndpointManager"]


def default_endpoint_manager(workspace: WorkspaceConfig) -> EndpointManager:
    """The workspace's endpoints: local ones (shared fork host of this app home), or Azure ML
    managed online endpoints behind the same interface."""
    from mlops_desktop.core.config import BackendKind

    if workspace.backend is BackendKind.AZUREML:
        from mlops_desktop.promotion.azure_endpoints import AzureEndpointManager

        return AzureEndpointManager(workspace)  # type: ignore[return-value]
    from mlops_desktop.serving.manager import EndpointManager

    return EndpointManager(workspace)


@dataclass
class OperationContext:
    """Shared state of one running (or recovering) operation."""

    operation_id: str
    kind: OperationKind
    plan: PromotionPlan | RollbackPlan
    policy: StagePolicy
    config: AppConfig
    actor: str
    task: TaskContext
    journal: Journal
    audit: AuditLog
    #: Per step name: what it recorded (mirrors the journal's ``data`` column).
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Position of each step, to write its data to the right journal row.
    positions: dict[str, int] = field(default_factory=dict)
    endpoint_manager_factory: EndpointManagerFactory = default_endpoint_manager

    # -- journaled step data ---------------------------------------------------------------

    def remember(self, step: str, key: str, value: Any, *, overwrite: bool = False) -> Any:
        """Record ``key`` for ``step`` in the journal now; an existing value is kept (so a
        redone step keeps the state from before its first attempt) unless ``overwrite``."""
        values = self.data.setdefault(step, {})
        if key in values and not overwrite:
            return values[key]
        values[key] = value
        self.journal.update_step(self.operation_id, self.positions[step], data=values)
        return value

    def recall(self, step: str, key: str, default: Any = None) -> Any:
        """A value a step recorded (``default`` when it did not get that far)."""
        return self.data.get(step, {}).get(key, default)

    # -- resources -------------------------------------------------------------------------

    @cached_property
    def promotion(self) -> PromotionPlan:
        """The plan, for promotion steps."""
        assert isinstance(self.plan, PromotionPlan)
        return self.plan

    @cached_property
    def rollback(self) -> RollbackPlan:
        """The plan, for rollback steps."""
        assert isinstance(self.plan, RollbackPlan)
        return self.plan

    @property
    def target_workspace_name(self) -> str:
        """Name of the workspace whose registry and endpoint change (as journaled)."""
        if isinstance(self.plan, PromotionPlan):
            return self.plan.target_workspace
        return self.plan.workspace

    @property
    def target_workspace(self) -> WorkspaceConfig:
        """The workspace whose registry and endpoint change."""
        return self.config.workspace(self.target_workspace_name)

    @property
    def target_name(self) -> str:
        """The registered model name that changes."""
        if isinstance(self.plan, PromotionPlan):
            return self.plan.target_name
        return self.plan.registered_name

    @cached_property
    def source_registry(self) -> RegistryAccess | AzureRegistryAccess:
        """The source workspace's registry (promotions only)."""
        from mlops_desktop.promotion.registry import open_registry

        return open_registry(self.config.workspace(self.promotion.source_workspace))

    @cached_property
    def target_registry(self) -> RegistryAccess | AzureRegistryAccess:
        """The target workspace's registry."""
        from mlops_desktop.promotion.registry import open_registry

        return open_registry(self.target_workspace)

    @cached_property
    def endpoints(self) -> EndpointManager:
        """The target workspace's local endpoints."""
        return self.endpoint_manager_factory(self.target_workspace)

    @property
    def endpoint(self) -> str:
        """The endpoint that serves the model in the target."""
        return self.plan.endpoint
