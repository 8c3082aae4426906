"""The endpoint router: one asyncio process on the endpoint's stable port.

It splits live traffic by weight, honours the ``azureml-model-deployment`` header, mirrors a
share of traffic to one deployment (the mirrored answer is discarded, but collected), and
collects every request (written ahead before it is answered, see :mod:`.collector`). A
request a deployment cannot take (it is dead or restarting) goes to another deployment taking
live traffic — scoring is idempotent — and the dead one is left out of the split until it
answers a health check or is replaced; when none can be reached, the request waits up to
:data:`HOLD_SECONDS` for one to be restarted before it gets 502. Request bodies are
forwarded as raw bytes over pooled keep-alive connections; nothing on the hot path parses
JSON.

Routes: ``POST /invocations`` (and ``/score``), ``GET /ping`` / ``/health`` (200 while a
deployment taking live traffic is healthy), ``GET /version`` (from a deployment) and
``GET /__mlops/status`` (configuration generation, health, counters — what the manager polls).

It re-reads ``endpoint.json`` on SIGHUP (and when the file changes), flushes collected data
on SIGTERM/SIGINT, and is started as ``python -m mlops_desktop.serving.router DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from mlops_desktop.serving import protocol, run_files
from mlops_desktop.serving.collector import FLUSH_INTERVAL, Collector
from mlops_desktop.serving.layout import EndpointLayout
from mlops_desktop.serving.state import load_record
from mlops_desktop.serving.traffic import TrafficTable

DEPLOYMENT_HEADER = protocol.DEPLOYMENT_HEADER.encode()
CLIENT_REQUEST_ID_HEADER = protocol.CLIENT_REQUEST_ID_HEADER.encode()
STATUS_PATH = protocol.STATUS_PATH
INVOCATION_PATHS = protocol.INVOCATION_PATHS
#: Upper bound of one prediction, connection included.
_PING = b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
_KNOWN_PATHS = INVOCATION_PATHS | protocol.HEALTH_PATHS | {protocol.VERSION_PATH, STATUS_PATH}
UPSTREAM_TIMEOUT = 60.0
#: A client connection idle this long is closed.
IDLE_TIMEOUT = 300.0
HEALTH_INTERVAL = 1.0
#: How long a request waits for a replacement when no deployment taking live traffic can be
#: reached (the supervisor restarts one in a fraction of a second); then it gets 502.
HOLD_SECONDS = 3.0
_HOLD_POLL = 0.05
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_MIRRORS_IN_FLIGHT = 32
MAX_IDLE_CONNECTIONS = 32
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class UpstreamError(Exception):
    """A deployment could not be reached or did not answer in time."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Target:
    """A deployment as the router sees it: a port, a pool of idle connections, counters."""

    name: str
    port: int
    pool: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = field(default_factory=list)
    healthy: bool = False
    #: Set when a connection or a health check failed: left out of the split until it answers.
    down: bool = False
    requests: int = 0
    errors: int = 0

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        if self.pool:
            reader, writer = self.pool.pop()
            return reader, writer, True
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        return reader, writer, False

    def _release(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self.pool) < MAX_IDLE_CONNECTIONS and not writer.is_closing():
            self.pool.append((reader, writer))
        else:
            writer.close()

    async def exchange(self, request: bytes) -> tuple[int, bytes, bytes]:
        """Send one raw HTTP request; returns (status, content type, body).

        A pooled connection the deployment has closed meanwhile is retried once on a new one.
        """
        for attempt in (0, 1):
            reader, writer, pooled = await self._connection()
            try:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                writer.close()
                if pooled and attempt == 0:
                    continue
                raise
            try:
                status, content_type, length, close = _parse_response_head(head)
                body = await reader.readexactly(length)
            except BaseException:
                writer.close()
                raise
            if close:
                writer.close()
            else:
                self._release(reader, writer)
            return status, content_type, body
        raise ConnectionError("unreachable")  # pragma: no cover - the loop returns or raises

    def close(self) -> None:
        """Close pooled connections."""
        for _, writer in self.pool:
            writer.close()
        self.pool.clear()


