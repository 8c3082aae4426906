"""CI workflows that run retraining and promotion: GitHub Actions and Azure DevOps YAML.

The workflow runs on a schedule, on push and by hand. For MLflow workspaces it uses our CLI:
drift reports (HTML + JSON, uploaded as artifacts), ``retrain check --submit --wait`` (the
job registers a new dev version and chains into promotion where the policy says
``promote_to``) and, when asked for (``promote_on_push``), ``promote`` for each policy's target
on push. Policies on Azure ML workspaces are evaluated with ``retrain check --exit-code`` and,
when they fire, submitted with ``az ml job create`` after ``azure/login`` (GitHub) or inside an
``AzureCLI@2`` task.

The app is installed from the checked-out repository (``pip install .``) unless ``install``
names a pinned requirement or URL. Data paths are relative to the repository root
(:mod:`mlops_desktop.retraining.ci_paths`), never this machine's. Secrets are referenced
(``${{ secrets.NAME }}`` / ``$(NAME)``), never written. The workspaces and policies come from
``mlops/config.toml`` and ``mlops/retraining.toml`` committed beside the workflow
(``config_dir`` changes the folder).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_desktop.core.config import AppConfig, BackendKind, WorkspaceConfig
from mlops_desktop.retraining.ci_paths import data_files, portable_policies
from mlops_desktop.retraining.policies import RetrainingConfig, RetrainingPolicy

#: The promotion the workflow runs on push: the source workspace's champion to the target.
PROMOTE_COMMAND = "mlops-desktop promote {model} champion --from {workspace} --to {target} --yes"
#: Secrets an MLflow tracking server may need (MLflow's standard variables).
MLFLOW_SECRETS = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")
#: Azure ML defaults for the submitted command job (override in the generated file).
AZUREML_ENVIRONMENT = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"
AZUREML_COMPUTE = "azureml:cpu-cluster"
REPORTS_DIR = "mlops-reports"
HOME_DIR = ".mlops-home"


@dataclass(frozen=True)
class CiOptions:
    """What the exported workflow runs and when."""

    cron: str = "0 3 * * *"
    branch: str = "main"
    python: str = "3.11"
    config_dir: str = "mlops"
    #: What ``pip install`` installs the app from: ``.`` (the checked-out repository) or a
    #: pinned requirement / URL such as ``mlops-desktop==0.1.0`` or ``git+https://…@v0.1.0``.
    install: str = "."
    #: Also promote each policy's model to its ``promote_to`` target on every push.
    promote_on_push: bool = False
    #: The repository root data paths are made relative to (default: the current folder).
    repo_root: Path | None = None
    #: Azure DevOps service connection the AzureCLI@2 task signs in with.
    azure_service_connection: str = "mlops-azure"


@dataclass
class CiPlan:
    """The policies split by what runs them in CI."""

    mlflow: list[RetrainingPolicy] = field(default_factory=list)
    azure: list[tuple[RetrainingPolicy, WorkspaceConfig]] = field(default_factory=list)
    local_workspaces: list[str] = field(default_factory=list)
    #: Repository-relative data files the policies read (for the header).
    data_files: set[str] = field(default_factory=set)

    @property
    def reports(self) -> list[RetrainingPolicy]:
        """MLflow policies with data to report drift on."""
        return [p for p in self.mlflow if p.data is not None]

    @property
    def promotions(self) -> list[RetrainingPolicy]:
        """MLflow policies that promote their new versions."""
        return [p for p in self.mlflow if p.promote_to]


def plan_ci(config: AppConfig, policies: RetrainingConfig, options: CiOptions) -> CiPlan:
    """Split the policies by backend; note local (SQLite) workspaces CI cannot reach.

    File paths are made relative to the repository root first (``options.repo_root``)."""
    policies, _ = portable_policies(policies, options.repo_root or Path.cwd(), options.config_dir)
    plan = CiPlan()
    known = {w.name: w for w in config.workspaces}
    for policy in policies.policies:
        if not policy.enabled:
            continue
        workspace = known.get(policy.workspace)
        if workspace is not None and workspace.backend is BackendKind.AZUREML:
            plan.azure.append((policy, workspace))
        else:
            plan.mlflow.append(policy)
    plan.data_files = data_files(p for p in policies.policies if p.enabled)
    plan.local_workspaces = sorted(
        w.name
        for w in config.workspaces
        if w.mlflow is not None and w.mlflow.tracking_uri.startswith(("sqlite:", "file:"))
    )
    return plan


# -- commands (shared by both CI systems) ---------------------------------------------------


def _cmd(*parts: str) -> str:
    return shlex.join(parts)


def install_requirement(options: CiOptions) -> str:
    """The ``pip install`` argument, quoted for a shell."""
    return shlex.quote(options.install)


def install_script(options: CiOptions) -> str:
    """Install the CLI (from the checked-out repository by default)."""
    return f"python -m pip install --upgrade pip\npip install {install_requirement(options)}\n"


def configure_script(options: CiOptions, home: str) -> str:
    """Put the committed workspace and policy files where the CLI reads them."""
    source = options.config_dir
    return (
        f'mkdir -p "{home}/config" {REPORTS_DIR}\n'
        f'cp {source}/config.toml "{home}/config/config.toml"\n'
        f"if [ -f {source}/retraining.toml ]; then\n"
        f'  cp {source}/retraining.toml "{home}/config/retraining.toml"\n'
        "fi\n"
        "mlops-desktop workspaces list\n"
    )


def drift_script(policies: list[RetrainingPolicy]) -> str:
    """One drift report per policy; exit code 1 (drift found) is not a failure here."""
    lines = ["set +e", "status=0"]
    for policy in policies:
        assert policy.data is not None
        args = ["mlops-desktop", "drift", "report", "--reference", policy.reference_source]
        args += ["--current", policy.data.current]
        if policy.data.target:
            args += ["--target", policy.data.target]
        if policy.data.prediction:
            args += ["--prediction", policy.data.prediction]
        if policy.data.drift_config:
            args += ["--config", policy.data.drift_config]
        base = f"{REPORTS_DIR}/drift-{policy.name}"
        args += ["--out", f"{base}.html", "--out", f"{base}.json", "--quiet"]
        lines.append(_cmd(*args))
        lines.append('rc=$?; if [ "$rc" -gt 1 ]; then status=$rc; fi')
    lines.append('exit "$status"')
    return "\n".join(lines) + "\n"


def check_script(policies: list[RetrainingPolicy], all_policies: bool) -> str:
    """Evaluate the MLflow policies and run the jobs that fired, waiting for them."""
    args = ["mlops-desktop", "retrain", "check", "--submit", "--wait"]
    if not all_policies:
        for policy in policies:
            args += ["--policy", policy.name]
    history = ["mlops-desktop", "retrain", "history", "--json"]
    return (
        f"{_cmd(*args)}\n"
        f"{_cmd(*history)} > {REPORTS_DIR}/retraining-decisions.json\n"
        f"{_cmd('mlops-desktop', 'jobs', 'list', '--json')} > {REPORTS_DIR}/jobs.json\n"
    )


def promote_script(policies: list[RetrainingPolicy]) -> str:
    """Promote each policy's model to its ``promote_to`` target (gated by the promotion flow)."""
    lines = [
        PROMOTE_COMMAND.format(
            model=shlex.quote(p.model),
            workspace=shlex.quote(p.workspace),
            target=shlex.quote(p.promote_to or ""),
        )
        for p in policies
    ]
    return "\n".join(lines) + "\n"


