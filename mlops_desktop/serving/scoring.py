"""A deployment: one model version behind MLflow's pyfunc scoring protocol.

``POST /invocations`` (also ``/score``) with ``dataframe_split``, ``dataframe_records``,
``instances`` or ``inputs`` JSON (or CSV / Parquet bodies), ``GET /ping``, ``/health``,
``/version`` — parsed and answered by MLflow's own scoring functions, served by a small
threading HTTP/1.1 server with keep-alive, so the router can pool connections to it.

Run by the fork host (:mod:`mlops_desktop.serving.host`) in a forked child, or as
``python -m mlops_desktop.serving.scoring`` where ``fork`` is unavailable.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mlops_desktop.serving.protocol import HEALTH_PATHS, INVOCATION_PATHS, VERSION_PATH

_log = logging.getLogger("mlops_desktop.serving.scoring")
#: Largest request body a deployment accepts.
MAX_BODY_BYTES = 64 * 1024 * 1024
ReadyCallback = Callable[[dict[str, Any]], None]


def prepare_environment() -> None:
    """Settings for a serving process, applied before numpy/sklearn load.

    One BLAS/OpenMP thread per deployment: requests already run concurrently, and several
    deployments share the machine with the desktop app. No allocator threads either: the
    fork host forks safely only while it has a single thread.
    """
    for key in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(key, "1")
    # Arrow's bundled jemalloc starts a background thread; the fork host must stay
    # single-threaded (a fork copies only the calling thread).
    os.environ.setdefault("JE_ARROW_MALLOC_CONF", "background_thread:false")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def preload() -> None:
    """Import everything scoring needs, so forked deployments start in a fraction of a second."""
    import mlflow.pyfunc
    import mlflow.pyfunc.scoring_server
    import mlflow.sklearn
    import pandas
    import sklearn.ensemble
    import sklearn.linear_model
    from mlflow.utils import requirements_utils

    # load_model checks the model's requirements against installed packages; the first check
    # scans every installed distribution (~0.8 s). Doing it once here lets forks reuse it.
    requirements_utils._init_packages_to_modules_map()
    # MLflow's safe scikit-learn format; its import walks every sklearn type (~0.8 s).
    with contextlib.suppress(ImportError):
        import skops.io  # noqa: F401
    del mlflow, pandas, sklearn


class ScoringServer(ThreadingHTTPServer):
    """Serves one loaded pyfunc model."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, model: Any) -> None:
        super().__init__(("127.0.0.1", port), _ScoringHandler)
        self.model = model
        self.input_schema = model.metadata.get_input_schema()


class _ScoringHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 300  # an idle keep-alive connection is closed after this many seconds
    server: ScoringServer

    def log_message(self, format: str, *args: Any) -> None:
        """Request lines are not logged (the router collects every request)."""

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        head = (
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "\r\n"
        ).encode("latin-1")
        self.wfile.write(head + body)
        self.wfile.flush()

    def _send_error_json(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"error_code": code, "message": message}).encode()
        self._send(status, body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in HEALTH_PATHS:
            self._send(200, b"\n")
        elif path == VERSION_PATH:
            from mlflow.version import VERSION

            self._send(200, VERSION.encode())
        else:
            self._send_error_json(404, "ENDPOINT_NOT_FOUND", f"no route {path}")

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            size = 0
            while True:
                length = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                size += length
                if size > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(length))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send_error_json(400, "BAD_REQUEST", "malformed request body framing")
            return
        if path not in INVOCATION_PATHS:
            self._send_error_json(404, "ENDPOINT_NOT_FOUND", f"no route {path}")
            return
        if body is None:
            self.close_connection = True
            self._send_error_json(413, "BAD_REQUEST", f"body larger than {MAX_BODY_BYTES} bytes")
            return
        content_type = self.headers.get("Content-Type") or "application/json"
        self._invoke(body, content_type)

    def _invoke(self, body: bytes, content_type: str) -> None:
        from mlflow.exceptions import MlflowException
        from mlflow.pyfunc.scoring_server import invocations

        server = self.server
        try:
            result = invocations(body, content_type, server.model, server.input_schema)
        except MlflowException as exc:
            self._send(exc.get_http_status_code(), exc.serialize_as_json().encode())
            return
        except (RecursionError, ValueError) as exc:
            # MLflow's JSON decoding lets these through for a body nested too deeply or a
            # number too long to convert: the client's fault, so 400, not a 500.
            problem = unreadable_json(body, content_type)
            if problem is None:
                _log.exception("prediction failed")
                self._send_error_json(500, "INTERNAL_ERROR", f"{type(exc).__name__}: {exc}")
            else:
                self._send_error_json(400, "BAD_REQUEST", problem)
            return
        except Exception as exc:  # a model's own failure must not kill the connection
            _log.exception("prediction failed")
            self._send_error_json(500, "INTERNAL_ERROR", f"{type(exc).__name__}: {exc}")
            return
        self._send(result.status, result.response.encode(), result.mimetype)


def unreadable_json(body: bytes, content_type: str) -> str | None:
    """Why a JSON request body cannot be read (too deep, a number too long), or None."""
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        return None
    try:
        json.loads(body)
    except RecursionError:
        return "the JSON body is nested too deeply"
    except ValueError as exc:  # JSONDecodeError, or int() refusing thousands of digits
        return f"the JSON body cannot be read: {str(exc)[:200]}"
    return None


def load_model(model_dir: Path) -> Any:
    """Load a pyfunc model from local files."""
    import mlflow.pyfunc

    return mlflow.pyfunc.load_model(str(model_dir))


def serve(model_dir: Path, port: int, on_ready: ReadyCallback) -> None:
    """Load the model, bind ``127.0.0.1:port`` (0 picks one), report, then serve forever."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    os.environ["_MLFLOW_IS_IN_SERVING_ENVIRONMENT"] = "true"
    started = time.monotonic()
    model = load_model(model_dir)
    server = ScoringServer(port, model)
    bound = int(server.server_address[1])
    _log.info(
        "serving %s on 127.0.0.1:%d (pid %d, model loaded in %.2f s)",
        model_dir,
        bound,
        os.getpid(),
        time.monotonic() - started,
    )
    on_ready({"port": bound, "pid": os.getpid()})
    server.serve_forever(poll_interval=0.5)


def _write_ready_file(path: Path, info: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(info), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """``python -m mlops_desktop.serving.scoring --model-dir D --ready-file F [--port P]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--run-dir", type=Path, help="announce this process there first")
    args = parser.parse_args(argv)
    if args.run_dir is not None:
        from mlops_desktop.serving.run_files import announce

        announce(args.run_dir, "deployment", args.ready_file.name.split(".", 1)[0])
    prepare_environment()
    try:
        serve(args.model_dir, args.port, lambda info: _write_ready_file(args.ready_file, info))
    except Exception as exc:
        _write_ready_file(args.ready_file, {"error": f"{type(exc).__name__}: {exc}"})
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
