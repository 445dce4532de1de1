"""A forwarding HTTP proxy on loopback that records what passed through it: each request line in
``seen``, and every header value it was handed in ``headers`` (so a test can prove that no token
or secret ever reached it). A CONNECT (the tunnel of an https request) is recorded and refused
with 502: the tests never reach any host beyond this machine."""

from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

if __package__:
    from .loopback import LoopbackServer
else:  # run as a script, or imported with this folder on sys.path (demo, benchmark)
    from loopback import LoopbackServer

_HOP_BY_HOP = ("proxy-connection", "connection", "proxy-authorization")


class RecordingProxy(LoopbackServer):
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.headers: list[str] = []
        super().__init__(self._handler())

    def received(self, text: str) -> bool:
        """Whether ``text`` was in any request line or header value that reached the proxy."""
        return any(text in line for line in self.seen + self.headers)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_CONNECT(self) -> None:  # noqa: N802
                self._record()
                self.send_error(502, "this test proxy opens no tunnel")

            def do_GET(self) -> None:  # noqa: N802
                self._record()
                self._forward(b"")

            def do_POST(self) -> None:  # noqa: N802
                self._record()
                self._forward(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _record(self) -> None:
                proxy.seen.append(f"{self.command} {self.path}")
                proxy.headers.extend(f"{k}: {v}" for k, v in self.headers.items())

            def _forward(self, body: bytes) -> None:
                target = urlsplit(self.path)  # a proxy gets the absolute URL (RFC 9112 §3.2.2)
                path = target.path + (f"?{target.query}" if target.query else "")
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                upstream.request(self.command, path, body, headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
