"""Process-wide settings applied before any third-party library loads."""

from __future__ import annotations

import os

from mlops_desktop.core.config import AppConfig

#: MLflow retries an unreachable server for minutes by default; a desktop app must answer fast.
_MLFLOW_HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
    # tqdm bars from artifact downloads would garble the CLI's own progress output.
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
}


def apply_privacy_settings(config: AppConfig | None) -> None:
    """Turn MLflow's usage telemetry off unless the person opted in.

    An explicit ``MLFLOW_DISABLE_TELEMETRY``/``DO_NOT_TRACK`` in the environment always wins.
    """
    if "MLFLOW_DISABLE_TELEMETRY" in os.environ or "DO_NOT_TRACK" in os.environ:
        return
    opted_in = bool(config and config.telemetry.mlflow_usage_stats) or _settings_opt_in()
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "false" if opted_in else "true"


def prepare_process_environment(config: AppConfig | None) -> None:
    """Privacy settings plus network defaults that keep the app responsive.

    Values already in the environment are respected, so people and CI can tune them.
    """
    apply_privacy_settings(config)
    for key, value in _MLFLOW_HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)


def _settings_opt_in() -> bool:
    """The Settings dialog's telemetry opt-in (a broken settings file counts as "no")."""
    from mlops_desktop.core.settings import SettingsError, load_settings

    try:
        return load_settings().privacy.telemetry
    except SettingsError:
        return False
