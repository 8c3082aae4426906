"""export-ci: valid YAML whose commands our CLI parses; Azure ML policies go through az ml."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from mlops_desktop.core.config import (
    AppConfig,
    AzureConnection,
    BackendKind,
    MlflowConnection,
    WorkspaceConfig,
    save_config,
)
from mlops_desktop.core.stages import Stage
from mlops_desktop.retraining.ci_export import CiOptions, azure_devops_pipeline, github_workflow
from mlops_desktop.retraining.policies import RetrainingConfig, policy_from_dict, save_policies


@pytest.fixture
def configured() -> tuple[AppConfig, RetrainingConfig]:
    server = WorkspaceConfig(
        name="dev",
        stage=Stage.DEV,
        mlflow=MlflowConnection(tracking_uri="https://mlflow.example.com"),
    )
    cloud = WorkspaceConfig(
        name="cloud-dev",
        backend=BackendKind.AZUREML,
        stage=Stage.DEV,
        azure=AzureConnection(
            subscription_id="sub-1", resource_group="rg-ml", workspace_name="aml"
        ),
    )
    config = AppConfig(workspaces=(server, cloud))
    drift = policy_from_dict(
        {
            "name": "churn-drift",
            "model": "churn",
            "workspace": "dev",
            "promote_to": "staging",
            "data": {"current": "data/current.parquet", "target": "churned"},
            "triggers": [{"kind": "dataset_drift"}],
        }
    )
    weekly = policy_from_dict(
        {
            "name": "fraud-weekly",
            "model": "fraud",
            "workspace": "cloud-dev",
            "pipeline": {"model_type": "gradient_boosting", "params": {"n_estimators": 50}},
            "triggers": [{"kind": "schedule", "cron": "0 4 * * 1"}],
        }
    )
    return config, RetrainingConfig(policies=(drift, weekly))


def _scripts(node: object) -> list[str]:
    """Every shell script in a workflow document (``run``, ``script``, ``inlineScript``)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("run", "script", "inlineScript") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_scripts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_scripts(item))
    return found


def _assert_commands_parse(scripts: list[str]) -> list[str]:
    """Every ``mlops-desktop`` line parses with our parser; returns the lines.

    ``promote`` lines are checked by :func:`test_promote_commands_parse` (the promotion CLI is
    being written).
    """
    from mlops_desktop.cli import build_parser
    from mlops_desktop.retraining.ci_export import cli_commands

    parser = build_parser()
    registered = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    lines = [line for script in scripts for line in cli_commands(script)]
    for line in lines:
        argv = shlex.split(line)[1:]
        if argv[0] == "promote" and "promote" not in registered:
            continue
        parser.parse_args(argv)
    return lines


