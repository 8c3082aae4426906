"""Settings: typed, versioned, migrated, never silently lost; the `settings` command."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from mlops_desktop.cli import main as cli_main
from mlops_desktop.core.environment import apply_privacy_settings
from mlops_desktop.core.logs import log_file, setup_logging
from mlops_desktop.core.settings import (
    AZURE_CREDENTIAL_ENV,
    SETTINGS_SCHEMA_VERSION,
    ReportFormat,
    Settings,
    SettingsError,
    SignInMethod,
    Theme,
    apply_sign_in_method,
    flatten,
    load_settings,
    load_settings_or_defaults,
    reset_settings,
    save_settings,
    setting_keys,
    settings_file,
    with_value,
)

V1_FILE = """\
schema_version = 1
refresh_seconds = 120
report_format = "pdf"
report_folder = "/srv/reports"
dark_mode = true
telemetry = false

[drift]
numeric_threshold = 0.2
"""


def test_defaults_without_a_file(app_home: Path) -> None:
    settings = load_settings()
    assert settings == Settings()
    assert settings.theme is Theme.SYSTEM
    assert settings.privacy.telemetry is False, "telemetry is opt-in"
    assert settings.drift.numeric_threshold == 0.1
    assert settings.drift.dataset_drift_share == 0.5
    assert settings_file() == app_home / "config" / "settings.toml"


def test_round_trip(app_home: Path) -> None:
    settings = Settings(theme=Theme.DARK, sign_in=SignInMethod.DEVICE_CODE)
    settings = with_value(settings, "refresh.jobs_seconds", "30")
    save_settings(settings)
    loaded = load_settings()
    assert loaded == settings
    assert loaded.refresh.jobs_seconds == 30
    assert f"schema_version = {SETTINGS_SCHEMA_VERSION}" in settings_file().read_text()


def test_v1_file_is_migrated_to_v2(app_home: Path) -> None:
    settings_file().parent.mkdir(parents=True)
    settings_file().write_text(V1_FILE)
    settings = load_settings()
    assert settings.schema_version == SETTINGS_SCHEMA_VERSION
    assert settings.refresh.workspaces_seconds == 120
    assert settings.reports.format is ReportFormat.PDF
    assert settings.reports.output_folder == "/srv/reports"
    assert settings.theme is Theme.DARK
    assert settings.privacy.telemetry is False
    assert settings.drift.numeric_threshold == 0.2, "sections v1 already had are kept"
    save_settings(settings)
    assert load_settings() == settings
    assert "refresh_seconds" not in settings_file().read_text()


def test_newer_schema_is_refused(app_home: Path) -> None:
    settings_file().parent.mkdir(parents=True)
    settings_file().write_text("schema_version = 99\n")
    with pytest.raises(SettingsError, match="newer MLOps Desktop"):
        load_settings()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('theme = "purple"\n', "theme"),
        ("[refresh]\njobs_seconds = -1\n", "refresh.jobs_seconds"),
        ("colour = 1\n", "colour: unknown setting"),
        ("[drift\n", "cannot read"),
    ],
)
def test_invalid_files_name_the_problem(app_home: Path, text: str, expected: str) -> None:
    settings_file().parent.mkdir(parents=True)
    settings_file().write_text(text)
    with pytest.raises(SettingsError, match=expected.replace("[", r"\[")):
        load_settings()


def test_broken_file_is_backed_up_never_lost(app_home: Path) -> None:
    settings_file().parent.mkdir(parents=True)
    settings_file().write_text('theme = "purple"\n')
    settings, problem = load_settings_or_defaults()
    assert settings == Settings()
    assert problem and "theme" in problem and "backed up" in problem
    backups = list(settings_file().parent.glob("settings.toml.bad-*"))
    assert len(backups) == 1
    assert backups[0].read_text() == 'theme = "purple"\n'
    assert settings_file().read_text() == 'theme = "purple"\n', "left alone until saved"


def test_reset_keeps_a_backup_and_the_welcome_flag(app_home: Path) -> None:
    save_settings(Settings(theme=Theme.DARK, welcome_done=True))
    settings, backup = reset_settings()
    assert settings.theme is Theme.SYSTEM and settings.welcome_done
    assert backup is not None and 'theme = "dark"' in backup.read_text()


def test_with_value_converts_and_validates() -> None:
    settings = with_value(Settings(), "privacy.telemetry", "yes")
    assert settings.privacy.telemetry is True
    assert with_value(settings, "theme", "dark").theme is Theme.DARK
    with pytest.raises(SettingsError, match="unknown setting"):
        with_value(settings, "nope", "1")
    with pytest.raises(SettingsError, match="greater than 0"):
        with_value(settings, "drift.numeric_threshold", "0")
    assert set(flatten(settings)) == set(setting_keys())


def test_sign_in_method_reaches_the_azure_environment() -> None:
    environ: dict[str, str] = {}
    apply_sign_in_method(Settings(), environ)
    assert environ == {}
    apply_sign_in_method(Settings(sign_in=SignInMethod.BROWSER), environ)
    assert environ[AZURE_CREDENTIAL_ENV] == "browser"
    environ[AZURE_CREDENTIAL_ENV] = "cli"
    apply_sign_in_method(Settings(sign_in=SignInMethod.DEVICE_CODE), environ)
    assert environ[AZURE_CREDENTIAL_ENV] == "cli", "an explicit environment wins"


def test_telemetry_opt_in_from_settings(app_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_DISABLE_TELEMETRY", raising=False)
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    apply_privacy_settings(None)
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"
    monkeypatch.delenv("MLFLOW_DISABLE_TELEMETRY")
    save_settings(with_value(Settings(), "privacy.telemetry", "true"))
    apply_privacy_settings(None)
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "false"


def test_drift_defaults_come_from_settings(app_home: Path) -> None:
    from mlops_desktop.drift.config import DriftConfig, default_drift_config

    assert default_drift_config() == DriftConfig()
    settings = with_value(Settings(), "drift.numeric_threshold", "0.25")
    save_settings(with_value(settings, "drift.dataset_drift_share", "0.3"))
    config = default_drift_config()
    assert config.numeric.threshold == 0.25 and config.numeric.metric == "normalized_wasserstein"
    assert config.categorical.threshold == 0.1 and config.categorical.metric == "jensen_shannon"
    assert config.dataset_drift_share == 0.3


def test_settings_command(app_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["settings", "set", "theme", "dark"]) == 0
    assert cli_main(["settings", "set", "refresh.endpoints_seconds", "10"]) == 0
    capsys.readouterr()
    assert cli_main(["settings", "show"]) == 0
    out = capsys.readouterr().out
    assert "theme" in out and "dark" in out and "refresh.endpoints_seconds" in out
    assert cli_main(["settings", "set", "theme", "purple"]) == 2
    assert "theme" in capsys.readouterr().err
    assert load_settings().theme is Theme.DARK, "a rejected value changes nothing"
    assert cli_main(["settings", "reset"]) == 0
    assert "kept in" in capsys.readouterr().out
    assert load_settings().theme is Theme.SYSTEM


def test_log_file_rotates_in_the_data_dir(app_home: Path) -> None:
    path = setup_logging()
    assert path == log_file() and path.parent == app_home / "data" / "logs"
    logging.getLogger("mlops_desktop.test").warning("hello from the test")
    for handler in logging.getLogger("mlops_desktop").handlers:
        handler.flush()
    assert "hello from the test" in path.read_text()
    handler = next(h for h in logging.getLogger("mlops_desktop").handlers if hasattr(h, "maxBytes"))
    assert handler.maxBytes > 0 and handler.backupCount >= 1


def test_background_stage_changes_are_opt_in_and_a_v2_file_is_migrated_off(
    app_home: Path,
) -> None:
    assert Settings().background.stage_changes is False
    assert Settings().background.announce_seconds == 60
    settings_file().parent.mkdir(parents=True)
    settings_file().write_text('schema_version = 2\ntheme = "dark"\n')
    settings = load_settings()
    assert settings.schema_version == SETTINGS_SCHEMA_VERSION and settings.theme is Theme.DARK
    assert settings.background.stage_changes is False
    opted_in = with_value(settings, "background.stage_changes", "true")
    save_settings(opted_in)
    assert load_settings().background.stage_changes is True
    assert "background.announce_seconds" in setting_keys()


def test_a_v3_file_is_migrated_to_no_notification_targets_and_targets_round_trip(
    app_home: Path,
) -> None:
    from mlops_desktop.core.notify_settings import NotificationSettings, NotifyTarget, TargetKind

    settings_file().parent.mkdir(parents=True)
    settings_file().write_text(
        'schema_version = 3\ntheme = "dark"\n[background]\nstage_changes = true\n'
    )
    settings = load_settings()
    assert SETTINGS_SCHEMA_VERSION == 4 and settings.schema_version == 4
    assert settings.background.stage_changes is True and settings.theme is Theme.DARK
    assert settings.notifications.enabled and settings.notifications.targets == ()
    target = NotifyTarget(name="chat", kind=TargetKind.SLACK, url_hint="hooks.slack.com")
    with_target = settings.model_copy(
        update={"notifications": NotificationSettings(targets=(target,))}
    )
    save_settings(with_target)
    text = settings_file().read_text()
    assert "[[notifications.targets]]" in text and 'url_hint = "hooks.slack.com"' in text
    assert load_settings() == with_target
    assert "notifications.enabled" in setting_keys()
    assert "notifications.targets" not in setting_keys()  # `notify targets …` edits them
    with pytest.raises(SettingsError, match="two targets are named chat"):
        save_settings(with_target)  # fine
        from mlops_desktop.core.settings import parse_settings

        raw = with_target.model_dump(mode="json")
        raw["notifications"]["targets"] *= 2
        parse_settings(raw)
