"""``mlops-desktop endpoints list|create|deploy|traffic|invoke|telemetry|stop|start|delete``.

Local endpoints run detached: they keep serving after the command exits. Every change of what
an endpoint serves (create, deploy, traffic, delete) is checked against the stage's policy
first and audited (:mod:`mlops_desktop.promotion.serving_guard`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.output import load_app_config, print_json, print_table, progress_printer
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.promotion.serving_guard import ServingChange, ServingPermit
    from mlops_desktop.serving.entities import Endpoint
    from mlops_desktop.serving.manager import EndpointManager


class _IntermixedParser(argparse.ArgumentParser):
    """Lets positionals follow options: ``traffic NAME -w W blue=90 green=10``."""

    _parsing = False

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse intermixed options and positionals (plain parsing inside that)."""
        if self._parsing:
            return super().parse_known_args(args, namespace)
        self._parsing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._parsing = False


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``endpoints`` command group."""
    group = sub.add_parser(
        "endpoints",
        help="local endpoints: blue/green deployments, traffic, invoke",
        description="Local endpoints on 127.0.0.1 (the local counterpart of Azure ML online "
        "endpoints): each serves registered model versions through MLflow's scoring protocol, "
        "splits traffic between deployments and collects every request.",
    )
    commands = group.add_subparsers(
        dest="endpoints_command", metavar="ACTION", required=True, parser_class=_IntermixedParser
    )

    listing = commands.add_parser("list", help="endpoints with deployments, traffic and health")
    listing.add_argument("--workspace", "-w", help="only this workspace")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=list_endpoints)

    create = commands.add_parser("create", help="create an endpoint serving one model version")
    create.add_argument("name", help="endpoint name (letters, digits, '-')")
    _workspace(create)
    _model(create)
    create.add_argument("--deployment", "-d", default="blue", help="deployment name (blue)")
    create.add_argument("--port", type=int, help="port on 127.0.0.1 (default: first free 5001+)")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=create_endpoint)

    deploy = commands.add_parser("deploy", help="add a deployment to an endpoint")
    deploy.add_argument("name")
    _workspace(deploy)
    deploy.add_argument("--deployment", "-d", required=True, help="new deployment's name")
    _model(deploy)
    deploy.add_argument(
        "--traffic",
        type=int,
        default=0,
        help="percent of live traffic for it at once; the others share the rest (default 0)",
    )
    deploy.add_argument("--json", action="store_true")
    deploy.set_defaults(handler=deploy_model)

    traffic = commands.add_parser(
        "traffic", help="set the live traffic split (sums to 100) and the mirror"
    )
    traffic.add_argument("name")
    _workspace(traffic)
    traffic.add_argument(
        "weights", nargs="*", metavar="DEPLOYMENT=PERCENT", help="e.g. blue=90 green=10"
    )
    traffic.add_argument(
        "--mirror",
        metavar="DEPLOYMENT=PERCENT",
        help="copy this share of live traffic to a deployment (answers discarded, collected); "
        "'none' stops mirroring",
    )
    traffic.add_argument("--json", action="store_true")
    traffic.set_defaults(handler=set_traffic)

    invoke = commands.add_parser("invoke", help="score a request through the endpoint")
    invoke.add_argument("name")
    _workspace(invoke)
    invoke.add_argument("--deployment", "-d", help="send it to this deployment (by header)")
    invoke.add_argument(
        "--data",
        help="request body file ('-' for stdin); default: the model's logged input example",
    )
    invoke.add_argument("--content-type", default="application/json")
    invoke.add_argument("--timeout", type=float, default=30.0, help="seconds (30)")
    invoke.set_defaults(handler=invoke_endpoint)

    _register_azure_commands(commands)

    telemetry = commands.add_parser("telemetry", help="requests/min, latency, error rate")
    telemetry.add_argument("name")
    _workspace(telemetry)
    telemetry.add_argument("--window", type=float, default=60.0, help="minutes back (60)")
    telemetry.add_argument("--bucket", type=float, default=1.0, help="minutes per row (1)")
    telemetry.add_argument("--by-deployment", action="store_true")
    telemetry.add_argument("--json", action="store_true")
    telemetry.set_defaults(handler=show_telemetry)

    for action, text, handler in (
        ("stop", "stop an endpoint's processes (it keeps its port and deployments)", stop),
        ("start", "start a stopped endpoint, or restart what died in a running one", start),
    ):
        command = commands.add_parser(action, help=text)
        command.add_argument("name")
        _workspace(command)
        command.set_defaults(handler=handler)

    delete = commands.add_parser("delete", help="delete an endpoint, or one of its deployments")
    delete.add_argument("name")
    _workspace(delete)
    delete.add_argument("--deployment", "-d", help="delete only this deployment")
    delete.add_argument("--keep-data", action="store_true", help="keep the collected requests")
    delete.set_defaults(handler=delete_endpoint)

    heal = commands.add_parser(
        "heal", help="restart the dead deployments and routers of running local endpoints"
    )
    heal.add_argument("--workspace", "-w", help="only this workspace")
    heal.add_argument("--json", action="store_true", help="machine-readable output")
    heal.set_defaults(handler=heal_endpoints)


def _register_azure_commands(commands: argparse._SubParsersAction) -> None:
    """``create-deployment`` and ``logs``: Azure ML managed online endpoints."""
    from mlops_desktop.cli import endpoints_azure

    create = commands.add_parser(
        "create-deployment", help="Azure ML: deploy a model version behind an endpoint (0 %%)"
    )
    create.add_argument("name", help="endpoint name")
    _workspace(create)
    create.add_argument("--deployment", "-d", required=True, help="new deployment's name")
    _model(create)
    create.add_argument("--instance-type", default="Standard_DS3_v2")
    create.add_argument("--instance-count", type=int, default=1)
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=endpoints_azure.create_deployment)

    logs = commands.add_parser("logs", help="Azure ML: the last lines of a deployment's log")
    logs.add_argument("name", help="endpoint name")
    _workspace(logs)
    logs.add_argument("--deployment", "-d", required=True)
    logs.add_argument("--lines", type=int, default=100, help="how many lines (100)")
    logs.add_argument("--container", choices=["inference-server", "storage-initializer"])
    logs.set_defaults(handler=endpoints_azure.logs)


def _workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", "-w", required=True, help="workspace of the endpoint")


def _model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", required=True, help="registered model name")
    parser.add_argument(
        "--version", "-v", required=True, help="model version, or an alias such as champion"
    )


def _manager(workspace: str) -> EndpointManager:
    from mlops_desktop.serving.manager import EndpointManager

    return EndpointManager(load_app_config().workspace(workspace))


def _endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(endpoint)
    data["url"] = endpoint.url
    data["scoring_uri"] = endpoint.scoring_uri
    data["directory"] = str(endpoint.directory)
    for item, deployment in zip(data["deployments"], endpoint.deployments, strict=True):
        item["model_dir"] = str(deployment.model_dir)
        item["url"] = deployment.url
    return data


def _print_endpoints(
    endpoints: list[Endpoint],
    as_json: bool,
    azure: tuple[list[dict[str, Any]], list[list[str]]] = ([], []),
) -> None:
    # ``azure``: JSON items and table rows of Azure ML endpoints (see endpoints_azure).
    if as_json:
        print_json([_endpoint_json(e) for e in endpoints] + azure[0])
        return
    if not endpoints and not azure[1]:
        print("no endpoints")
        return
    rows = list(azure[1])
    for e in endpoints:
        for d in e.deployments or ():
            rows.append(
                [
                    e.name,
                    e.workspace,
                    e.url,
                    e.status.value,
                    d.name,
                    f"{d.registered_model} v{d.version}",
                    f"{d.traffic}%",
                    f"{d.mirror}%" if d.mirror else "",
                    d.status.value,
                ]
            )
        if not e.deployments:
            rows.append([e.name, e.workspace, e.url, e.status.value, "-", "", "", "", ""])
    headers = ["ENDPOINT", "WORKSPACE", "URL", "STATUS", "DEPLOYMENT", "MODEL", "TRAFFIC"]
    print_table([*headers, "MIRROR", "HEALTH"], rows)


def list_endpoints(args: argparse.Namespace) -> int:
    """List endpoints of one or every workspace, with deployments and health."""
    from mlops_desktop.serving.manager import EndpointManager

    config = load_app_config()
    workspaces = [config.workspace(args.workspace)] if args.workspace else config.workspaces
    from mlops_desktop.cli import endpoints_azure

    endpoints: list[Endpoint] = []
    azure = [ws for ws in workspaces if endpoints_azure.is_azure(ws)]
    for ws in workspaces:
        if ws not in azure:
            endpoints.extend(EndpointManager(ws).list_endpoints())
    items, rows, failed = endpoints_azure.azure_listing(azure)
    _print_endpoints(endpoints, args.json, (items, rows))
    # A workspace that could not be read is an error, in text and JSON alike (stderr names it).
    return 2 if failed else 0


def _context(args: argparse.Namespace) -> TaskContext:
    return TaskContext(progress_printer(quiet=getattr(args, "json", False)))


def _guard(workspace: str, change: ServingChange) -> ServingPermit:
    from mlops_desktop.promotion.serving_guard import guard_serving_change

    return guard_serving_change(load_app_config().workspace(workspace), change)


def create_endpoint(args: argparse.Namespace) -> int:
    """Create an endpoint with its first deployment (the stage's policy checked, audited)."""
    from mlops_desktop.promotion.serving_guard import planned_create

    change = planned_create(args.name, args.deployment, args.model, args.version, origin="CLI")
    permit = _guard(args.workspace, change)
    endpoint = _manager(args.workspace).create_endpoint(
        args.name,
        model=args.model,
        version=args.version,
        deployment=args.deployment,
        port=args.port,
        ctx=_context(args),
    )
    permit.record(endpoint)
    _report(endpoint, args.json, f"endpoint {endpoint.name!r} serves at {endpoint.scoring_uri}")
    return 0


def deploy_model(args: argparse.Namespace) -> int:
    """Add a deployment to an endpoint (the stage's policy checked, audited)."""
    from mlops_desktop.promotion.serving_guard import planned_deploy

    manager = _manager(args.workspace)
    before = manager.get_endpoint(args.name, probe=False)
    change = planned_deploy(
        before, args.deployment, args.model, args.version, args.traffic, origin="CLI"
    )
    permit = _guard(args.workspace, change)
    endpoint = manager.add_deployment(
        args.name,
        args.deployment,
        model=args.model,
        version=args.version,
        traffic=args.traffic,
        ctx=_context(args),
    )
    permit.record(endpoint)
    _report(endpoint, args.json, f"deployment {args.deployment!r} added to {endpoint.name!r}")
    return 0


def _report(endpoint: Endpoint, as_json: bool, message: str) -> None:
    if as_json:
        print_json(_endpoint_json(endpoint))
        return
    print(message)
    _print_endpoints([endpoint], False)


def set_traffic(args: argparse.Namespace) -> int:
    """Set the traffic split and/or the mirror."""
    from mlops_desktop.serving.traffic import parse_weights

    if not args.weights and args.mirror is None:
        raise InvalidInput(
            "give the traffic split and/or --mirror", hint="e.g. blue=90 green=10 --mirror green=20"
        )
    weights = parse_weights(args.weights) if args.weights else None
    mirror: dict[str, int] | None = None
    if args.mirror is not None:
        text = args.mirror.strip()
        mirror = {} if text.lower() == "none" else parse_weights([text], what="mirror")
    from mlops_desktop.cli import endpoints_azure

    if endpoints_azure.is_azure_workspace(args.workspace):
        return endpoints_azure.set_traffic(args, weights, mirror)
    from mlops_desktop.core.audit import AuditLog
    from mlops_desktop.promotion.serving_guard import planned_traffic

    # A broken audit log refuses the change before the endpoint is even looked up.
    AuditLog().ensure_appendable()
    manager = _manager(args.workspace)
    before = manager.get_endpoint(args.name, probe=False)
    # Every traffic change is checked against the stage's policy and audited.
    permit = _guard(args.workspace, planned_traffic(before, weights, origin="CLI"))
    endpoint = manager.set_traffic(args.name, weights, mirror)
    permit.record(endpoint)
    split = " ".join(f"{k}={v}" for k, v in endpoint.traffic.items())
    mirrored = " ".join(f"{k}={v}" for k, v in endpoint.mirror_traffic.items()) or "none"
    _report(endpoint, args.json, f"traffic of {endpoint.name!r}: {split}; mirror: {mirrored}")
    return 0


def _read_data(source: str | None) -> bytes | None:
    if source is None:
        return None
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).expanduser().read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {source}: {exc}") from None


