"""The Qt-free API of local endpoints that the GUI, the CLI and the promotion workflow call.

An endpoint is a router process on a stable 127.0.0.1 port plus one deployment process per
served model version; all of them run detached, so they outlive the app. Their state lives in
``<workspace data dir>/endpoints/<name>/endpoint.json`` (see :mod:`.layout`); a new
:class:`EndpointManager` reads it back and :meth:`EndpointManager.reattach` restarts whatever died.
Every method that changes an endpoint holds the endpoint's file lock, so the GUI and CLI
commands can act at the same time.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.core import paths
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import Conflict, InvalidInput, MlopsError, NotFound, Unavailable
from mlops_desktop.core.files import ProcessLock
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.serving import http_client, processes, router_control, run_files, supervisor
from mlops_desktop.serving.entities import (
    Deployment,
    DeploymentStatus,
    Endpoint,
    EndpointStatus,
    InvocationResult,
    ReattachReport,
)
from mlops_desktop.serving.launchers import Launcher, default_launcher
from mlops_desktop.serving.layout import EndpointLayout, check_deployment_name, check_endpoint_name
from mlops_desktop.serving.model_cache import BackendFactory, ModelCache, input_example
from mlops_desktop.serving.protocol import (
    CLIENT_REQUEST_ID_HEADER,
    DEPLOYMENT_HEADER,
    REQUEST_ID_HEADER,
)
from mlops_desktop.serving.state import (
    DeploymentRecord,
    EndpointRecord,
    load_record,
    locked,
    save_record,
)
from mlops_desktop.serving.traffic import redistribute, validate_traffic

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_DEPLOYMENT = "blue"
#: Ports tried, in order, for an endpoint created without ``port``.
DEFAULT_PORT_RANGE = range(5001, 6000)
#: Overrides the fork host's folder (CI and tests share one warm host across app homes).
HOST_DIR_ENV = "MLOPS_DESKTOP_SERVING_HOST_DIR"


def default_host_dir() -> Path:
    """Folder of the fork host shared by every endpoint of this app home."""
    override = os.environ.get(HOST_DIR_ENV, "").strip()
    return Path(override).expanduser() if override else paths.data_dir() / "serving-host"


def endpoints_dir(workspace: WorkspaceConfig) -> Path:
    """Folder holding a workspace's endpoints."""
    return paths.local_workspace_dir(workspace.name) / "endpoints"


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


