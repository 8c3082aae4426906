"""The GitHub Actions document of :mod:`mlops_desktop.retraining.ci_export`."""

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

AZURE_SECRETS = ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID")
#: Action versions on the Node 24 runtime (Node 20 actions no longer run on GitHub's runners).
CHECKOUT = "actions/checkout@v6"
SETUP_PYTHON = "actions/setup-python@v6"
UPLOAD_ARTIFACT = "actions/upload-artifact@v6"
AZURE_LOGIN = "azure/login@v3"


def _secret(name: str) -> str:
    return "${{ secrets." + name + " }}"


def github_document(plan: CiPlan, options: CiOptions) -> tuple[dict[str, Any], list[str]]:
    """The workflow as a mapping, and the secrets it references."""
    home = "${{ github.workspace }}/" + HOME_DIR
    secrets = list(MLFLOW_SECRETS)
    steps: list[dict[str, Any]] = [
        {"uses": CHECKOUT},
        {"uses": SETUP_PYTHON, "with": {"python-version": options.python}},
        {"name": "Install MLOps Desktop", "run": install_script(options)},
        {
            "name": "Configure workspaces and policies",
            "run": configure_script(options, "$MLOPS_DESKTOP_HOME"),
        },
    ]
    if plan.azure:
        secrets += AZURE_SECRETS
        steps.append(
            {
                "name": "Azure login (OpenID Connect)",
                "uses": AZURE_LOGIN,
                "with": {
                    "client-id": _secret("AZURE_CLIENT_ID"),
                    "tenant-id": _secret("AZURE_TENANT_ID"),
                    "subscription-id": _secret("AZURE_SUBSCRIPTION_ID"),
                },
            }
        )
        steps.append({"name": "Azure ML CLI", "run": "az extension add --name ml --yes\n"})
    if plan.reports:
        steps.append({"name": "Drift reports", "run": drift_script(plan.reports)})
    steps.append(
        {
            "name": "Retraining check and jobs (MLflow workspaces)",
            "run": check_script(plan.mlflow, all_policies=not plan.azure),
        }
    )
    for policy, workspace in plan.azure:
        steps.append(
            {
                "name": f"Retraining on Azure ML: {policy.name}",
                "run": azure_script(policy, workspace, options),
            }
        )
    if options.promote_on_push and plan.promotions:
        steps.append(
            {
                "name": "Promote (on push)",
                "if": "github.event_name == 'push'",
                "run": promote_script(plan.promotions),
            }
        )
    steps.append(
        {
            "name": "Upload reports, decisions and job logs",
            "if": "always()",
            "uses": UPLOAD_ARTIFACT,
            "with": {
                "name": "mlops-reports",
                "path": f"{REPORTS_DIR}/\n{HOME_DIR}/data/jobs/*/job.log\n",
                "if-no-files-found": "ignore",
            },
        }
    )
    permissions = {"contents": "read"}
    if plan.azure:
        permissions["id-token"] = "write"
    document: dict[str, Any] = {
        "name": "MLOps retraining and promotion",
        "on": {
            "schedule": [{"cron": options.cron}],
            "push": {"branches": [options.branch]},
            "workflow_dispatch": {},
        },
        "permissions": permissions,
        "concurrency": {"group": "mlops-retraining", "cancel-in-progress": False},
        "env": {"MLOPS_DESKTOP_HOME": home, **{name: _secret(name) for name in MLFLOW_SECRETS}},
        "jobs": {
            "retrain": {
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 120,
                "steps": steps,
            }
        },
    }
    return document, secrets