def azureml_job(policy: RetrainingPolicy, options: CiOptions) -> dict[str, Any]:
    """An Azure ML command job (``az ml job create --file``) running the policy's pipeline."""
    p = policy.pipeline
    script = ["python", p.script] if p.script.endswith(".py") else ["python", "-m", p.script]
    args = ["--registered-model", policy.model, "--data", p.data, "--seed", str(p.seed)]
    args += ["--experiment", p.experiment or policy.model]
    if p.model_type:
        args += ["--model-type", p.model_type]
    if p.target:
        args += ["--target", p.target]
    for name, value in p.params.items():
        args += ["--param", f"{name}={value!r}"]
    # Azure ML sets MLFLOW_TRACKING_URI inside the job to the workspace's tracking store; the
    # job runs in an upload of the repository (``code: .``), so ``pip install .`` installs it.
    command = (
        f"pip install {install_requirement(options)} && {shlex.join(script)} "
        f'--tracking-uri "$MLFLOW_TRACKING_URI" {shlex.join(args)}'
    )
    return {
        "$schema": "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json",
        "type": "command",
        "display_name": f"retrain-{policy.name}",
        "experiment_name": p.experiment or policy.model,
        "code": ".",
        "command": command,
        "environment": AZUREML_ENVIRONMENT,
        "compute": AZUREML_COMPUTE,
        "tags": {"mlops.policy": policy.name, "mlops.trigger": "ci"},
    }