def _parse_response_head(head: bytes) -> tuple[int, bytes, int, bool]:
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    content_type = b"application/json"
    length = 0
    close = False
    for line in lines[1:]:
        key, _, value = line.partition(b":")
        key = key.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"content-type":
            content_type = value.strip()
        elif key == b"connection":
            close = value.strip().lower() == b"close"
    return status, content_type, length, close


def _json_body(message: str, code: str) -> bytes:
    return json.dumps({"error_code": code, "message": message}).encode()


def _response(
    status: int, body: bytes, content_type: bytes = b"application/json", extra: bytes = b""
) -> bytes:
    reason = _REASONS.get(status, "Unknown").encode()
    return (
        b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n"
        % (status, reason, content_type, len(body), extra)
    ) + body


class BadRequest(Exception):
    """The client's request cannot be read."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _read_body(reader: asyncio.StreamReader, headers: dict[bytes, bytes]) -> bytes:
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        chunks: list[bytes] = []
        size = 0
        while True:
            line = await reader.readuntil(b"\r\n")
            try:
                length = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequest(400, "malformed chunked body") from None
            if length == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass
                return b"".join(chunks)
            size += length
            if size > MAX_BODY_BYTES:
                raise BadRequest(413, f"body larger than {MAX_BODY_BYTES} bytes")
            chunks.append(await reader.readexactly(length))
            await reader.readexactly(2)
    raw = headers.get(b"content-length")
    if raw is None:
        return b""
    try:
        length = int(raw)
    except ValueError:
        raise BadRequest(400, "malformed Content-Length") from None
    if length > MAX_BODY_BYTES:
        raise BadRequest(413, f"body larger than {MAX_BODY_BYTES} bytes")
    return await reader.readexactly(length) if length else b""


class Router:
    """Routes, mirrors and collects the requests of one endpoint."""

    def __init__(self, layout: EndpointLayout) -> None:
        self.layout = layout
        self.collector = Collector(layout.collected_dir, wal_dir=layout.wal_dir)
        self.targets: dict[str, Target] = {}
        self.table = TrafficTable((), (), None, 0)
        self.generation = -1
        self.port = 0
        self.rng = random.Random()
        self._state_stamp: tuple[int, int] | None = None
        self._mirrors_in_flight = 0
        self.mirrors_dropped = 0
        self.retries = 0
        self.held = 0
        self._in_flight = 0
        self._stopping = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()

    # -- configuration ---------------------------------------------------------------------

    def reload(self) -> None:
        """Apply ``endpoint.json``: deployments, ports, traffic, mirror."""
        try:
            stat = self.layout.state_file.stat()
            record = load_record(self.layout)
        except Exception as exc:  # keep serving the last good configuration
            print(f"cannot reload state: {exc}", flush=True)
            return
        self._state_stamp = (stat.st_mtime_ns, stat.st_ino)
        targets: dict[str, Target] = {}
        for deployment in record.deployments:
            if deployment.port is None:
                continue
            existing = self.targets.get(deployment.name)
            if existing is not None and existing.port == deployment.port:
                targets[deployment.name] = existing
            else:
                targets[deployment.name] = Target(deployment.name, deployment.port)
        for name, old in self.targets.items():
            if targets.get(name) is not old:
                old.close()
        with contextlib.suppress(RuntimeError):  # no running loop: the health loop checks
            loop = asyncio.get_running_loop()
            for target in targets.values():
                if not target.healthy:
                    task = loop.create_task(self._check_health(target))
                    self._background.add(task)  # keep a reference until it is done
                    task.add_done_callback(self._forget)
        self.targets = targets
        live = {d.name: d.traffic for d in record.deployments if d.name in targets}
        mirror = {d.name: d.mirror for d in record.deployments if d.mirror and d.name in targets}
        self.table = TrafficTable.build(live, mirror)
        self.port = record.port
        self.generation = record.generation
        split = ", ".join(f"{k}={v}" for k, v in live.items()) or "no deployments"
        print(f"generation {self.generation}: {split}; mirror {mirror or '-'}", flush=True)

    def _state_changed(self) -> bool:
        try:
            stat = self.layout.state_file.stat()
        except OSError:
            return False
        return (stat.st_mtime_ns, stat.st_ino) != self._state_stamp

    # -- serving ---------------------------------------------------------------------------

    async def handle_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Serve one client connection (HTTP/1.1 keep-alive) until it closes."""
        try:
            while not self._stopping.is_set():
                try:
                    async with asyncio.timeout(IDLE_TIMEOUT):
                        head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
                    return
                except asyncio.LimitOverrunError:
                    writer.write(_response(431, _json_body("headers too large", "BAD_REQUEST")))
                    return
                keep_alive = await self._handle_request(head, reader, writer)
                await writer.drain()
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _handle_request(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        arrived = time.time()
        started = time.perf_counter()
        lines = head[:-4].split(b"\r\n")
        try:
            method, target, version = lines[0].split(b" ", 2)
        except ValueError:
            writer.write(_response(400, _json_body("malformed request line", "BAD_REQUEST")))
            return False
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            key, _, value = line.partition(b":")
            headers[key.strip().lower()] = value.strip()
        connection = headers.get(b"connection", b"").lower()
        http10 = version == b"HTTP/1.0"
        keep_alive = connection != b"close" and (not http10 or connection == b"keep-alive")
        try:
            async with asyncio.timeout(IDLE_TIMEOUT):
                body = await _read_body(reader, headers)
        except TimeoutError:
            return False
        except BadRequest as exc:
            writer.write(_response(exc.status, _json_body(str(exc), "BAD_REQUEST")))
            return False
        path = target.split(b"?", 1)[0].decode("latin-1")
        if method == b"POST" and path in INVOCATION_PATHS:
            self._in_flight += 1
            try:
                await self._invoke(headers, body, writer, arrived, started)
            finally:
                self._in_flight -= 1
        elif method == b"GET" and path not in INVOCATION_PATHS:
            writer.write(await self._get(path))
        elif path in _KNOWN_PATHS:
            message = f"{method.decode('latin-1')} not allowed on {path}"
            writer.write(_response(405, _json_body(message, "BAD_REQUEST")))
        else:
            writer.write(_response(404, _json_body(f"no route {path}", "ENDPOINT_NOT_FOUND")))
        return keep_alive

    async def _invoke(
        self,
        headers: dict[bytes, bytes],
        body: bytes,
        writer: asyncio.StreamWriter,
        arrived: float,
        started: float,
    ) -> None:
        request_id = uuid.uuid4().hex
        client_id_raw = headers.get(CLIENT_REQUEST_ID_HEADER)
        client_id = client_id_raw.decode("latin-1") if client_id_raw is not None else None
        content_type = headers.get(b"content-type", b"application/json")
        requested = headers.get(DEPLOYMENT_HEADER)
        if requested is not None:
            name: str | None = requested.decode("latin-1").strip()
            if name not in self.targets:
                known = ", ".join(self.targets) or "none"
                message = f"the endpoint has no deployment {name!r} (deployments: {known})"
                writer.write(_response(404, _json_body(message, "DEPLOYMENT_NOT_FOUND")))
                return
        else:
            down = [n for n, t in self.targets.items() if t.down]
            # When every deployment looks down, try one anyway: it may be back already.
            name = self.table.choose(self.rng, down) or self.table.choose(self.rng)
            if name is None:
                message = "no deployment receives traffic; set the endpoint's traffic"
                writer.write(_response(503, _json_body(message, "NO_TRAFFIC")))
                return
        upstream = self._upstream_request(body, content_type)
        status, out_type, out_body, reached = await self._call(self.targets[name], upstream)
        tried = {name}
        while not reached and requested is None:
            # Scoring is idempotent: a deployment that cannot be reached (killed, restarting)
            # hands the request to another one taking live traffic.
            other = self.table.choose(self.rng, tried)
            if other is None:
                break
            self.retries += 1
            tried.add(other)
            name = other
            status, out_type, out_body, reached = await self._call(self.targets[name], upstream)
        if not reached and requested is None:
            held = await self._hold(upstream)
            if held is not None:
                name, (status, out_type, out_body, reached) = held
        latency_ms = (time.perf_counter() - started) * 1000.0
        extra = b"azureml-model-deployment: %s\r\nx-request-id: %s\r\n" % (
            name.encode(),
            request_id.encode(),
        )
        if client_id_raw is not None:
            extra += b"x-ms-client-request-id: %s\r\n" % client_id_raw
        type_text = content_type.decode("latin-1")
        # Collected (written ahead to the WAL file) before the answer goes out, so a request
        # answered is a request collected even when the router is killed right after.
        self.collector.add(
            (arrived, request_id, client_id, name, False, status, latency_ms, type_text, body,
             out_body)
        )  # fmt: skip
        writer.write(_response(status, out_body, out_type, extra))
        if requested is None:
            mirror = self.table.mirror_for(name, self.rng)
            if mirror is not None:
                self._start_mirror(mirror, upstream, body, type_text, request_id, client_id)

    async def _hold(self, upstream: bytes) -> tuple[str, tuple[int, bytes, bytes, bool]] | None:
        """Wait (up to :data:`HOLD_SECONDS`) for a deployment taking live traffic to be back or
        replaced, and send it the request; None when none came back in time."""
        deadline = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < deadline and not self._stopping.is_set():
            await asyncio.sleep(_HOLD_POLL)
            if self._state_changed():
                self.reload()  # a restarted deployment listens on a new port
            down = [n for n, t in self.targets.items() if t.down]
            name = self.table.choose(self.rng, down)
            if name is None:
                continue
            self.held += 1
            answer = await self._call(self.targets[name], upstream)
            if answer[3]:
                return name, answer
        return None

    @staticmethod
    def _upstream_request(body: bytes, content_type: bytes) -> bytes:
        return (
            b"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
            b"Content-Length: %d\r\n\r\n" % (content_type, len(body))
        ) + body

    async def _call(self, target: Target, upstream: bytes) -> tuple[int, bytes, bytes, bool]:
        """(status, content type, body, whether the deployment was reached)."""
        target.requests += 1
        try:
            async with asyncio.timeout(UPSTREAM_TIMEOUT):
                status, out_type, out_body = await target.exchange(upstream)
        except TimeoutError:
            target.errors += 1
            message = f"deployment {target.name!r} did not answer within {UPSTREAM_TIMEOUT:.0f} s"
            return 504, b"application/json", _json_body(message, "TIMEOUT"), True
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            target.errors += 1
            if not target.down:
                print(f"deployment {target.name!r} is down ({type(exc).__name__})", flush=True)
            target.healthy = False
            target.down = True
            message = f"deployment {target.name!r} is not reachable: {type(exc).__name__}"
            return 502, b"application/json", _json_body(message, "DEPLOYMENT_UNREACHABLE"), False
        target.healthy = True
        target.down = False
        if status >= 500:
            target.errors += 1
        return status, out_type, out_body, True

    def _start_mirror(
        self,
        name: str,
        upstream: bytes,
        body: bytes,
        content_type: str,
        request_id: str,
        client_id: str | None,
    ) -> None:
        target = self.targets.get(name)
        if target is None:
            return
        if self._mirrors_in_flight >= MAX_MIRRORS_IN_FLIGHT:
            self.mirrors_dropped += 1
            return
        self._mirrors_in_flight += 1
        task = asyncio.get_running_loop().create_task(
            self._mirror(target, upstream, body, content_type, request_id, client_id)
        )
        self._background.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._forget)

    async def _mirror(
        self,
        target: Target,
        upstream: bytes,
        body: bytes,
        content_type: str,
        request_id: str,
        client_id: str | None,
    ) -> None:
        try:
            arrived = time.time()
            started = time.perf_counter()
            status, _, out_body, _ = await self._call(target, upstream)
            latency_ms = (time.perf_counter() - started) * 1000.0
            self.collector.add(
                (arrived, request_id, client_id, target.name, True, status, latency_ms,
                 content_type, body, out_body)
            )  # fmt: skip
        finally:
            self._mirrors_in_flight -= 1

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)

    async def _get(self, path: str) -> bytes:
        if path in protocol.HEALTH_PATHS:
            live = [self.targets[n] for n in self.table.names if n in self.targets]
            if any(t.healthy for t in live):
                return _response(200, b"\n")
            return _response(
                503, _json_body("no healthy deployment takes live traffic", "UNHEALTHY")
            )
        if path == protocol.VERSION_PATH:
            for target in self.targets.values():
                try:
                    async with asyncio.timeout(5):
                        status, out_type, body = await target.exchange(
                            b"GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        )
                    return _response(status, body, out_type)
                except (TimeoutError, ConnectionError, OSError, asyncio.IncompleteReadError):
                    continue
            return _response(503, _json_body("no deployment answers", "UNHEALTHY"))
        if path == STATUS_PATH:
            return _response(200, json.dumps(self.status()).encode())
        return _response(404, _json_body(f"no route {path}", "ENDPOINT_NOT_FOUND"))

    def status(self) -> dict[str, object]:
        """What ``GET /__mlops/status`` reports."""
        return {
            "pid": os.getpid(),
            "port": self.port,
            "generation": self.generation,
            "deployments": {
                t.name: {
                    "port": t.port,
                    "healthy": t.healthy,
                    "down": t.down,
                    "requests": t.requests,
                    "errors": t.errors,
                }
                for t in self.targets.values()
            },
            "collector": {
                "pending": self.collector.pending,
                "rows_written": self.collector.rows_written,
                "last_flush": self.collector.last_flush,
                "failures": self.collector.failures,
                "mirrors_dropped": self.mirrors_dropped,
            },
            "retries": self.retries,
            "held": self.held,
        }

    # -- background work -------------------------------------------------------------------

    @staticmethod
    async def _check_health(target: Target) -> None:
        try:
            async with asyncio.timeout(2):
                status, _, _ = await target.exchange(_PING)
            target.healthy = status == 200
        except (TimeoutError, ConnectionError, OSError, asyncio.IncompleteReadError):
            target.healthy = False
        target.down = not target.healthy

    async def _health_loop(self) -> None:
        while True:
            for target in list(self.targets.values()):
                await self._check_health(target)
            if self._state_changed():
                self.reload()
            await asyncio.sleep(HEALTH_INTERVAL)

    async def _flush_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            rows = self.collector.take()
            if not rows:
                continue
            try:
                await loop.run_in_executor(None, self.collector.write, rows)
            except Exception as exc:  # a full disk must not stop the endpoint
                self.collector.failures += 1
                print(f"collection write failed, {len(rows)} rows lost: {exc}", flush=True)

    def _merge_closed_hours(self) -> None:
        try:
            self.collector.merge_closed_hours()
        except Exception as exc:  # the data stays readable unmerged
            print(f"merging closed hours failed: {exc}", flush=True)

    async def run(self) -> None:
        """Serve until SIGTERM/SIGINT, then flush what was collected."""
        loop = asyncio.get_running_loop()
        self.reload()
        replayed = self.collector.replay_wal()  # what a killed router answered but never wrote
        if replayed:
            print(f"wrote {replayed} rows left by a router that did not stop cleanly", flush=True)
        with contextlib.suppress(NotImplementedError):  # Windows: no loop signal handlers
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._stopping.set)
            if hasattr(signal, "SIGHUP"):
                loop.add_signal_handler(signal.SIGHUP, self.reload)
        server = await asyncio.start_server(
            self.handle_connection, "127.0.0.1", self.port, reuse_address=True, backlog=512
        )
        print(f"router {os.getpid()} listening on 127.0.0.1:{self.port}", flush=True)
        background = [
            loop.create_task(self._health_loop()),
            loop.create_task(self._flush_loop()),
        ]
        loop.run_in_executor(None, self._merge_closed_hours)
        await self._stopping.wait()
        server.close()
        deadline = time.monotonic() + 5
        while self._in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for task in background:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        written = self.collector.flush()
        print(f"stopped; flushed {written} rows", flush=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m mlops_desktop.serving.router ENDPOINT_DIR``."""
    parser = argparse.ArgumentParser(description="MLOps Desktop endpoint router")
    parser.add_argument("endpoint_dir", type=Path)
    args = parser.parse_args(argv)
    layout = EndpointLayout(args.endpoint_dir.resolve())
    run_files.announce(layout.run_dir, "router", layout.name)
    router = Router(layout)
    try:
        asyncio.run(router.run())
    except OSError as exc:
        print(f"router failed: {exc}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
