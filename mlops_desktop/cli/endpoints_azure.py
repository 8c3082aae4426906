"""``mlops-desktop endpoints …`` for Azure ML workspaces: managed online endpoints.

``endpoints.py`` hands a command here when its ``--workspace`` is an Azure ML workspace; the
actions go through :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend` (the real
azure-ai-ml SDK); changes check the signed-in identity's permissions and the stage's policy
first and are audited (:mod:`mlops_desktop.promotion.azure_serving`).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mlops_desktop.cli.azure_support import is_azure, open_azure_backend, read_azure
from mlops_desktop.cli.output import load_app_config, print_json, print_table, progress_printer
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.core.tasks import TaskContext


def azure_listing(
    workspaces: list[Any],
) -> tuple[list[dict[str, Any]], list[list[str]], list[str]]:
    """JSON items, table rows and unreadable workspaces of the Azure ML online endpoints.

    An unreachable workspace is reported on stderr (and named in the third list); the others
    are still listed. An endpoint without deployments is a row of its own.
    """
    from mlops_desktop.backends.azureml.resources import auth_mode_label

    items: list[dict[str, Any]] = []
    rows: list[list[str]] = []
    failed: list[str] = []
    for ws in workspaces:
        found = read_azure(ws, lambda backend: backend.list_online_endpoints())
        if found is None:
            failed.append(ws.name)
            continue
        for e in found:
            items.append(
                {
                    "backend": "azureml",
                    **to_jsonable(asdict(e)),
                    "auth": auth_mode_label(e.auth_mode),
                }
            )
            endpoint = [e.name, ws.name, e.scoring_uri, e.provisioning_state]
            if not e.deployments:
                rows.append([*endpoint, "-", "", "", "", ""])
            for d in e.deployments:
                model = f"{d.registered_model} v{d.version}" if d.registered_model else d.model_id
                mirror = f"{d.mirror_traffic}%" if d.mirror_traffic else ""
                rows.append(
                    [*endpoint, d.name, model, f"{d.traffic}%", mirror, d.provisioning_state]
                )
    return items, rows, failed


def is_azure_workspace(name: str) -> bool:
    """True when the configured workspace ``name`` is an Azure ML workspace."""
    return is_azure(load_app_config().workspace(name))


def _backend(args: argparse.Namespace) -> Any:
    return open_azure_backend(load_app_config().workspace(args.workspace))


def _print_endpoint(endpoint: Any, as_json: bool, message: str) -> None:
    if as_json:
        print_json(to_jsonable(asdict(endpoint)))
        return
    print(message)
    rows = [
        [
            d.name,
            d.provisioning_state,
            f"{d.registered_model} v{d.version}" if d.registered_model else d.model_id,
            f"{d.traffic}%",
            f"{d.mirror_traffic}%" if d.mirror_traffic else "",
            f"{d.instance_type} x{d.instance_count}" if d.instance_count else d.instance_type,
        ]
        for d in endpoint.deployments
    ]
    print_table(["DEPLOYMENT", "STATE", "MODEL", "TRAFFIC", "MIRROR", "INSTANCES"], rows)


def create_deployment(args: argparse.Namespace) -> int:
    """Deploy a model version (or alias) behind an Azure ML endpoint at 0 % traffic (the
    stage's policy checked, audited)."""
    from mlops_desktop.promotion.azure_serving import create_azure_deployment

    workspace = load_app_config().workspace(args.workspace)
    backend = open_azure_backend(workspace)
    try:
        version = str(args.version)
        if not version.isdigit():  # an alias such as champion
            version = backend.get_model_version_by_alias(args.model, version).version
        _created, endpoint = create_azure_deployment(
            workspace,
            backend,
            args.name,
            args.deployment,
            args.model,
            version,
            instance_type=args.instance_type,
            instance_count=args.instance_count,
            ctx=TaskContext(progress_printer(quiet=args.json)),
            origin="CLI, Azure ML",
        )
    finally:
        backend.close()
    _print_endpoint(
        endpoint,
        args.json,
        f"deployment {args.deployment!r} of {args.model} v{version} created in {args.name!r} "
        "(0 % traffic; shift it with `endpoints traffic`)",
    )
    return 0


def set_traffic(
    args: argparse.Namespace, weights: dict[str, int] | None, mirror: dict[str, int] | None
) -> int:
    """Set live and/or mirrored traffic of an Azure ML endpoint (policy checked, audited)."""
    from mlops_desktop.promotion.azure_serving import set_azure_traffic

    workspace = load_app_config().workspace(args.workspace)
    backend = open_azure_backend(workspace)
    try:
        ctx = TaskContext(progress_printer(quiet=args.json))
        endpoint = set_azure_traffic(
            workspace, backend, args.name, weights, mirror, ctx, origin="CLI, Azure ML"
        )
    finally:
        backend.close()
    split = " ".join(f"{k}={v}" for k, v in endpoint.traffic.items())
    mirrored = " ".join(f"{k}={v}" for k, v in endpoint.mirror_traffic.items()) or "none"
    _print_endpoint(
        endpoint, args.json, f"traffic of {endpoint.name!r}: {split}; mirror: {mirrored}"
    )
    return 0


def invoke(args: argparse.Namespace) -> int:
    """Score a JSON request on an Azure ML endpoint (or one deployment); prints the answer."""
    if not args.data:
        raise InvalidInput(
            "Azure ML endpoints need a request body",
            hint="give --data request.json, e.g. "
            '{"input_data": {"columns": [...], "data": [[...]]}}',
        )
    raw = sys.stdin.read() if args.data == "-" else _read(args.data)
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput(f"{args.data} is not JSON: {exc}") from None
    backend = _backend(args)
    try:
        answer = backend.invoke_endpoint(args.name, payload, deployment=args.deployment)
    finally:
        backend.close()
    if isinstance(answer, str):
        sys.stdout.write(answer.rstrip("\n") + "\n")
    else:
        print(json.dumps(answer))
    return 0


def _read(path: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None


def delete_deployment(args: argparse.Namespace) -> int:
    """Delete one deployment (without traffic) of an Azure ML endpoint (policy checked,
    audited)."""
    if not args.deployment:
        raise InvalidInput(
            "deleting a whole Azure ML endpoint is not supported by the app",
            hint="delete one deployment with --deployment D, or the endpoint in Azure ML Studio",
        )
    from mlops_desktop.promotion.azure_serving import delete_azure_deployment

    workspace = load_app_config().workspace(args.workspace)
    backend = open_azure_backend(workspace)
    try:
        endpoint = delete_azure_deployment(
            workspace,
            backend,
            args.name,
            args.deployment,
            TaskContext(progress_printer()),
            origin="CLI, Azure ML",
        )
    finally:
        backend.close()
    _print_endpoint(endpoint, False, f"deployment {args.deployment!r} deleted")
    return 0


def logs(args: argparse.Namespace) -> int:
    """Print the last lines of an Azure ML deployment's container log."""
    backend = _backend(args)
    try:
        text = backend.deployment_logs(
            args.name, args.deployment, lines=args.lines, container=args.container or ""
        )
    finally:
        backend.close()
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    return 0
