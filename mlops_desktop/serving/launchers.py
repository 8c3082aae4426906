"""Start deployment processes: forked from the warm fork host, or as fresh interpreters.

:class:`ForkLauncher` is the default where ``os.fork`` exists; :class:`SubprocessLauncher` is the
portable fallback (and a baseline for the benchmark). ``MLOPS_DESKTOP_SERVING_LAUNCHER=subprocess``
forces the fallback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mlops_desktop.core.errors import Unavailable
from mlops_desktop.serving import host as host_module
from mlops_desktop.serving import processes
from mlops_desktop.serving.state import ProcessRecord, locked

LAUNCHER_ENV = "MLOPS_DESKTOP_SERVING_LAUNCHER"
#: How long a cold fork host may take to import its libraries.
HOST_START_TIMEOUT = 120.0
_MAX_SOCKET_PATH = 100


@dataclass(frozen=True, slots=True)
class LaunchedDeployment:
    """A deployment process that has loaded its model and listens on ``port``."""

    process: ProcessRecord
    port: int


class Launcher(Protocol):
    """Starts deployment processes."""

    def launch(
        self, model_dir: Path, log_path: Path, run_dir: Path | None = None
    ) -> LaunchedDeployment:
        """Start a deployment of the model in ``model_dir``; returns once it listens.

        The process announces itself in ``run_dir`` as it starts (see :mod:`.run_files`).
        """
        ...


def build_fingerprint() -> str:
    """Identifies the serving code; a host running other code is replaced."""
    digest = hashlib.sha256(f"{host_module.PROTOCOL}:{host_module.__version__}".encode())
    for module in ("host.py", "scoring.py"):
        with contextlib.suppress(OSError):
            stat = (Path(__file__).parent / module).stat()
            digest.update(f"{module}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


class ForkLauncher:
    """Asks the fork host (started on demand, shared by all endpoints) to fork deployments."""

    def __init__(self, host_dir: Path) -> None:
        self.host_dir = host_dir

    @property
    def socket_path(self) -> Path:
        """The host's Unix socket (in a short private temp folder when the path is too long)."""
        path = self.host_dir / "host.sock"
        if len(str(path)) <= _MAX_SOCKET_PATH:
            return path
        key = hashlib.sha256(str(self.host_dir).encode()).hexdigest()[:16]
        uid = os.getuid() if hasattr(os, "getuid") else 0
        return Path(tempfile.gettempdir()) / f"mlops-desktop-{uid}" / f"{key}.sock"

    @property
    def log_path(self) -> Path:
        """The host's log."""
        return self.host_dir / "host.log"

    def _request(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(self.socket_path))
            sock.sendall(json.dumps(payload).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        if not data:
            raise ConnectionError("the fork host closed the connection")
        reply: dict[str, Any] = json.loads(data)
        return reply

    def host_info(self) -> dict[str, Any] | None:
        """The running host's hello reply, or None when no host answers."""
        try:
            return self._request({"action": "hello"}, timeout=5.0)
        except (OSError, ValueError):
            return None

    def ensure_host(self) -> None:
        """Start the host unless a host running this code answers already."""
        fingerprint = build_fingerprint()
        info = self.host_info()
        if info and info.get("fingerprint") == fingerprint:
            return
        with locked(self.host_dir / ".lock"):
            info = self.host_info()
            if info and info.get("fingerprint") == fingerprint:
                return
            if info:  # another version of the code: replace it
                self.stop_host()
            self._start_host(fingerprint)

    def _start_host(self, fingerprint: str) -> None:
        self.socket_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        info_file = self.host_dir / "host.json"
        env = dict(os.environ)
        env[host_module.FINGERPRINT_ENV] = fingerprint
        pid = processes.start_detached(
            processes.python_command(
                "mlops_desktop.serving.host",
                "--socket",
                str(self.socket_path),
                "--info",
                str(info_file),
            ),
            self.log_path,
            env=env,
        )
        record = processes.record_of(pid)
        deadline = time.monotonic() + HOST_START_TIMEOUT
        while time.monotonic() < deadline:
            info = self.host_info()
            if info and info.get("ok"):
                return
            if not processes.is_alive(record):
                break
            time.sleep(0.1)
        processes.terminate(record)
        raise Unavailable(
            "the deployment fork host did not start",
            hint=f"see {self.log_path}: {processes.log_tail(self.log_path, 600)}",
        )

    def stop_host(self) -> None:
        """Ask a running host to exit (its deployments keep running)."""
        with contextlib.suppress(OSError, ValueError):
            self._request({"action": "stop"}, timeout=5.0)

    def launch(
        self, model_dir: Path, log_path: Path, run_dir: Path | None = None
    ) -> LaunchedDeployment:
        """Fork a deployment from the host (starting the host first if needed)."""
        self.ensure_host()
        payload = {
            "action": "spawn",
            "model_dir": str(model_dir),
            "log": str(log_path),
            "port": 0,
            "run_dir": str(run_dir) if run_dir else None,
            "name": log_path.stem,
        }
        try:
            reply = self._request(payload, timeout=host_module.SPAWN_TIMEOUT_SECONDS + 15)
        except (OSError, ValueError) as exc:
            raise Unavailable(f"the deployment fork host did not answer: {exc}") from exc
        if not reply.get("ok"):
            raise Unavailable(
                f"the deployment did not start: {reply.get('error')}",
                hint=f"see {log_path}",
            )
        return LaunchedDeployment(processes.record_of(int(reply["pid"])), int(reply["port"]))


class SubprocessLauncher:
    """Starts each deployment as a fresh interpreter (slower, more memory; works everywhere)."""

    def __init__(self, timeout: float = HOST_START_TIMEOUT) -> None:
        self.timeout = timeout

    def launch(
        self, model_dir: Path, log_path: Path, run_dir: Path | None = None
    ) -> LaunchedDeployment:
        """Start ``python -m mlops_desktop.serving.scoring`` and wait for its ready file."""
        ready_file = log_path.with_suffix(".ready.json")
        ready_file.unlink(missing_ok=True)
        announce = ["--run-dir", str(run_dir)] if run_dir else []
        pid = processes.start_detached(
            processes.python_command(
                "mlops_desktop.serving.scoring",
                "--model-dir",
                str(model_dir),
                "--ready-file",
                str(ready_file),
                *announce,
            ),
            log_path,
        )
        record = processes.record_of(pid)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if ready_file.exists():
                info = json.loads(ready_file.read_text(encoding="utf-8"))
                ready_file.unlink(missing_ok=True)
                if "error" in info:
                    processes.terminate(record)
                    raise Unavailable(f"the deployment did not start: {info['error']}")
                return LaunchedDeployment(record, int(info["port"]))
            if not processes.is_alive(record):
                break
            time.sleep(0.05)
        processes.terminate(record)
        raise Unavailable(
            "the deployment did not start",
            hint=f"see {log_path}: {processes.log_tail(log_path, 600)}",
        )


def default_launcher(host_dir: Path) -> Launcher:
    """The fork launcher where fork exists (unless the environment asks otherwise)."""
    choice = os.environ.get(LAUNCHER_ENV, "").strip().lower()
    if choice == "subprocess" or not hasattr(os, "fork"):
        return SubprocessLauncher()
    return ForkLauncher(host_dir)
