"""The demo's retraining policy: retrain ``diabetes-progression`` in dev when production drifts.

The demo builder calls :func:`install_demo_policy` once the workspaces exist. The policy compares
the prod champion's training data with the demo's production-like data (where ``age``, ``bmi``
and ``bp`` drift) — by default the Parquet file the demo writes, or the live prod endpoint's
collected requests when the builder passes :data:`DEMO_ENDPOINT_SOURCE` — and fires on drift
of any of those features; a weekly schedule stands beside it.
"""

from __future__ import annotations

from mlops_desktop.core import paths
from mlops_desktop.retraining.policies import (
    DataSettings,
    FeatureDriftTrigger,
    PipelineSettings,
    RetrainingPolicy,
    ScheduleTrigger,
    load_policies,
    save_policies,
)

DEMO_MODEL = "diabetes-progression"
DEMO_POLICY_NAME = "diabetes-progression-drift"
#: The drifting features of the demo's production data.
DEMO_DRIFT_FEATURES = ("bmi", "age", "bp")
#: The live prod endpoint's last day of requests, as a current-data source.
DEMO_ENDPOINT_SOURCE = f"endpoint:prod/{DEMO_MODEL}#since=-24h"


def demo_current_file() -> str:
    """The production-like data the demo writes (``data_dir()/demo/production-current.parquet``)."""
    return str(paths.data_dir() / "demo" / "production-current.parquet")


def demo_policy(current: str | None = None, promote_to: str | None = "staging") -> RetrainingPolicy:
    """The demo policy (not saved); ``current`` defaults to the demo's Parquet file."""
    return RetrainingPolicy(
        name=DEMO_POLICY_NAME,
        model=DEMO_MODEL,
        workspace="dev",
        cooldown="24h",
        promote_to=promote_to,
        description="Demo: retrain in dev when prod data drifts on bmi, age or bp",
        pipeline=PipelineSettings(
            data="diabetes",
            model_type="random_forest",
            params={"n_estimators": 60, "max_depth": 4},
            experiment=DEMO_MODEL,
        ),
        data=DataSettings(
            reference=f"model:prod/{DEMO_MODEL}/champion",
            current=current or demo_current_file(),
            target="target",
            timestamp="timestamp",
            min_rows=50,
        ),
        triggers=(
            FeatureDriftTrigger(features=DEMO_DRIFT_FEATURES),
            ScheduleTrigger(cron="0 3 * * 1"),
        ),
    )


def install_demo_policy(
    current: str | None = None, promote_to: str | None = "staging"
) -> RetrainingPolicy:
    """Write the demo policy into ``retraining.toml`` (replacing an older one); returns it."""
    policy = demo_policy(current, promote_to)
    save_policies(load_policies().with_policy(policy, replace=True))
    return policy
