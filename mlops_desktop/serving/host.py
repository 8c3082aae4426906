"""The fork host: imports MLflow, scikit-learn and pandas once, then forks one child per deployment.

Children share the host's memory pages copy-on-write, so an added deployment costs little memory
and starts in a fraction of a second (no interpreter start, no imports). The host listens on a
Unix socket in a private folder; one JSON line per connection asks for one action:

- ``{"action": "hello"}`` -> ``{"ok": true, "protocol", "version", "fingerprint", "pid"}``
- ``{"action": "spawn", "model_dir": D, "log": L, "port": 0, "run_dir": R, "name": N}`` ->
  ``{"ok": true, "pid", "port"}``. The child announces itself in ``R`` (see :mod:`.run_files`)
  before anything else; when the process that asked has died by the time the child is ready
  (nobody will record it), the host stops the child again.
- ``{"action": "stop"}`` -> the host exits (running deployments keep running).

Children start their own session, so they outlive the host; the host ignores SIGCHLD so they
never linger as zombies. It exits by itself after a long idle time with no living child.

Run as ``python -m mlops_desktop.serving.host --socket PATH --info FILE``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import select
import signal
import socket
import struct
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import psutil

from mlops_desktop import __version__
from mlops_desktop.serving import run_files, scoring

PROTOCOL = 1
#: Set by the launcher: identifies the code the host runs, so stale hosts are replaced.
FINGERPRINT_ENV = "MLOPS_DESKTOP_HOST_FINGERPRINT"
#: The host exits after this long without requests once none of its children is alive.
IDLE_EXIT_SECONDS = 1800.0
#: How long a child may take to load its model and bind its port.
SPAWN_TIMEOUT_SECONDS = 120.0


class ForkHost:
    """Accepts requests on a Unix socket and forks deployments."""

    def __init__(self, socket_path: Path, info_path: Path) -> None:
        self.socket_path = socket_path
        self.info_path = info_path
        self.children: set[int] = set()
        self.last_activity = time.monotonic()
        self.listener: socket.socket | None = None

    def run(self) -> None:
        """Bind, announce readiness in the info file, serve until stopped or idle."""
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        self.socket_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o077)
        try:
            listener.bind(str(self.socket_path))
        finally:
            os.umask(old_umask)
        listener.listen(16)
        listener.settimeout(30.0)
        self.listener = listener
        self._write_info()
        print(f"fork host {os.getpid()} listening on {self.socket_path}", flush=True)
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                if self._idle_expired():
                    print("idle with no deployments left; exiting", flush=True)
                    return
                continue
            self.last_activity = time.monotonic()
            with conn:
                if self._serve_connection(conn) == "stop":
                    print("stop requested; exiting", flush=True)
                    return

    def _write_info(self) -> None:
        info = {
            "pid": os.getpid(),
            "protocol": PROTOCOL,
            "version": __version__,
            "fingerprint": os.environ.get(FINGERPRINT_ENV, ""),
        }
        tmp = self.info_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, self.info_path)

    def _idle_expired(self) -> bool:
        self.children = {pid for pid in self.children if _pid_exists(pid)}
        idle = time.monotonic() - self.last_activity
        return not self.children and idle > IDLE_EXIT_SECONDS

    def _serve_connection(self, conn: socket.socket) -> str | None:
        conn.settimeout(10.0)
        try:
            request = json.loads(_read_line(conn))
            action = request.get("action")
            if action == "hello":
                reply: dict[str, Any] = {
                    "ok": True,
                    "protocol": PROTOCOL,
                    "version": __version__,
                    "fingerprint": os.environ.get(FINGERPRINT_ENV, ""),
                    "pid": os.getpid(),
                }
            elif action == "spawn":
                reply = self._spawn(conn, request)
            elif action == "stop":
                reply = {"ok": True}
            else:
                reply = {"ok": False, "error": f"unknown action {action!r}"}
        except (OSError, ValueError) as exc:
            reply = {"ok": False, "error": f"bad request: {exc}"}
            action = None
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(reply).encode() + b"\n")
        return "stop" if action == "stop" else None

    def _spawn(self, conn: socket.socket, request: dict[str, Any]) -> dict[str, Any]:
        model_dir = Path(request["model_dir"])
        log_path = Path(request["log"])
        port = int(request.get("port") or 0)
        run_dir = Path(request["run_dir"]) if request.get("run_dir") else None
        name = str(request.get("name") or log_path.stem)
        requester = _peer_pid(conn)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the deployment
            os.close(read_fd)
            _become_deployment(self, conn, model_dir, log_path, port, write_fd, (run_dir, name))
        os.close(write_fd)
        self.children.add(pid)
        try:
            line = _read_fd_line(read_fd, SPAWN_TIMEOUT_SECONDS)
        finally:
            os.close(read_fd)
        if not line:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            return {"ok": False, "error": f"the deployment did not start; see {log_path}"}
        info = json.loads(line)
        if "error" in info:
            return {"ok": False, "error": info["error"]}
        if requester is not None and not _is_running(requester):
            # The launching process died while the model loaded: nobody will record this child.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            return {"ok": False, "error": "the process that asked for the deployment has exited"}
        return {"ok": True, "pid": pid, "port": int(info["port"])}


def _become_deployment(
    host: ForkHost,
    conn: socket.socket,
    model_dir: Path,
    log_path: Path,
    port: int,
    ready_fd: int,
    announcement: tuple[Path | None, str],
) -> None:
    """In the forked child: announce itself, detach, log to its own file, serve the model.

    Never returns.
    """
    code = 0
    try:
        run_dir, name = announcement
        if run_dir is not None:
            run_files.announce(run_dir, "deployment", name)
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if host.listener is not None:
            host.listener.close()
        conn.close()
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null_fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null_fd, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(log_fd)
        os.close(null_fd)
        _set_process_name(f"mlops-{log_path.stem}")

        def ready(info: dict[str, Any]) -> None:
            os.write(ready_fd, json.dumps(info).encode() + b"\n")
            os.close(ready_fd)

        scoring.serve(model_dir, port, ready)
    except BaseException as exc:
        code = 1
        traceback.print_exc()
        with contextlib.suppress(OSError):
            os.write(ready_fd, json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _set_process_name(name: str) -> None:
    """Name the process for ``top``/``ps -o comm`` (Linux; elsewhere nothing happens)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/comm").write_text(name[:15], encoding="utf-8")


def _peer_pid(conn: socket.socket) -> int | None:
    """The pid of the process on the other end of a Unix socket (Linux), else None."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    try:
        raw = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    except OSError:
        return None
    pid = int(struct.unpack("3i", raw)[0])
    return pid or None


def _is_running(pid: int) -> bool:
    """True when ``pid`` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_line(conn: socket.socket, limit: int = 1 << 20) -> bytes:
    data = b""
    while not data.endswith(b"\n") and len(data) < limit:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _read_fd_line(fd: int, timeout: float) -> bytes:
    """Read until newline or EOF, giving up after ``timeout`` seconds."""
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b""
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return b""
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    return data.strip()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the host process."""
    parser = argparse.ArgumentParser(description="MLOps Desktop deployment fork host")
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--info", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.monotonic()
    scoring.prepare_environment()
    scoring.preload()
    # Objects that exist now are never collected: keeping the collector away from them keeps
    # their pages shared with the forked deployments instead of copied on first GC pass.
    gc.collect()
    gc.freeze()
    print(f"preloaded in {time.monotonic() - started:.2f} s", flush=True)
    ForkHost(args.socket, args.info).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