def azure_script(policy: RetrainingPolicy, workspace: WorkspaceConfig, options: CiOptions) -> str:
    """Check an Azure ML policy; when it fires, submit its command job with ``az ml``."""
    import yaml

    assert workspace.azure is not None
    job_file = f"azureml-job-{policy.name}.yml"
    job_yaml = yaml.safe_dump(azureml_job(policy, options), sort_keys=False, width=1000)
    check = _cmd("mlops-desktop", "retrain", "check", "--policy", policy.name, "--exit-code")
    create = _cmd(
        "az",
        "ml",
        "job",
        "create",
        "--file",
        job_file,
        "--resource-group",
        workspace.azure.resource_group,
        "--workspace-name",
        workspace.azure.workspace_name,
        "--stream",
    )
    return (
        "set +e\n"
        f"{check}\n"
        "rc=$?\n"
        "set -e\n"
        'if [ "$rc" -eq 1 ]; then\n'
        f"cat > {job_file} <<'JOB'\n{job_yaml}JOB\n"
        f"{create}\n"
        'elif [ "$rc" -ne 0 ]; then\n'
        '  exit "$rc"\n'
        "fi\n"
    )


def header(plan: CiPlan, options: CiOptions, kind: str, secrets: list[str]) -> str:
    """The comment block on top of a generated workflow."""
    lines = [
        f"# {kind} workflow generated by `mlops-desktop export-ci`.",
        "# Runs the retraining check (and its jobs) and drift reports on a schedule, on push",
        "# and by hand" + (", and promotion on push." if options.promote_on_push else "."),
        f"# Installs the app with `pip install {install_requirement(options)}`"
        + (" (the checked-out repository)." if options.install == "." else "."),
        "# Needs in the repository (paths are relative to its root):",
        f"#   {options.config_dir}/config.toml      workspaces (MLflow servers / Azure ML)",
        f"#   {options.config_dir}/retraining.toml  retraining policies",
        *(f"#   {path}" for path in sorted(plan.data_files)),
        "# Secrets it references (set them in the CI system, never in a file):",
        f"#   {', '.join(secrets)}",
    ]
    if plan.local_workspaces:
        lines.append(
            "# NOTE: these workspaces use a local store CI cannot reach: "
            + ", ".join(plan.local_workspaces)
            + " (use an MLflow tracking server for CI)."
        )
    return "\n".join(lines) + "\n"


# -- YAML ---------------------------------------------------------------------------------


def dump_yaml(document: dict[str, Any]) -> str:
    """YAML with multi-line strings as literal blocks (readable shell scripts)."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return str(yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=1000))


def github_workflow(config: AppConfig, policies: RetrainingConfig, options: CiOptions) -> str:
    """A GitHub Actions workflow (``.github/workflows/mlops.yml``)."""
    from mlops_desktop.retraining.ci_github import github_document

    plan = plan_ci(config, policies, options)
    document, secrets = github_document(plan, options)
    return header(plan, options, "GitHub Actions", secrets) + dump_yaml(document)


def azure_devops_pipeline(config: AppConfig, policies: RetrainingConfig, options: CiOptions) -> str:
    """An Azure DevOps pipeline (``azure-pipelines.yml``)."""
    from mlops_desktop.retraining.ci_azure_devops import azure_devops_document

    plan = plan_ci(config, policies, options)
    document, secrets = azure_devops_document(plan, options)
    return header(plan, options, "Azure DevOps", secrets) + dump_yaml(document)


def cli_commands(script: str) -> list[str]:
    """The ``mlops-desktop …`` commands of a workflow's shell script, without redirections."""
    commands = []
    for line in script.splitlines():
        if not line.strip().startswith("mlops-desktop "):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        words = []
        for word in lexer:
            if word and set(word) <= set("();<>|&"):
                break  # a redirection or the next command
            words.append(word)
        commands.append(shlex.join(words))
    return commands