class EndpointManager:
    """Create, change, call and observe the local endpoints of one workspace."""

    #: Requests are collected (canary steps read them; see promotion.canary).
    collects_requests = True
    #: Shortest deployment name allowed (Azure ML's counterpart wants 3).
    min_deployment_name_length = 1

    def __init__(
        self,
        workspace: WorkspaceConfig,
        *,
        root: Path | None = None,
        host_dir: Path | None = None,
        launcher: Launcher | None = None,
        backend_factory: BackendFactory | None = None,
    ) -> None:
        self.workspace = workspace
        self.root = root or endpoints_dir(workspace)
        self.launcher = launcher or default_launcher(host_dir or default_host_dir())
        self.models = ModelCache(workspace, backend_factory)

    # -- reading ---------------------------------------------------------------------------

    def _layout(self, name: str) -> EndpointLayout:
        return EndpointLayout(self.root / check_endpoint_name(name))

    def _load(self, name: str) -> tuple[EndpointLayout, EndpointRecord]:
        layout = self._layout(name)
        try:
            return layout, load_record(layout)
        except NotFound:
            raise NotFound(
                f"workspace {self.workspace.name!r} has no endpoint named {name!r}",
                hint="see `mlops-desktop endpoints list`",
            ) from None

    def _records(self) -> list[tuple[EndpointLayout, EndpointRecord]]:
        found: list[tuple[EndpointLayout, EndpointRecord]] = []
        if not self.root.is_dir():
            return found
        for folder in sorted(self.root.iterdir()):
            layout = EndpointLayout(folder)
            if layout.state_file.is_file():
                try:
                    found.append((layout, load_record(layout)))
                except MlopsError:
                    continue
        return found

    def list_endpoints(self, *, probe: bool = True) -> list[Endpoint]:
        """Every endpoint of the workspace; ``probe`` pings deployments for their health."""
        return [self._describe(layout, record, probe) for layout, record in self._records()]

    def get_endpoint(self, name: str, *, probe: bool = True) -> Endpoint:
        """One endpoint with its deployments' status."""
        layout, record = self._load(name)
        return self._describe(layout, record, probe)

    def _describe(self, layout: EndpointLayout, record: EndpointRecord, probe: bool) -> Endpoint:
        deployments = []
        for d in record.deployments:
            if record.stopped:
                status = DeploymentStatus.STOPPED
            elif not processes.is_alive(d.process):
                status = DeploymentStatus.DEAD
            elif probe and not http_client.answers(d.port):
                status = DeploymentStatus.UNHEALTHY
            else:
                status = DeploymentStatus.HEALTHY
            deployments.append(
                Deployment(
                    name=d.name,
                    registered_model=d.registered_model,
                    version=d.version,
                    traffic=d.traffic,
                    mirror=d.mirror,
                    status=status,
                    port=d.port if status is not DeploymentStatus.STOPPED else None,
                    pid=d.process.pid if d.process else None,
                    model_dir=layout.directory / d.model_dir,
                    created_at=_parse_time(d.created_at),
                )
            )
        router_alive = processes.is_alive(record.router)
        if record.stopped:
            endpoint_status = EndpointStatus.STOPPED
        elif not router_alive:
            endpoint_status = EndpointStatus.DEAD
        elif any(d.status is not DeploymentStatus.HEALTHY for d in deployments):
            endpoint_status = EndpointStatus.DEGRADED
        else:
            endpoint_status = EndpointStatus.RUNNING
        return Endpoint(
            name=record.name,
            workspace=record.workspace,
            port=record.port,
            status=endpoint_status,
            deployments=tuple(deployments),
            router_pid=record.router.pid if router_alive and record.router else None,
            directory=layout.directory,
            created_at=_parse_time(record.created_at),
        )

    # -- creating --------------------------------------------------------------------------

    def _choose_port(self, port: int | None) -> int:
        used = {record.port: record.name for _, record in self._records()}
        if port is None:
            for candidate in DEFAULT_PORT_RANGE:
                if candidate not in used and http_client.port_is_free(candidate):
                    return candidate
            return http_client.free_port()
        if not 1024 <= port <= 65535:
            raise InvalidInput(f"port {port} must be between 1024 and 65535")
        if port in used:
            raise Conflict(f"port {port} belongs to endpoint {used[port]!r}")
        if not http_client.port_is_free(port):
            raise Conflict(f"port {port} on 127.0.0.1 is in use", hint="choose another --port")
        return port

    def _new_deployment(
        self, layout: EndpointLayout, name: str, model: str, version: str, ctx: TaskContext
    ) -> DeploymentRecord:
        ctx.progress(0, 3, f"resolving {model} version {version}")
        resolved = self.models.resolve_version(model, version)
        ctx.progress(1, 3, f"fetching {model} version {resolved}")
        cached = self.models.fetch(layout, model, resolved)
        ctx.progress(2, 3, f"starting deployment {name!r}")
        launched = self.launcher.launch(
            cached.directory, layout.deployment_log(name), layout.run_dir
        )
        return DeploymentRecord(
            name=name,
            registered_model=model,
            version=resolved,
            model_dir=os.path.relpath(cached.directory, layout.directory),
            port=launched.port,
            process=launched.process,
        )

    def create_endpoint(
        self,
        name: str,
        *,
        model: str,
        version: str,
        deployment: str = DEFAULT_DEPLOYMENT,
        port: int | None = None,
        ctx: TaskContext | None = None,
    ) -> Endpoint:
        """Create an endpoint serving one model version (100 % of traffic) on a stable port.

        ``version`` may be an alias (``champion``); the deployment records the number.
        """
        ctx = ctx or TaskContext()
        layout = self._layout(name)
        check_deployment_name(deployment)
        with locked(self.root / ".lock"):
            if layout.state_file.exists():
                raise Conflict(
                    f"endpoint {name!r} already exists in workspace {self.workspace.name!r}",
                    hint="choose another name, or add a deployment to it with `endpoints deploy`",
                )
            record = EndpointRecord(name, self.workspace.name, self._choose_port(port))
            save_record(layout, record)  # claims the name and the port
        with locked(layout.lock_file):
            try:
                created = self._new_deployment(layout, deployment, model, version, ctx)
                created.traffic = 100
                record.deployments.append(created)
                if port is None and not http_client.port_is_free(record.port):
                    # Loading the model took a while and someone else took the port meanwhile;
                    # the person asked for no port in particular, so take another free one.
                    with locked(self.root / ".lock"):
                        record.port = self._choose_port(None)
                        save_record(layout, record)
                router_control.start_router(layout, record)
                self._ensure_supervisor(layout, record)
            except BaseException:
                self._discard(layout, record)
                raise
        ctx.progress(3, 3, f"endpoint {name!r} ready")
        return self._describe(layout, record, probe=False)

    def _discard(self, layout: EndpointLayout, record: EndpointRecord) -> None:
        """Undo a failed creation: stop its processes, drop its files (collected data stays)."""
        self._stop_processes(layout, record)
        layout.state_file.unlink(missing_ok=True)
        shutil.rmtree(layout.models_dir, ignore_errors=True)

    def add_deployment(
        self,
        name: str,
        deployment: str,
        *,
        model: str,
        version: str,
        traffic: int = 0,
        ctx: TaskContext | None = None,
    ) -> Endpoint:
        """Add a deployment (blue/green). With ``traffic`` > 0 it takes that share at once and
        the others are scaled to the rest; otherwise it starts at 0 % (call it by header)."""
        ctx = ctx or TaskContext()
        check_deployment_name(deployment)
        layout, _ = self._load(name)
        with locked(layout.lock_file):
            record = load_record(layout)
            if record.stopped:
                raise Conflict(f"endpoint {name!r} is stopped", hint="start it first")
            if any(d.name == deployment for d in record.deployments):
                raise Conflict(f"endpoint {name!r} already has a deployment {deployment!r}")
            split = redistribute(record.traffic, deployment, traffic)
            validate_traffic(split, split, record.mirror)
            self._stop_strays(layout, record)
            created = self._new_deployment(layout, deployment, model, version, ctx)
            try:
                record.deployments.append(created)
                live, _ = validate_traffic(list(split), split, record.mirror)
                for d in record.deployments:
                    d.traffic = live[d.name]
                router_control.apply_state(layout, record)
            except BaseException:
                processes.terminate(created.process)
                raise
        ctx.progress(3, 3, f"deployment {deployment!r} ready")
        return self._describe(layout, record, probe=False)

    # -- changing --------------------------------------------------------------------------

    def set_traffic(
        self,
        name: str,
        traffic: Mapping[str, int] | None = None,
        mirror: Mapping[str, int] | None = None,
    ) -> Endpoint:
        """Set live weights (must sum to 100) and/or the mirror (``{}`` clears it).

        Deployments not named get 0 % live traffic; ``None`` keeps the current value. Returns
        once the router routes by the new split.
        """
        layout, _ = self._load(name)
        with locked(layout.lock_file):
            record = load_record(layout)
            live, mirrored = validate_traffic(
                [d.name for d in record.deployments],
                record.traffic if traffic is None else traffic,
                record.mirror if mirror is None else mirror,
            )
            for d in record.deployments:
                d.traffic = live[d.name]
                d.mirror = mirrored.get(d.name, 0)
            router_control.apply_state(layout, record)
        return self._describe(layout, record, probe=False)

    def delete_deployment(self, name: str, deployment: str) -> Endpoint:
        """Remove a deployment that takes no live traffic (or the endpoint's last one)."""
        layout, _ = self._load(name)
        with locked(layout.lock_file):
            record = load_record(layout)
            target = record.deployment(deployment)
            others = [d for d in record.deployments if d is not target]
            if target.traffic and others:
                rest = " ".join(f"{d.name}={100 if i == 0 else 0}" for i, d in enumerate(others))
                raise Conflict(
                    f"deployment {deployment!r} takes {target.traffic}% of live traffic",
                    hint=f"move its traffic first: mlops-desktop endpoints traffic {name} "
                    f"-w {self.workspace.name} {rest}",
                )
            record.deployments.remove(target)
            router_control.apply_state(layout, record)
            processes.terminate(target.process)
            self._stop_strays(layout, record)
            if not any(d.model_dir == target.model_dir for d in record.deployments):
                shutil.rmtree(layout.directory / target.model_dir, ignore_errors=True)
        return self._describe(layout, record, probe=False)

    def delete_endpoint(self, name: str, *, keep_data: bool = False) -> None:
        """Stop an endpoint and delete its files (``keep_data`` keeps the collected data)."""
        layout, _ = self._load(name)
        with locked(layout.lock_file):
            record = load_record(layout)
            self._stop_processes(layout, record)
            if not keep_data:
                shutil.rmtree(layout.directory, ignore_errors=True)
                return
            for child in layout.directory.iterdir():
                if child == layout.collected_dir:
                    continue
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)

    def _stop_processes(self, layout: EndpointLayout, record: EndpointRecord) -> None:
        # The supervisor first, or it would restart the others as they stop.
        processes.terminate(record.supervisor)
        record.supervisor = None
        router_control.stop_router(record)
        for deployment in record.deployments:
            processes.terminate(deployment.process)
            deployment.process = None
            deployment.port = None
        self._stop_strays(layout, record)

    def _stop_strays(self, layout: EndpointLayout, record: EndpointRecord) -> list[str]:
        """Stop the endpoint's processes that announced themselves but that the state does not
        list (a crash came between their start and their record); the caller holds the lock,
        so no launch is under way. Returns "deployment blue (pid 123)"-like descriptions."""
        listed = record.processes()
        stopped = []
        for found in run_files.announced(layout.run_dir):
            if any(found.process.same_as(p) for p in listed):
                continue
            if processes.is_alive(found.process):
                processes.terminate(found.process)
                stopped.append(f"{found.role} {found.name} (pid {found.process.pid})")
            found.path.unlink(missing_ok=True)
        return stopped

    def stop_strays(self) -> list[str]:
        """Stop, in every endpoint of the workspace, the processes its state does not list.

        What a crash between a process's start and its record left running; promotion
        recovery calls it. Returns "endpoint: deployment blue (pid 123)"-like descriptions.
        """
        stopped: list[str] = []
        for layout, _ in self._records():
            try:
                with locked(layout.lock_file):
                    record = load_record(layout)
                    stopped.extend(f"{record.name}: {s}" for s in self._stop_strays(layout, record))
            except NotFound:
                continue
        return stopped

    def _ensure_supervisor(self, layout: EndpointLayout, record: EndpointRecord) -> bool:
        """Start the endpoint's supervisor unless it runs (caller holds the lock); True when
        one was started. Nothing happens when supervisors are turned off."""
        if processes.is_alive(record.supervisor) or not supervisor.enabled():
            return False
        config = supervisor.config_for(self.workspace, self.launcher)
        layout.supervisor_config.write_text(json.dumps(config), encoding="utf-8")
        pid = processes.start_detached(
            processes.python_command("mlops_desktop.serving.supervisor", str(layout.directory)),
            layout.supervisor_log,
        )
        record.supervisor = processes.record_of(pid)
        save_record(layout, record)
        return True

    def stop_endpoint(self, name: str) -> Endpoint:
        """Stop the router (flushing collected data) and deployments; re-attach leaves it."""
        layout, _ = self._load(name)
        with locked(layout.lock_file):
            record = load_record(layout)
            self._stop_processes(layout, record)
            record.stopped = True
            save_record(layout, record)
        return self._describe(layout, record, probe=False)

    def start_endpoint(self, name: str, ctx: TaskContext | None = None) -> Endpoint:
        """Start a stopped endpoint again on its port (models come from the cache).

        When it cannot start (its port is taken, say), whatever it started is stopped again
        and the endpoint stays stopped.
        """
        layout, _ = self._load(name)
        with locked(layout.lock_file):
            record = load_record(layout)
            was_stopped = record.stopped
            if was_stopped and not processes.is_alive(record.router):
                router_control.check_port_free(record)  # before starting anything
            record.stopped = False
            try:
                self._revive(layout, record, ctx or TaskContext())
            except BaseException:
                if was_stopped:
                    self._stop_processes(layout, record)
                    record.stopped = True
                    save_record(layout, record)
                raise
        return self._describe(layout, record, probe=False)

    def _revive(self, layout: EndpointLayout, record: EndpointRecord, ctx: TaskContext) -> Revived:
        """Restart dead deployments, a dead router and a dead supervisor, and stop strays
        (the caller holds the lock); returns what it did."""
        revived = Revived(strays=self._stop_strays(layout, record))
        for d in record.deployments:
            ctx.check()
            if processes.is_alive(d.process):
                continue
            model_dir = self.models.ensure_cached(layout, d.registered_model, d.version)
            launched = self.launcher.launch(
                model_dir, layout.deployment_log(d.name), layout.run_dir
            )
            d.port, d.process = launched.port, launched.process
            d.model_dir = os.path.relpath(model_dir, layout.directory)
            save_record(layout, record)  # recorded at once: a crash now leaves no stranger
            revived.deployments.append(d.name)
        if not processes.is_alive(record.router):
            router_control.start_router(layout, record)
            revived.router = True
        elif revived.deployments:
            router_control.apply_state(layout, record)
        revived.supervisor = self._ensure_supervisor(layout, record)
        return revived

    def try_revive(self, name: str) -> list[str]:
        """Restart what died of a running endpoint if its lock is free at once (the
        supervisor's round); returns "deployment blue"-like names of what was restarted."""
        layout = self._layout(name)
        lock = ProcessLock(layout.lock_file)
        if not lock.acquire():
            return []
        try:
            record = load_record(layout)
            if record.stopped:
                return []
            revived = self._revive(layout, record, TaskContext())
        finally:
            lock.release()
        return [f"deployment {d}" for d in revived.deployments] + (
            ["router"] if revived.router else []
        )

    def reattach(self, ctx: TaskContext | None = None, *, probe: bool = True) -> ReattachReport:
        """Find the endpoints left running and restart what died (stopped ones stay stopped);
        ``probe=False`` skips pinging the deployments for the report (the periodic watchdog)."""
        ctx = ctx or TaskContext()
        routers: list[str] = []
        deployments: list[str] = []
        supervisors: list[str] = []
        strays: list[str] = []
        failures: list[str] = []
        found = self._records()
        for n, (layout, stored) in enumerate(found):
            ctx.progress(n, len(found), f"checking endpoint {stored.name!r}")
            if stored.stopped or not layout.state_file.is_file():
                continue
            try:
                with locked(layout.lock_file):
                    record = load_record(layout)
                    if record.stopped:  # stopped since listed (the watchdog runs beside others)
                        continue
                    revived = self._revive(layout, record, ctx)
            except NotFound:
                continue  # deleted since listed
            except MlopsError as exc:
                failures.append(f"{stored.name}: {exc}")
                continue
            if revived.router:
                routers.append(record.name)
            if revived.supervisor:
                supervisors.append(record.name)
            deployments.extend(f"{record.name}/{d}" for d in revived.deployments)
            strays.extend(f"{record.name}: {s}" for s in revived.strays)
        ctx.progress(len(found), len(found), "endpoints checked")
        return ReattachReport(
            endpoints=tuple(self.list_endpoints(probe=probe)),
            restarted_routers=tuple(routers),
            restarted_deployments=tuple(deployments),
            restarted_supervisors=tuple(supervisors),
            stopped_strays=tuple(strays),
            failures=tuple(failures),
        )

    # -- using -----------------------------------------------------------------------------

    def input_example(self, name: str, deployment: str | None = None) -> bytes:
        """The logged input example of a deployment's model (default: the busiest one)."""
        layout, record = self._load(name)
        if not record.deployments:
            raise NotFound(f"endpoint {name!r} has no deployments")
        chosen = (
            record.deployment(deployment)
            if deployment
            else max(record.deployments, key=lambda d: d.traffic)
        )
        return input_example(layout.directory / chosen.model_dir)

    def invoke(
        self,
        name: str,
        payload: Any = None,
        *,
        deployment: str | None = None,
        content_type: str = "application/json",
        client_request_id: str | None = None,
        timeout: float = 30.0,
    ) -> InvocationResult:
        """Score through the endpoint's router; error answers are returned, not raised.

        ``payload``: bytes/str as sent, a dict/list sent as JSON, a pandas DataFrame sent as
        ``dataframe_split``, or None for the model's input example. ``deployment`` targets
        one deployment by header.
        """
        _, record = self._load(name)
        body = self._body(name, payload, deployment)
        headers = {"Content-Type": content_type}
        if deployment:
            headers[DEPLOYMENT_HEADER] = deployment
        if client_request_id:
            headers[CLIENT_REQUEST_ID_HEADER] = client_request_id
        started = time.perf_counter()
        try:
            response = http_client.request(
                record.port, "POST", "/invocations", body=body, headers=headers, timeout=timeout
            )
        except OSError as exc:
            raise Unavailable(
                f"endpoint {name!r} does not answer on 127.0.0.1:{record.port}: {exc}",
                hint=f"start it: mlops-desktop endpoints start {name} -w {self.workspace.name}",
            ) from exc
        elapsed = (time.perf_counter() - started) * 1000.0
        return InvocationResult(
            status=response.status,
            deployment=response.headers.get(DEPLOYMENT_HEADER, ""),
            request_id=response.headers.get(REQUEST_ID_HEADER, ""),
            body=response.body,
            content_type=response.headers.get("content-type", ""),
            latency_ms=elapsed,
        )

    def _body(self, name: str, payload: Any, deployment: str | None) -> bytes:
        if payload is None:
            return self.input_example(name, deployment)
        if isinstance(payload, bytes):
            return payload
        if isinstance(payload, str):
            return payload.encode("utf-8")
        if hasattr(payload, "to_json") and hasattr(payload, "columns"):  # a pandas DataFrame
            return _dataframe_split(payload)
        if isinstance(payload, dict | list):
            return json.dumps(payload).encode()
        raise InvalidInput(f"cannot send a {type(payload).__name__} to an endpoint")

    def collected_requests(
        self, name: str, since: datetime | None = None, until: datetime | None = None
    ) -> pd.DataFrame:
        """Collected requests as stored: one row per request (and per mirrored copy)."""
        from mlops_desktop.serving.collected import read_requests

        return read_requests(self._layout(name).collected_dir, since, until)

    def collected_data(
        self,
        name: str,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        include_mirrored: bool = False,
    ) -> pd.DataFrame:
        """Scored inputs and outputs, one row per input row, with ``timestamp`` (for drift)."""
        from mlops_desktop.serving.collected import inputs_and_outputs

        requests = self.collected_requests(name, since, until)
        return inputs_and_outputs(requests, include_mirrored=include_mirrored)

    def telemetry(
        self,
        name: str,
        window: timedelta = timedelta(hours=1),
        *,
        bucket: timedelta = timedelta(minutes=1),
        by_deployment: bool = False,
        now: datetime | None = None,
    ) -> pd.DataFrame:
        """Requests/min, error rate and latency p50/p95 per ``bucket`` over the last ``window``."""
        from mlops_desktop.serving.collected import read_requests
        from mlops_desktop.serving.telemetry import NEEDED_COLUMNS, compute_telemetry

        end = now or datetime.now(UTC)
        start = end - window
        requests = read_requests(
            self._layout(name).collected_dir, start, end, columns=NEEDED_COLUMNS
        )
        return compute_telemetry(
            requests, bucket=bucket, start=start, end=end, by_deployment=by_deployment
        )


@dataclass
class Revived:
    """What :meth:`EndpointManager._revive` did to one endpoint."""

    deployments: list[str] = field(default_factory=list)
    router: bool = False
    supervisor: bool = False
    strays: list[str] = field(default_factory=list)


def _dataframe_split(frame: Any) -> bytes:
    """``dataframe_split`` JSON with floats exactly as they are.

    ``DataFrame.to_json`` rounds to at most 15 significant digits, which moves values at the
    edge of the training range out of bounds in the collected data; Python's ``json`` writes
    the shortest repr that round-trips. Missing values become ``null``.
    """
    import math

    def cell(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if hasattr(value, "item"):  # numpy scalar
            return cell(value.item())
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    rows = [[cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    body = {"dataframe_split": {"columns": [str(c) for c in frame.columns], "data": rows}}
    return json.dumps(body, allow_nan=False).encode()
