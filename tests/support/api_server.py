"""A loopback stand-in for an Amplify API (Central): it wants both headers, as Central does.

It answers 401 unless ``Authorization: Bearer`` carries a token its token endpoint issued and
nobody revoked, 403 unless ``X-Axway-Tenant-Id`` names an allowed tenant, and otherwise 200 with
a JSON echo of what it saw. ``revoked`` and ``refuse_next`` make it refuse good tokens, as a
server does after a key rotation; ``redirects`` sends a path elsewhere (after ``refuse_next``). Run it with ``python tests/support/api_server.py``: it starts
its own token endpoint, prints both URLs as JSON and stops itself.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler

if __package__:
    from .loopback import LoopbackServer
else:  # run as a script, or imported with this folder on sys.path (demo, benchmark)
    from loopback import LoopbackServer

if __package__:
    from .token_endpoint import TokenEndpoint
else:  # run as a script
    from token_endpoint import TokenEndpoint


class ApiServer(LoopbackServer):
    """Threaded loopback server; ``seen`` holds each request's method, path, headers and body."""

    def __init__(self, endpoint: TokenEndpoint, port: int = 0) -> None:
        self.endpoint = endpoint
        self.tenants = {str(endpoint.org_id)}
        self.revoked: set[str] = set()
        self.refuse_next = 0  # answer this many next requests 401, whatever they carry
        self.redirects: dict[str, tuple[int, str]] = {}  # path -> (3xx status, Location)
        self.seen: list[dict] = []
        self._lock = threading.Lock()
        super().__init__(_handler_for(self), port)

    def answer(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
        with self._lock:
            self.seen.append({"method": method, "path": path, "headers": headers, "body": body})
            refuse = self.refuse_next > 0
            self.refuse_next -= refuse
        if refuse:
            return 401, {"error": "invalid_token"}
        if path in self.redirects:
            status, location = self.redirects[path]
            return status, {"location": location}
        scheme, _, token = (headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not self._valid(token):
            return 401, {"error": "invalid_token"}
        if headers.get("x-axway-tenant-id") not in self.tenants:
            return 403, {"error": "unknown tenant"}
        return 200, {"method": method, "path": path, "tenant": headers["x-axway-tenant-id"]}

    def _valid(self, token: str) -> bool:
        return token in self.endpoint.issued and token not in self.revoked


def _handler_for(api: ApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            body = self._body()
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, answer = api.answer(self.command, self.path, headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            if "location" in answer:
                self.send_header("Location", answer["location"])
            if status == 401:
                self.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')  # RFC 6750 §3
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))
            chunks = []  # RFC 9112 §7.1: hex size line, data, CRLF; a 0 size ends the body
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
                if size == 0:
                    return b"".join(chunks)

        do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815 (http.server's naming)

        def log_message(self, *args: object) -> None:  # quiet: tests read `seen`
            pass

    return Handler


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifetime", type=float, default=600, help="stop after this many seconds")
    args = parser.parse_args()
    with TokenEndpoint() as endpoint, ApiServer(endpoint) as api:
        print(json.dumps({"api_url": api.url, "base_url": endpoint.base_url}), flush=True)
        time.sleep(args.lifetime)


if __name__ == "__main__":
    main()