def invoke_endpoint(args: argparse.Namespace) -> int:
    """Send one scoring request; prints the answer (exit 2 for an error answer)."""
    from mlops_desktop.cli import endpoints_azure

    if endpoints_azure.is_azure_workspace(args.workspace):
        return endpoints_azure.invoke(args)
    result = _manager(args.workspace).invoke(
        args.name,
        _read_data(args.data),
        deployment=args.deployment,
        content_type=args.content_type,
        timeout=args.timeout,
    )
    if not result.ok:
        where = f" from deployment {result.deployment!r}" if result.deployment else ""
        print(f"error: HTTP {result.status}{where}: {result.message}", file=sys.stderr)
        return 2
    sys.stdout.write(result.body.decode("utf-8", errors="replace").rstrip("\n") + "\n")
    print(
        f"deployment {result.deployment}, {result.latency_ms:.1f} ms, request {result.request_id}",
        file=sys.stderr,
    )
    return 0


def show_telemetry(args: argparse.Namespace) -> int:
    """Print requests/min, error rate and latency per time bucket."""
    if args.window <= 0 or args.bucket <= 0:
        raise InvalidInput("--window and --bucket must be positive minutes")
    frame = _manager(args.workspace).telemetry(
        args.name,
        timedelta(minutes=args.window),
        bucket=timedelta(minutes=args.bucket),
        by_deployment=args.by_deployment,
    )
    frame = frame[frame["requests"] > 0]
    if args.json:
        records = frame.assign(time=frame["time"].map(lambda t: t.isoformat()))
        print_json(to_jsonable(records.to_dict(orient="records")))
        return 0
    if frame.empty:
        print("no requests in the window")
        return 0
    rows = [
        [
            row["time"].strftime("%Y-%m-%d %H:%M"),
            *([row["deployment"]] if args.by_deployment else []),
            int(row["requests"]),
            f"{row['requests_per_min']:.1f}",
            f"{row['error_rate'] * 100:.1f}%",
            f"{row['latency_p50_ms']:.1f}",
            f"{row['latency_p95_ms']:.1f}",
        ]
        for _, row in frame.iterrows()
    ]
    headers = ["TIME (UTC)", *(["DEPLOYMENT"] if args.by_deployment else []), "REQUESTS"]
    print_table([*headers, "PER MIN", "ERRORS", "P50 MS", "P95 MS"], rows)
    return 0


