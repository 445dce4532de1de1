"""A forwarding HTTP proxy on loopback that records what passed through it."""

from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

if __package__:
    from .loopback import LoopbackServer
else:  # run as a script, or imported with this folder on sys.path (demo, benchmark)
    from loopback import LoopbackServer


class RecordingProxy(LoopbackServer):
    def __init__(self) -> None:
        self.seen: list[str] = []
        super().__init__(self._handler())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                proxy.seen.append(f"{self.command} {self.path}")
                target = urlsplit(self.path)  # a proxy gets the absolute URL (RFC 9112 §3.2.2)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("proxy-connection", "connection")
                }
                upstream.request("POST", target.path, body, headers)
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
