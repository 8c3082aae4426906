"""A small HTTPS ``CONNECT`` proxy on 127.0.0.1 that tunnels storage traffic to the emulator.

azure-ai-ml builds blob URLs as ``https://ACCOUNT.blob.<storage suffix>`` from the cloud
metadata; such names do not resolve here. Corporate users reach Azure Storage through an HTTPS
proxy (``HTTPS_PROXY``), and so do the tests: the proxy tunnels ``*.blob.<suffix>:443`` to
Azurite's port and refuses every other destination (recorded in :attr:`refused`), so nothing
leaves the machine. TLS stays end to end: the client verifies Azurite's certificate for the
production-style host name, and Azurite reads the account from that name.
"""

from __future__ import annotations

import contextlib
import re
import selectors
import socket
import socketserver
import threading

_CONNECT_RE = re.compile(r"^CONNECT ([^\s:]+):(\d+) HTTP/1\.[01]$")


class BlobConnectProxy:
    """``http://127.0.0.1:PORT``: tunnels ``*.blob.{suffix}:443`` to ``127.0.0.1:upstream_port``."""

    def __init__(self, suffix: str, upstream_port: int) -> None:
        self.suffix = suffix.lower()
        self.upstream_port = upstream_port
        self.refused: list[str] = []
        self.tunnelled: list[str] = []
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The proxy URL for ``HTTPS_PROXY``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def allows(self, host: str, port: int) -> bool:
        """Only storage accounts' blob endpoints of the loopback cloud, on 443."""
        host = host.lower()
        account = host.removesuffix(f".blob.{self.suffix}")
        return (
            port == 443 and account != host and re.fullmatch(r"[a-z0-9]{3,24}", account) is not None
        )

    def start(self) -> BlobConnectProxy:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="blob-connect-proxy",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting and cut every open tunnel."""
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()
            self._sockets.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _track(self, sock: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._sockets.add if add else self._sockets.discard)(sock)

    def _record(self, target: str, *, allowed: bool) -> None:
        with self._lock:
            (self.tunnelled if allowed else self.refused).append(target)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: BlobConnectProxy


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        proxy = self.server.proxy
        request = self.rfile.readline(8192).decode("latin-1").strip()
        while self.rfile.readline(8192).strip():  # the request's headers: nothing we need
            pass
        match = _CONNECT_RE.match(request)
        if match is None:
            self._answer(405, "Method Not Allowed")  # a forward proxy for plain HTTP it is not
            return
        host, port = match[1], int(match[2])
        target = f"{host}:{port}"
        if not proxy.allows(host, port):
            proxy._record(target, allowed=False)
            self._answer(403, "Forbidden")
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", proxy.upstream_port), timeout=3)
        except OSError:
            self._answer(502, "Bad Gateway")  # what a proxy says when the service is down
            return
        proxy._record(target, allowed=True)
        self._answer(200, "Connection Established")
        self._relay(self.connection, upstream)

    def _answer(self, status: int, reason: str) -> None:
        with contextlib.suppress(OSError):
            self.wfile.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\n\r\n".encode())
            self.wfile.flush()

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        proxy = self.server.proxy
        proxy._track(client, add=True)
        proxy._track(upstream, add=True)
        peers = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            for sock in peers:
                sock.setblocking(False)
                selector.register(sock, selectors.EVENT_READ)
            try:
                while True:
                    for key, _ in selector.select(timeout=30):
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                        if not data:
                            return
                        peers[key.fileobj].setblocking(True)  # type: ignore[index]
                        peers[key.fileobj].sendall(data)  # type: ignore[index]
                        peers[key.fileobj].setblocking(False)  # type: ignore[index]
            except OSError:
                return
            finally:
                for sock in peers:
                    proxy._track(sock, add=False)
                upstream.close()
