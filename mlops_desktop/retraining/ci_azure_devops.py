"""The Azure DevOps document of :mod:`mlops_desktop.retraining.ci_export`."""

from __future__ import annotations

from typing import Any

from mlops_desktop.retraining.ci_export import (
    HOME_DIR,
    MLFLOW_SECRETS,
    REPORTS_DIR,
    CiOptions,
    CiPlan,
    azure_script,
    check_script,
    configure_script,
    drift_script,
    install_script,
    promote_script,
)

#: Variable group holding the secret variables (mapped into each script's environment).
SECRETS_GROUP = "mlops-secrets"


def azure_devops_document(plan: CiPlan, options: CiOptions) -> tuple[dict[str, Any], list[str]]:
    """The pipeline as a mapping, and the secret variables it references."""
    env = {name: f"$({name})" for name in MLFLOW_SECRETS}
    steps: list[dict[str, Any]] = [
        {
            "task": "UsePythonVersion@0",
            "displayName": "Python",
            "inputs": {"versionSpec": options.python},
        },
        {"script": install_script(options), "displayName": "Install MLOps Desktop"},
        {
            "script": configure_script(options, "$(MLOPS_DESKTOP_HOME)"),
            "displayName": "Configure workspaces and policies",
        },
    ]
    if plan.reports:
        steps.append(
            {"script": drift_script(plan.reports), "displayName": "Drift reports", "env": env}
        )
    steps.append(
        {
            "script": check_script(plan.mlflow, all_policies=not plan.azure),
            "displayName": "Retraining check and jobs (MLflow workspaces)",
            "env": env,
        }
    )
    for policy, workspace in plan.azure:
        steps.append(
            {
                "task": "AzureCLI@2",
                "displayName": f"Retraining on Azure ML: {policy.name}",
                "inputs": {
                    "azureSubscription": options.azure_service_connection,
                    "scriptType": "bash",
                    "scriptLocation": "inlineScript",
                    "inlineScript": "az extension add --name ml --yes\n"
                    + azure_script(policy, workspace, options),
                },
                "env": env,
            }
        )
    if options.promote_on_push and plan.promotions:
        steps.append(
            {
                "script": promote_script(plan.promotions),
                "displayName": "Promote (on push)",
                "condition": "and(succeeded(), eq(variables['Build.Reason'], 'IndividualCI'))",
                "env": env,
            }
        )
    steps.append(
        {
            "task": "PublishPipelineArtifact@1",
            "displayName": "Publish reports and decisions",
            "condition": "always()",
            "inputs": {"targetPath": REPORTS_DIR, "artifact": "mlops-reports"},
        }
    )
    document: dict[str, Any] = {
        "trigger": {"branches": {"include": [options.branch]}},
        "schedules": [
            {
                "cron": options.cron,
                "displayName": "MLOps retraining check",
                "branches": {"include": [options.branch]},
                "always": True,
            }
        ],
        "pool": {"vmImage": "ubuntu-latest"},
        "variables": [
            {"group": SECRETS_GROUP},
            {"name": "MLOPS_DESKTOP_HOME", "value": f"$(Pipeline.Workspace)/{HOME_DIR}"},
        ],
        "steps": steps,
    }
    secrets = [f"{name} (variable group {SECRETS_GROUP})" for name in MLFLOW_SECRETS]
    if plan.azure:
        secrets.append(f"service connection {options.azure_service_connection}")
    return document, secrets