def stop(args: argparse.Namespace) -> int:
    """Stop an endpoint."""
    endpoint = _manager(args.workspace).stop_endpoint(args.name)
    print(f"endpoint {endpoint.name!r} stopped (port {endpoint.port} stays reserved)")
    return 0


def start(args: argparse.Namespace) -> int:
    """Start an endpoint (or restart what died)."""
    endpoint = _manager(args.workspace).start_endpoint(args.name, _context(args))
    _report(endpoint, False, f"endpoint {endpoint.name!r} serves at {endpoint.scoring_uri}")
    return 0


def delete_endpoint(args: argparse.Namespace) -> int:
    """Delete an endpoint or one deployment."""
    from mlops_desktop.cli import endpoints_azure

    if endpoints_azure.is_azure_workspace(args.workspace):
        return endpoints_azure.delete_deployment(args)
    from mlops_desktop.promotion.serving_guard import planned_delete

    manager = _manager(args.workspace)
    before = manager.get_endpoint(args.name, probe=False)
    permit = _guard(args.workspace, planned_delete(before, args.deployment, origin="CLI"))
    if args.deployment:
        endpoint = manager.delete_deployment(args.name, args.deployment)
        permit.record(endpoint)
        _report(endpoint, False, f"deployment {args.deployment!r} deleted")
        return 0
    manager.delete_endpoint(args.name, keep_data=args.keep_data)
    permit.record(None)
    kept = " (collected data kept)" if args.keep_data else ""
    print(f"endpoint {args.name!r} deleted{kept}")
    return 0


def heal_endpoints(args: argparse.Namespace) -> int:
    """Restart what died of every running local endpoint (the app's watchdog, for a timer);
    exit status 1 when something could not be restarted."""
    from mlops_desktop.serving.heal import heal_endpoints as heal

    config = load_app_config()
    if args.workspace:
        config.workspace(args.workspace)  # an unknown name is an error, not "nothing to heal"
    reports = heal(config, workspace=args.workspace)
    from mlops_desktop.notify.outbox import record_heal_reports

    record_heal_reports(reports)  # sent to the notification targets after the command
    if args.json:
        print_json(to_jsonable(reports))
    else:
        for report in reports:
            for line in report.restarted:
                print(f"{report.workspace}: {line}")
            for line in report.failures:
                print(f"{report.workspace}: could not restart: {line}", file=sys.stderr)
        checked = sum(r.endpoints for r in reports)
        restarted = sum(len(r.restarted) for r in reports)
        print(f"{checked} endpoint(s) checked, {restarted} process(es) restarted")
    return 1 if any(r.failures for r in reports) else 0
