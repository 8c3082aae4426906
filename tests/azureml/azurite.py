"""Azurite, Microsoft's Azure Storage emulator (npm ``azurite``), as the workspaces' storage.

Only its blob service runs (``azurite-blob``), on a free 127.0.0.1 port, over HTTPS with the
loopback certificate (which names ``*.blob.<storage suffix>``), with data in a temporary folder.
Requests reach it with production-style URLs (``https://devstoreaccount1.blob.<suffix>``)
through :mod:`connect_proxy`; Azurite takes the account from the host name.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no runtime import: the standalone server loads this module too
    from arm_server import CertificateFiles

#: The version CI installs (``.ci/run``) and the tests were measured with.
AZURITE_VERSION = "3.37.0"
INSTALL_HINT = (
    f"Azurite (the Azure Storage emulator) is not installed: `npm install -g azurite@"
    f"{AZURITE_VERSION}` (needs Node.js and npm) puts `azurite-blob` on PATH"
)


def azurite_executable() -> str | None:
    """``azurite-blob`` on PATH, or None."""
    return shutil.which("azurite-blob")


def require_azurite() -> str:
    """The ``azurite-blob`` path; without it, skip the test (fail it when ``CI=true``)."""
    import pytest

    found = azurite_executable()
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(INSTALL_HINT, pytrace=False)
        pytest.skip(INSTALL_HINT)
    return found


class Azurite:
    """One ``azurite-blob`` process; :meth:`start` waits until it accepts TLS connections."""

    def __init__(self, cert: CertificateFiles, location: Path, *, executable: str) -> None:
        self.cert = cert
        self.location = location
        self.executable = executable
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log = location / "azurite.log"

    @property
    def running(self) -> bool:
        """True while the process lives."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 30.0) -> Azurite:
        """Start the blob service and wait for its port."""
        self.location.mkdir(parents=True, exist_ok=True)
        command = [
            self.executable,
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(self.port),
            "--cert",
            str(self.cert.cert),
            "--key",
            str(self.cert.key),
            "--location",
            str(self.location / "data"),
            "--silent",
            # azure-storage-blob may send an x-ms-version newer than Azurite knows.
            "--skipApiVersionCheck",
            # Azurite reports usage to Microsoft by default; tests stay on the machine.
            "--disableTelemetry",
        ]
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"azurite-blob exited at start: {self.log_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"azurite-blob did not listen within {timeout} s: {self.log_text()}")

    def stop(self) -> None:
        """Terminate the process (its data folder stays until the test's tmp_path goes)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None

    def log_text(self) -> str:
        """What the process printed (start-up and errors; access logs are off)."""
        return self._log.read_text(encoding="utf-8", errors="replace")[-2000:]

    def __enter__(self) -> Azurite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
