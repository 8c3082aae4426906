"""The ``ModelRegistry`` port: registered models, versions, aliases, runs and artifacts.

It is the backend protocol (:class:`mlops_desktop.backends.base.Backend`) the registry side has
always spoken, and the promotion workflow's registry writes
(:func:`mlops_desktop.promotion.registry.open_registry`); this module only hands them out, so
the CLI and the GUI open them through the ports like every other capability.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_desktop.backends.base import Backend
from mlops_desktop.core.config import WorkspaceConfig

if TYPE_CHECKING:
    from mlops_desktop.promotion.registry import RegistryLookups

#: The registry port is the backend protocol itself: one interface, no second copy of it.
ModelRegistry = Backend


def open_registry(workspace: WorkspaceConfig) -> ModelRegistry:
    """The model registry of ``workspace`` (its backend; the SDK loads on first use)."""
    from mlops_desktop.ports.provider import ports_of

    return ports_of(workspace).registry()


def open_promotion_registry(workspace: WorkspaceConfig) -> RegistryLookups:
    """The registry writes promotion needs in ``workspace`` (copy in, tags, deletes)."""
    from mlops_desktop.ports.provider import ports_of

    return ports_of(workspace).promotion_registry()
