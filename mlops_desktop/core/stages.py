"""The ordered deployment stages a model version moves through."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """A deployment stage. Ordered: dev < staging < prod."""

    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"

    @property
    def rank(self) -> int:
        """Position in the promotion order (dev is 0)."""
        return STAGE_ORDER.index(self)

    def next(self) -> Stage | None:
        """The stage a version is promoted into from this one, or None for prod."""
        i = self.rank + 1
        return STAGE_ORDER[i] if i < len(STAGE_ORDER) else None

    @property
    def label(self) -> str:
        """Human label, e.g. 'Staging'."""
        return self.value.capitalize()

    @classmethod
    def parse(cls, text: str) -> Stage:
        """Parse a stage name, accepting common aliases ('production', 'development')."""
        key = text.strip().lower()
        key = _ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            names = ", ".join(s.value for s in STAGE_ORDER)
            raise ValueError(f"unknown stage {text!r}; expected one of: {names}") from None


STAGE_ORDER: tuple[Stage, ...] = (Stage.DEV, Stage.STAGING, Stage.PROD)

_ALIASES = {
    "development": "dev",
    "stage": "staging",
    "stg": "staging",
    "production": "prod",
    "prd": "prod",
}


class StageLayout(StrEnum):
    """How stages map onto a workspace.

    ``workspace``: the workspace is one stage (Azure's one-workspace-per-environment practice).
    ``name-prefix``: the workspace holds several stages, told apart by a registered model name
    prefix such as ``dev.churn`` / ``prod.churn`` (MLflow's documented single-registry pattern).
    """

    WORKSPACE = "workspace"
    NAME_PREFIX = "name-prefix"