def test_github_workflow(wired_cli: None, configured) -> None:
    config, policies = configured
    text = github_workflow(config, policies, CiOptions(cron="15 2 * * *"))
    document = yaml.safe_load(text)
    assert document["on"]["schedule"] == [{"cron": "15 2 * * *"}]
    assert document["on"]["push"] == {"branches": ["main"]}
    assert document["permissions"]["id-token"] == "write"  # OIDC for azure/login
    steps = document["jobs"]["retrain"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert "azure/login@v2" in uses and "actions/upload-artifact@v4" in uses
    env = document["env"]
    assert env["MLFLOW_TRACKING_PASSWORD"] == "${{ secrets.MLFLOW_TRACKING_PASSWORD }}"
    scripts = _scripts(document)
    joined = "\n".join(scripts)
    assert "pip install mlops-desktop" in joined
    assert "mlops-desktop retrain check --submit --wait --policy churn-drift" in joined
    assert "--out mlops-reports/drift-churn-drift.html" in joined
    assert "az ml job create --file azureml-job-fraud-weekly.yml" in joined
    assert "--resource-group rg-ml --workspace-name aml" in joined
    promote = next(s for s in steps if s.get("name") == "Promote (on push)")
    assert promote["if"] == "github.event_name == 'push'"
    _assert_azureml_job(joined)
    _assert_commands_parse(scripts)


def test_azure_devops_pipeline(wired_cli: None, configured) -> None:
    config, policies = configured
    document = yaml.safe_load(azure_devops_pipeline(config, policies, CiOptions()))
    assert document["trigger"] == {"branches": {"include": ["main"]}}
    assert document["schedules"][0]["always"] is True
    tasks = [s.get("task", "") for s in document["steps"]]
    assert "AzureCLI@2" in tasks and "PublishPipelineArtifact@1" in tasks
    azure = next(s for s in document["steps"] if s.get("task") == "AzureCLI@2")
    assert azure["inputs"]["azureSubscription"] == "mlops-azure"
    check = next(s for s in document["steps"] if "retrain check --submit" in s.get("script", ""))
    assert check["env"]["MLFLOW_TRACKING_TOKEN"] == "$(MLFLOW_TRACKING_TOKEN)"
    assert {"group": "mlops-secrets"} in document["variables"]
    _assert_azureml_job("\n".join(_scripts(document)))
    _assert_commands_parse(_scripts(document))


def _assert_azureml_job(script: str) -> None:
    """The inline Azure ML job file is valid YAML whose command the pipeline accepts."""
    from mlops_desktop.pipelines.train import build_parser

    body = script.split("<<'JOB'\n", 1)[1].split("\nJOB\n", 1)[0]
    job = yaml.safe_load(body)
    assert job["type"] == "command" and job["tags"]["mlops.policy"] == "fraud-weekly"
    command = job["command"].split(" && ", 1)[1]
    argv = shlex.split(command.replace('"$MLFLOW_TRACKING_URI"', "azureml://tracking"))
    assert argv[:3] == ["python", "-m", "mlops_desktop.pipelines.train"]
    args = build_parser().parse_args(argv[3:])
    assert args.registered_model == "fraud" and args.param == [("n_estimators", 50)]


def test_no_secret_value_is_written(configured, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "hunter2-secret")
    config, policies = configured
    for writer in (github_workflow, azure_devops_pipeline):
        assert "hunter2" not in writer(config, policies, CiOptions())


def test_export_ci_cli(wired_cli: None, configured, tmp_path: Path, monkeypatch, capsys) -> None:
    from mlops_desktop.cli import main

    config, policies = configured
    save_config(config)
    save_policies(policies)
    monkeypatch.chdir(tmp_path)
    assert main(["export-ci", "--github"]) == 0
    written = tmp_path / ".github" / "workflows" / "mlops.yml"
    assert yaml.safe_load(written.read_text())["name"] == "MLOps retraining and promotion"
    assert main(["export-ci", "--github"]) == 2  # exists
    assert main(["export-ci", "--github", "--force", "--cron", "0 1 * * *"]) == 0
    assert main(["export-ci", "--azure-devops", "--out", "ci/pipe.yml"]) == 0
    assert yaml.safe_load((tmp_path / "ci" / "pipe.yml").read_text())["pool"]
    capsys.readouterr()
    assert main(["export-ci", "--azure-devops", "--out", "-"]) == 0
    assert "AzureCLI@2" in capsys.readouterr().out


def test_only_local_workspaces_are_flagged(wired_cli: None, workspace: WorkspaceConfig) -> None:
    config = AppConfig(workspaces=(workspace,))
    text = github_workflow(config, RetrainingConfig(), CiOptions())
    assert "local store CI cannot reach: dev" in text
    document = yaml.safe_load(text)
    assert "id-token" not in document["permissions"]
    lines = _assert_commands_parse(_scripts(document))
    assert "mlops-desktop retrain check --submit --wait" in lines


def test_promote_commands_parse(
    wired_cli: None, configured, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlops_desktop.cli as cli
    from mlops_desktop.retraining.ci_export import cli_commands

    config, policies = configured
    scripts = _scripts(yaml.safe_load(github_workflow(config, policies, CiOptions())))
    lines = [c for s in scripts for c in cli_commands(s) if c.startswith("mlops-desktop promote")]
    assert lines == ["mlops-desktop promote churn champion --from dev --to staging --yes"]
    try:
        from mlops_desktop.cli import promote
    except ImportError:
        pytest.skip("the promote command does not exist yet (mlops_desktop.cli.promote)")
    if promote not in cli._COMMAND_MODULES:
        monkeypatch.setattr(cli, "_COMMAND_MODULES", [*cli._COMMAND_MODULES, promote])
    parser = cli.build_parser()
    for line in lines:
        args = parser.parse_args(shlex.split(line)[1:])
        assert (args.model, args.version, args.source, args.target) == (
            "churn",
            "champion",
            "dev",
            "staging",
        )
