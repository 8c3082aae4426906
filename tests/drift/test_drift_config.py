"""drift.toml: loading, validation errors naming the file and key, per-feature rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_desktop.drift.config import DriftConfig, load_drift_config, parse_drift_config
from mlops_desktop.drift.errors import DriftConfigError
from mlops_desktop.drift.kinds import ColumnKind

EXAMPLE = """
schema_version = 1
dataset_drift_share = 0.3
exclude = ["id"]

[numeric]
metric = "psi"
threshold = 0.25

[quality]
null_rate = 0.05

[features.age]
kind = "numeric"
metric = "ks_pvalue"

[features.segment]
threshold = 0.2
out_of_bounds_rate = 0.01

[features.notes]
ignore = true
"""


def test_defaults_follow_azure_ml() -> None:
    config = DriftConfig()
    assert (config.numeric.metric, config.numeric.threshold) == ("normalized_wasserstein", 0.1)
    assert (config.categorical.metric, config.categorical.threshold) == ("jensen_shannon", 0.1)
    assert config.quality.null_rate == config.quality.type_error_rate == 0.0
    assert config.quality.out_of_bounds_rate == 0.0
    assert config.dataset_drift_share == 0.5


def test_load_example(tmp_path: Path) -> None:
    path = tmp_path / "drift.toml"
    path.write_text(EXAMPLE)
    config = load_drift_config(path)
    assert config.dataset_drift_share == 0.3
    assert config.is_ignored("id") and config.is_ignored("notes") and not config.is_ignored("age")
    assert config.kind_override("age") is ColumnKind.NUMERIC
    age = config.rule_for("age", ColumnKind.NUMERIC)
    assert age is not None and (age.metric, age.threshold) == ("ks_pvalue", 0.05)
    other = config.rule_for("other", ColumnKind.NUMERIC)
    assert other is not None and (other.metric, other.threshold) == ("psi", 0.25)
    segment = config.rule_for("segment", ColumnKind.CATEGORICAL)
    assert segment is not None and (segment.metric, segment.threshold) == ("jensen_shannon", 0.2)
    assert config.quality_for("segment").out_of_bounds_rate == 0.01
    assert config.quality_for("segment").null_rate == 0.05
    assert config.rule_for("when", ColumnKind.DATETIME) is None
    assert parse_drift_config(__import__("tomllib").loads(config.to_toml())) == config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("numeric = 3", "numeric"),
        ('[numeric]\nmetric = "median"\nthreshold = 1', "numeric.metric 'median'"),
        ("dataset_drift_share = 2", "dataset_drift_share"),
        ("typo = 1", "typo: Extra inputs"),
        ("schema_version = 9", "schema_version 9"),
        ('[features.a]\nkind = "numeric"\nmetric = "chi2_pvalue"', "features.a.metric"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_invalid_configs_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "drift.toml"
    path.write_text(text)
    with pytest.raises(DriftConfigError, match=r"drift\.toml") as info:
        load_drift_config(path)
    assert message in str(info.value)


def test_metric_that_does_not_fit_the_inferred_kind() -> None:
    config = DriftConfig.model_validate({"features": {"c": {"metric": "ks_pvalue"}}})
    with pytest.raises(DriftConfigError, match=r"features\.c\.metric 'ks_pvalue'"):
        config.rule_for("c", ColumnKind.CATEGORICAL)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DriftConfigError, match="cannot read"):
        load_drift_config(tmp_path / "nope.toml")
