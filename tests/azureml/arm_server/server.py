"""The loopback HTTPS server that plays Azure Resource Manager for Azure ML workspaces.

stdlib ``http.server`` in a thread, TLS from :mod:`.tls`, tokens checked as ARM does
(:mod:`.auth`), Azure RBAC from the data set's role assignments, ``nextLink`` paging
(:mod:`.reads`), ``Azure-AsyncOperation`` long-running operations (:mod:`.operations`) and
injectable faults (429/5xx/slow answers).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import ssl
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .asset_writes import AssetWrites
from .auth import authenticate, forbidden, principal_name
from .dataset import Dataset, WorkspaceData, load_dataset
from .datastores import Datastores
from .deployments import ACTION as DEPLOY_ACTION
from .deployments import API_VERSIONS, DEPLOYMENT_RE, WORKSPACE_ACTION, TemplateDeployments
from .endpoint_writes import EndpointWrites
from .job_writes import JobWrites
from .operations import Operations
from .reads import Reader
from .registries import Registries
from .responses import Response, arm_error, mfe_error
from .routes import Route, parse_route
from .run_history import RunHistory, is_run_history_path
from .tls import STORAGE_SUFFIX, CertificateFiles

log = logging.getLogger("arm_server")


@dataclass
class Fault:
    """Make matching requests fail (``status``) and/or answer late (``delay`` seconds)."""

    path_regex: re.Pattern[str]
    method: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = 1  # None: every matching request
    delay: float = 0.0
    hits: int = 0


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server saw and what it answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    principal: str


class ArmTestServer:
    """Azure Resource Manager for Azure ML on ``https://127.0.0.1:PORT``.

    Use as a context manager, or :meth:`start`/:meth:`stop`. ``page_size`` sets how many items a
    list page holds (small values exercise ``nextLink``); ``lro_polls`` how many status polls a
    long-running operation stays ``InProgress``; ``lro_retry_after`` the seconds it asks pollers
    to wait.
    """

    def __init__(
        self,
        cert: CertificateFiles,
        dataset: Dataset | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 100,
        lro_polls: int = 2,
        lro_retry_after: int = 1,
    ) -> None:
        self.cert = cert
        self.dataset = dataset or load_dataset()
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._requests: list[RecordedRequest] = []
        self._unknown: list[str] = []
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.arm = self  # type: ignore[attr-defined]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert.cert), str(cert.key))
        # Handshake in the handler thread, so a stalled client never blocks accept().
        self._httpd.socket = context.wrap_socket(
            self._httpd.socket, server_side=True, do_handshake_on_connect=False
        )
        self._thread: threading.Thread | None = None
        variables = {
            "subscriptionId": self.dataset.subscription_id,
            "tenantId": self.dataset.tenant_id,
            "baseUrl": self.base_url,
        }
        self.reader = Reader(self.base_url, variables, page_size)
        self.operations = Operations(self.base_url, lro_polls, lro_retry_after, self._lock)
        self.endpoints = EndpointWrites(self.dataset, self.operations, self.reader)
        self.jobs = JobWrites(self.operations, self.reader)
        self.assets = AssetWrites(self.operations, self.reader)
        self.datastores = Datastores(self.reader)
        self.run_history = RunHistory(self.dataset, self.reader, self.jobs, self._unknown_route)
        self.template_deployments = TemplateDeployments(self.dataset)
        self.registries = Registries(
            self.dataset,
            self.base_url,
            self._unknown_route,
            lro_polls=lro_polls,
            lro_retry_after=lro_retry_after,
        )

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port it listens on."""
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:PORT``: ARM, Entra ID and Studio endpoints of the loopback cloud."""
        return f"https://127.0.0.1:{self.port}"

    def cloud_metadata(self) -> dict[str, str]:
        """azure-ai-ml ``cloud_metadata`` that sends every ARM call here."""
        base = self.base_url
        return {
            "azure_portal": base,
            "resource_manager": base + "/",
            "active_directory": base,
            "aml_resource_id": base,
            "storage_endpoint": STORAGE_SUFFIX,  # blob traffic: see tests/azureml/azurite.py
            "registry_discovery_endpoint": base,
        }

    def start(self) -> ArmTestServer:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="arm-test-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ArmTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test controls ---------------------------------------------------------------------

    def add_fault(
        self,
        path_regex: str,
        *,
        status: int | None = None,
        method: str | None = "GET",
        times: int | None = 1,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Fail and/or delay the next ``times`` requests whose path matches ``path_regex``."""
        fault = Fault(re.compile(path_regex, re.I), method, status, headers or {}, times, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far (a copy)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the request log (not the unknown routes)."""
        with self._lock:
            self._requests.clear()

    @property
    def unknown_routes(self) -> list[str]:
        """``METHOD path?api-version=…`` of every request outside the route table."""
        with self._lock:
            return list(self._unknown)

    # -- request handling ------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one request (called from the handler threads)."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        principal = ""
        fault = self._take_fault(method, parts.path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        scored = None if fault is not None else self.endpoints.score(parts.path, headers, body)
        if scored is None and fault is None:  # discovery and SAS log blobs: no token
            scored = self.run_history.anonymous(method, parts.path, query, headers)
        if fault is not None and fault.status is not None:
            response = _fault_response(fault)
        elif scored is not None:  # an endpoint's scoring URI: key auth, not ARM
            response = scored
        elif self.registries.handles(parts.path):  # registry discovery and MFE: own audiences
            response = self.registries.handle(method, parts.path, query, headers, body)
        else:
            claims, response = authenticate(
                headers.get("authorization", ""),
                tenant=self.dataset.tenant_id,
                base_url=self.base_url,
            )
            if claims is not None:
                principal = principal_name(claims)
                response = self._route(method, parts.path, query, claims, body)
        with self._lock:
            self._requests.append(
                RecordedRequest(method, parts.path, query, response.status, principal)
            )
        return response

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method not in (None, method) or not fault.path_regex.search(path):
                    continue
                if fault.times is not None and fault.hits >= fault.times:
                    continue
                fault.hits += 1
                return fault
        return None

    def _unknown_route(self, method: str, path: str, query: dict[str, str], why: str) -> None:
        entry = f"{method} {path}?api-version={query.get('api-version', '')}"
        with self._lock:
            self._unknown.append(entry)
        print(f"arm_server: UNKNOWN ROUTE ({why}): {entry}", file=sys.stderr, flush=True)

    def _route(
        self, method: str, path: str, query: dict[str, str], claims: dict[str, Any], body: bytes
    ) -> Response:
        if is_run_history_path(path):
            return self.run_history.route(method, path, query, claims)
        deployment = DEPLOYMENT_RE.match(path)
        if deployment is not None:
            return self._template_deployment(method, path, query, claims, body, deployment)
        route = parse_route(path)
        version = query.get("api-version", "")
        if route is None:
            self._unknown_route(method, path, query, "no such path")
            return Response(
                404, arm_error("InvalidResourceType", f"The resource type was not found: {path}")
            )
        if not version:
            return Response(
                400,
                arm_error(
                    "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.",
                ),
            )
        served = route.served_versions(method)
        if served is None or version not in served:
            self._unknown_route(method, path, query, "unmodelled route or api-version")
            listed = ", ".join(sorted(served or ()))
            return Response(
                400,
                arm_error(
                    "NoRegisteredProviderFound",
                    f"No registered resource provider found for API version '{version}' and type "
                    f"'{route.resource_type}'. The supported api-versions are '{listed}'.",
                ),
            )
        if route.subscription.lower() != self.dataset.subscription_id.lower():
            return Response(
                404,
                arm_error(
                    "SubscriptionNotFound",
                    f"The subscription '{route.subscription}' could not be found.",
                ),
            )
        if route.kind == "location":
            return self._location_route(method, route, query, claims)
        return self._workspace_route(method, route, query, claims, body)

    def _template_deployment(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        claims: dict[str, Any],
        body: bytes,
        match: re.Match[str],
    ) -> Response:
        if query.get("api-version") not in API_VERSIONS:
            self._unknown_route(method, path, query, "unmodelled api-version")
            return Response(
                400, arm_error("InvalidApiVersionParameter", "Unsupported api-version.")
            )
        scope = f"/subscriptions/{match['sub']}/resourceGroups/{match['rg']}"
        if method == "PUT":
            for action in (DEPLOY_ACTION, WORKSPACE_ACTION):
                if not self.dataset.is_allowed(str(claims.get("oid")), action, scope):
                    return forbidden(claims, action, scope)
        with self._lock:
            return self.template_deployments.handle(method, match, body, claims)

    def _location_route(
        self, method: str, route: Route, query: dict[str, str], claims: dict[str, Any]
    ) -> Response:
        if route.pattern != "usages":  # operation status: readable by whoever started it
            return self.operations.status(route.segments[1])
        scope = f"/subscriptions/{self.dataset.subscription_id}"
        action = route.action(method)
        if not self.dataset.is_allowed(str(claims.get("oid")), action, scope):
            return forbidden(claims, action, scope)
        usages = self.dataset.usages.get(route.location.lower(), [])
        return self.reader.usages(usages, route, query)

    def _workspace_route(
        self,
        method: str,
        route: Route,
        query: dict[str, str],
        claims: dict[str, Any],
        body: bytes,
    ) -> Response:
        ws = self.dataset.workspace(route.subscription, route.resource_group, route.workspace)
        if ws is None:
            return _missing_workspace(self.dataset, route)
        if route.pattern == "providers/*/permissions":
            return self._permissions(ws, route, claims)
        scope = ws.arm_id + "".join("/" + s for s in route.segments)
        action = route.action(method)
        if not self.dataset.is_allowed(str(claims.get("oid")), action, scope):
            return forbidden(claims, action, scope)
        if not route.segments:
            return Response(200, self.reader.present(ws, "", ws.resource))
        who = principal_name(claims)
        if route.pattern.startswith("datastores"):
            return self.datastores.handle(method, ws, route, query)
        if route.pattern == "onlineendpoints/*/deployments/*" and method == "PUT":
            return self.endpoints.put_deployment(
                ws, route.segments, body, who, query["api-version"]
            )
        if route.pattern == "onlineendpoints/*/deployments/*" and method == "DELETE":
            return self.endpoints.delete_deployment(ws, route.segments, query["api-version"])
        if route.pattern == "onlineendpoints/*/deployments/*/getlogs":
            return self.endpoints.get_logs(ws, route.segments, body)
        if route.pattern == "jobs/*" and method == "PUT":
            return self.jobs.put_job(ws, route.segments, body, who)
        if route.pattern in ("models/*/versions/*", "components/*/versions/*") and method == "PUT":
            return self.assets.put_version(ws, route.segments, body, who)
        if route.pattern == "schedules/*" and method == "PUT":
            return self.jobs.put_schedule(ws, route.segments, body, who, query["api-version"])
        if route.pattern == "jobs/*/cancel":
            return self.jobs.cancel(ws, route.segments, query["api-version"])
        if route.pattern == "models/*" and method == "PUT":
            return self.assets.put_container(ws, route.segments, body, who)
        if route.pattern == "onlineendpoints/*" and method == "DELETE":
            return self.endpoints.delete_endpoint(ws, route.segments, query["api-version"])
        if route.pattern == "onlineendpoints/*/listkeys":
            return self.endpoints.list_keys(ws, route.segments)
        if method == "PUT":
            return self.operations.put_endpoint(
                ws,
                route.segments[1],
                body,
                principal_name(claims),
                query["api-version"],
                self.reader.present,
            )
        if method == "POST":
            return self.reader.list_nodes(ws, route)
        if route.pattern == "jobs/*" and method == "GET":
            self.jobs.advance_on_read(ws, route.segments[1])
        if route.is_collection:
            return self.reader.list_collection(ws, route, query)
        return self.reader.get_item(ws, route)

    def _permissions(self, ws: WorkspaceData, route: Route, claims: dict[str, Any]) -> Response:
        # Anyone signed in may read their own effective permissions; no role means none listed.
        if route.segments[1].lower() != "microsoft.authorization":
            return Response(
                404,
                arm_error("InvalidResourceType", f"The resource type was not found: {route.path}"),
            )
        entries = self.dataset.permissions_for(str(claims.get("oid")), ws.arm_id)
        return Response(200, {"value": entries})


def _fault_response(fault: Fault) -> Response:
    status = int(fault.status or 500)
    if status == 429:
        body = arm_error(
            "TooManyRequests",
            "The request is being throttled as the limit has been reached for operation type - "
            "Read. Please retry after the number of seconds in Retry-After.",
        )
        return Response(status, body, {"Retry-After": "1", **fault.headers})
    body = mfe_error("SystemError", f"Loopback server fault: HTTP {status}.")
    return Response(status, body, dict(fault.headers))


def _missing_workspace(dataset: Dataset, route: Route) -> Response:
    if not dataset.has_resource_group(route.subscription, route.resource_group):
        return Response(
            404,
            arm_error(
                "ResourceGroupNotFound",
                f"Resource group '{route.resource_group}' could not be found.",
            ),
        )
    return Response(
        404,
        arm_error(
            "ResourceNotFound",
            f"The Resource 'Microsoft.MachineLearningServices/workspaces/{route.workspace}' under "
            f"resource group '{route.resource_group}' was not found. For more details please go "
            "to https://aka.ms/ARMResourceNotFoundFix",
        ),
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LoopbackARM/1.0"

    def _serve(self) -> None:
        arm: ArmTestServer = self.server.arm  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            response = arm.handle(self.command, self.path, headers, body)
        except Exception as exc:  # a bug in the server must show, not hang the client
            log.exception("arm_server: handler failed")
            response = Response(500, mfe_error("SystemError", f"loopback server bug: {exc!r}"))
        if isinstance(response.body, bytes):  # a blob or a storage error, sent as is
            payload = response.body
        else:
            payload = json.dumps(response.body).encode() if response.body is not None else b""
        content_type = response.headers.pop("Content-Type", "application/json; charset=utf-8")
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-ms-request-id", uuid.uuid4().hex)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True  # the client gave up (timeout tests)

    do_GET = _serve
    do_PUT = _serve
    do_PATCH = _serve
    do_DELETE = _serve
    do_POST = _serve

    def handle(self) -> None:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError, ssl.SSLError, TimeoutError):
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)
