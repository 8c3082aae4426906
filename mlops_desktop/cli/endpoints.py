"""``mlops-desktop endpoints list|create|deploy|create-deployment|traffic|invoke|logs|…``.

One module for every kind of workspace: each command asks the workspace's endpoints port
(:func:`~mlops_desktop.ports.provider.open_endpoints`) and prints what it answers; what differs
between local endpoints and Azure ML managed online endpoints comes from the port's declared
traits. Local endpoints run detached: they keep serving after the command exits. Every change
of what an endpoint serves (create, deploy, traffic, delete) is checked against the stage's
policy first and audited (:mod:`mlops_desktop.promotion.serving_guard`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_desktop.cli.output import load_app_config, print_json, print_table, progress_printer
from mlops_desktop.core.errors import InvalidInput, MlopsError
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.ports.endpoints import Endpoints
    from mlops_desktop.serving.entities import Deployment, Endpoint


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

    _register_managed_commands(commands)

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


def _register_managed_commands(commands: argparse._SubParsersAction) -> None:
    """``create-deployment`` and ``logs``: endpoints on managed instances (Azure ML)."""
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
    create.set_defaults(handler=create_deployment)

    logs = commands.add_parser("logs", help="Azure ML: the last lines of a deployment's log")
    logs.add_argument("name", help="endpoint name")
    _workspace(logs)
    logs.add_argument("--deployment", "-d", required=True)
    logs.add_argument("--lines", type=int, default=100, help="how many lines (100)")
    logs.add_argument("--container", choices=["inference-server", "storage-initializer"])
    logs.set_defaults(handler=show_logs)


def _workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", "-w", required=True, help="workspace of the endpoint")


def _model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", required=True, help="registered model name")
    parser.add_argument(
        "--version", "-v", required=True, help="model version, or an alias such as champion"
    )


@contextmanager
def _endpoints(workspace: str) -> Iterator[Endpoints]:
    """The endpoints port of the configured workspace ``workspace``, closed after."""
    from mlops_desktop.ports.provider import open_endpoints

    port = open_endpoints(load_app_config().workspace(workspace))
    try:
        yield port
    finally:
        port.close()


def _deployment_row(endpoint: Endpoint, deployment: Deployment | None) -> list[str]:
    head = [endpoint.name, endpoint.workspace, endpoint.url, endpoint.state_text]
    if deployment is None:
        return [*head, "-", "", "", "", ""]
    d = deployment
    mirror = f"{d.mirror}%" if d.mirror else ""
    return [*head, d.name, d.model_text, f"{d.traffic}%", mirror, d.state_text]


def _print_endpoints(endpoints: list[Endpoint], as_json: bool) -> None:
    if as_json:
        print_json([e.listing_json() for e in endpoints])
        return
    if not endpoints:
        print("no endpoints")
        return
    rows = [_deployment_row(e, d) for e in endpoints for d in (e.deployments or (None,))]
    headers = ["ENDPOINT", "WORKSPACE", "URL", "STATUS", "DEPLOYMENT", "MODEL", "TRAFFIC"]
    print_table([*headers, "MIRROR", "HEALTH"], rows)


def _print_instances(endpoint: Endpoint) -> None:
    """The deployments of an endpoint on managed instances, with their VM size and count."""
    rows = [
        [
            d.name,
            d.state_text,
            d.model_text,
            f"{d.traffic}%",
            f"{d.mirror}%" if d.mirror else "",
            d.instances.replace(" × ", " x"),
        ]
        for d in endpoint.deployments
    ]
    print_table(["DEPLOYMENT", "STATE", "MODEL", "TRAFFIC", "MIRROR", "INSTANCES"], rows)


def _report(endpoint: Endpoint, as_json: bool, message: str) -> None:
    """An endpoint after a change: as JSON, or ``message`` and its deployments."""
    if as_json:
        print_json(endpoint.to_json())
        return
    print(message)
    if endpoint.traits.managed_instances:
        _print_instances(endpoint)
    else:
        _print_endpoints([endpoint], False)


def list_endpoints(args: argparse.Namespace) -> int:
    """List endpoints of one or every workspace, with deployments and health.

    A workspace that cannot be read is named on stderr and the others are still listed; the
    exit status is then 2, in text and JSON alike.
    """
    from mlops_desktop.ports.provider import open_endpoints

    config = load_app_config()
    workspaces = [config.workspace(args.workspace)] if args.workspace else config.workspaces
    endpoints: list[Endpoint] = []
    failed: list[str] = []
    for ws in workspaces:
        try:
            port = open_endpoints(ws)
            try:
                endpoints.extend(port.list_endpoints())
            finally:
                port.close()
        except MlopsError as exc:
            print(f"{ws.name}: {exc.message}", file=sys.stderr)
            failed.append(ws.name)
    _print_endpoints(endpoints, args.json)
    return 2 if failed else 0


def _context(args: argparse.Namespace) -> TaskContext:
    return TaskContext(progress_printer(quiet=getattr(args, "json", False)))


def create_endpoint(args: argparse.Namespace) -> int:
    """Create an endpoint with its first deployment (the stage's policy checked, audited)."""
    with _endpoints(args.workspace) as port:
        endpoint = port.create_endpoint(
            args.name,
            model=args.model,
            version=args.version,
            deployment=args.deployment,
            port=args.port,
            ctx=_context(args),
            origin="CLI",
        )
    _report(endpoint, args.json, f"endpoint {endpoint.name!r} serves at {endpoint.scoring_uri}")
    return 0


def deploy_model(args: argparse.Namespace) -> int:
    """Add a deployment to an endpoint (the stage's policy checked, audited)."""
    with _endpoints(args.workspace) as port:
        endpoint = port.deploy_version(
            args.name,
            args.deployment,
            model=args.model,
            version=args.version,
            traffic=args.traffic,
            ctx=_context(args),
            origin="CLI",
        )
    _report(endpoint, args.json, f"deployment {args.deployment!r} added to {endpoint.name!r}")
    return 0


def create_deployment(args: argparse.Namespace) -> int:
    """Deploy a model version (or alias) on managed instances behind an endpoint at 0 %
    traffic (permission and the stage's policy checked, audited)."""
    with _endpoints(args.workspace) as port:
        endpoint = port.deploy_version(
            args.name,
            args.deployment,
            model=args.model,
            version=args.version,
            instance_type=args.instance_type,
            instance_count=args.instance_count,
            ctx=_context(args),
            origin="CLI",
        )
    version = endpoint.deployment(args.deployment).version
    _report(
        endpoint,
        args.json,
        f"deployment {args.deployment!r} of {args.model} v{version} created in {args.name!r} "
        "(0 % traffic; shift it with `endpoints traffic`)",
    )
    return 0


def set_traffic(args: argparse.Namespace) -> int:
    """Set the traffic split and/or the mirror (the stage's policy checked, audited)."""
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
    with _endpoints(args.workspace) as port:
        endpoint = port.set_traffic(args.name, weights, mirror, ctx=_context(args), origin="CLI")
    split = " ".join(f"{k}={v}" for k, v in endpoint.stated_traffic.items())
    mirrored = " ".join(f"{k}={v}" for k, v in endpoint.stated_mirror.items()) or "none"
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
    with _endpoints(args.workspace) as port:
        traits = port.traits
        if not args.data and not traits.reads_input_example:
            raise InvalidInput(
                f"{traits.label} endpoints need a request body",
                hint=f"give --data request.json, e.g. {_TEMPLATE_HINT}",
            )
        body = _read_data(args.data)
        if traits.json_requests and body is not None:
            try:
                json.loads(body)
            except ValueError as exc:
                raise InvalidInput(f"{args.data} is not JSON: {exc}") from None
        result = port.invoke(
            args.name,
            body,
            deployment=args.deployment,
            content_type=args.content_type,
            timeout=args.timeout,
        )
    if not result.ok:
        where = f" from deployment {result.deployment!r}" if result.deployment else ""
        print(f"error: HTTP {result.status}{where}: {result.message}", file=sys.stderr)
        return 2
    sys.stdout.write(result.body.decode("utf-8", errors="replace").rstrip("\n") + "\n")
    if traits.collects_requests:  # the request id finds it among the collected requests
        print(
            f"deployment {result.deployment}, {result.latency_ms:.1f} ms, "
            f"request {result.request_id}",
            file=sys.stderr,
        )
    return 0


#: The shape of a request to a service that takes JSON only (for the hint).
_TEMPLATE_HINT = '{"input_data": {"columns": [...], "data": [[...]]}}'


def show_telemetry(args: argparse.Namespace) -> int:
    """Print requests/min, error rate and latency per time bucket."""
    if args.window <= 0 or args.bucket <= 0:
        raise InvalidInput("--window and --bucket must be positive minutes")
    with _endpoints(args.workspace) as port:
        frame = port.telemetry(
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


def show_logs(args: argparse.Namespace) -> int:
    """Print the last lines of a deployment's container log."""
    with _endpoints(args.workspace) as port:
        text = port.logs(
            args.name, args.deployment, lines=args.lines, container=args.container or ""
        )
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    return 0


def stop(args: argparse.Namespace) -> int:
    """Stop an endpoint."""
    with _endpoints(args.workspace) as port:
        endpoint = port.stop_endpoint(args.name)
    print(f"endpoint {endpoint.name!r} stopped (port {endpoint.port} stays reserved)")
    return 0


def start(args: argparse.Namespace) -> int:
    """Start an endpoint (or restart what died)."""
    with _endpoints(args.workspace) as port:
        endpoint = port.start_endpoint(args.name, _context(args))
    _report(endpoint, False, f"endpoint {endpoint.name!r} serves at {endpoint.scoring_uri}")
    return 0


def delete_endpoint(args: argparse.Namespace) -> int:
    """Delete an endpoint or one deployment (the stage's policy checked, audited)."""
    with _endpoints(args.workspace) as port:
        if args.deployment:
            ctx = TaskContext(progress_printer())
            endpoint = port.delete_deployment(args.name, args.deployment, ctx=ctx, origin="CLI")
            _report(endpoint, False, f"deployment {args.deployment!r} deleted")
            return 0
        port.delete_endpoint(args.name, keep_data=args.keep_data, origin="CLI")
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
