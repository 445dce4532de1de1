"""A git server over HTTP on loopback that wants an Amplify token, for the git helper's tests.

``git http-backend`` (CGI) serves the repositories; a small threaded server in front of it lets
a request through only with a token the token endpoint issued, unexpired and not refused
(Basic auth with the token as password, or Bearer), and answers 401 with WWW-Authenticate
otherwise, as a real token-protected git host would. ``refuse(token)`` makes it turn a valid
token away, as a server does with a revoked one.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import NamedTuple

if __package__:
    from .loopback import LoopbackServer
else:  # run as a script, or imported with this folder on sys.path (demo, benchmark)
    from loopback import LoopbackServer

CGI_TIMEOUT = 60.0


class Seen(NamedTuple):
    """One request as the server judged it (tests only: the token is kept)."""

    method: str
    path: str
    scheme: str | None  # "Basic" or "Bearer"
    token: str | None
    status: int


class GitServer(LoopbackServer):
    """Threaded loopback server; ``issued`` is the token endpoint's list of minted tokens."""

    def __init__(
        self, root: Path, issued: list[str], schemes: tuple[str, ...] = ("Basic",)
    ) -> None:
        # The schemes it takes and offers in WWW-Authenticate: ("Bearer",) is a Bearer-only host.
        self.root, self.issued, self.schemes = root, issued, schemes
        self.refused: set[str] = set()
        self.seen: list[Seen] = []
        super().__init__(_handler_for(self))

    @property
    def host(self) -> str:
        """The ``host`` value git sends for this server: 127.0.0.1:PORT."""
        return self.url.removeprefix("http://")

    def create_repository(self, name: str) -> str:
        """A new bare repository that accepts pushes over HTTP; its URL."""
        subprocess.run(
            ["git", "init", "-q", "--bare", str(self.root / name)], check=True, timeout=60
        )
        return f"{self.url}/{name}"

    def refuse(self, token: str) -> None:
        self.refused.add(token)

    def accepts(self, token: str | None) -> bool:
        return (
            token is not None
            and token in self.issued
            and token not in self.refused
            and (_expiry_of(token) > time.time())
        )

    def tokens_accepted(self) -> list[str]:
        return [s.token for s in self.seen if s.status < 400 and s.token is not None]


def _expiry_of(token: str) -> float:
    """The ``exp`` claim of the token endpoint's (unsigned, JWT-shaped) tokens."""
    payload = token.split(".")[1]
    return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])


def _credentials(header: str | None) -> tuple[str | None, str | None, str | None]:
    """(scheme, user, token) of an Authorization header."""
    scheme, _, value = (header or "").partition(" ")
    if scheme == "Bearer":
        return scheme, None, value
    if scheme == "Basic":
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return scheme, None, None
        return scheme, user, password
    return None, None, None


def _handler_for(server: GitServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # so Expect: 100-continue is answered

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._serve()

        def do_POST(self) -> None:  # noqa: N802
            self._serve()

        def _serve(self) -> None:
            body = self._read_body()  # always, so a 401 leaves the connection usable
            scheme, user, token = _credentials(self.headers.get("Authorization"))
            path, _, query = self.path.partition("?")
            if scheme not in server.schemes or not server.accepts(token):
                server.seen.append(Seen(self.command, path, scheme, token, 401))
                challenge = ", ".join(f'{name} realm="amplify"' for name in server.schemes)
                return self._send(401, {"WWW-Authenticate": challenge}, b"")
            status, headers, content = self._run_backend(path, query, user or "bearer", body)
            server.seen.append(Seen(self.command, path, scheme, token, status))
            self._send(status, headers, content)

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _run_backend(
            self, path: str, query: str, user: str, body: bytes
        ) -> tuple[int, dict[str, str], bytes]:
            env = {
                "PATH": os.environ["PATH"],
                "HOME": str(server.root),
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_PROJECT_ROOT": str(server.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "REMOTE_USER": user,  # http-backend allows pushes from an authenticated user
                "REMOTE_ADDR": "127.0.0.1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
            }
            for name in ("Git-Protocol", "Content-Encoding"):
                if self.headers.get(name):
                    env["HTTP_" + name.upper().replace("-", "_")] = self.headers[name]
            done = subprocess.run(
                ["git", "http-backend"], input=body, env=env, capture_output=True,
                timeout=CGI_TIMEOUT, check=False,
            )  # fmt: skip
            return _parse_cgi(done.stdout)

        def _send(self, status: int, headers: dict[str, str], content: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args: object) -> None:  # quiet: tests read `seen`
            pass

    return Handler


def _parse_cgi(output: bytes) -> tuple[int, dict[str, str], bytes]:
    """A CGI program's output: its Status, its other headers and its body."""
    ends = [(at, len(blank)) for blank in (b"\r\n\r\n", b"\n\n") if (at := output.find(blank)) >= 0]
    at, size = min(ends) if ends else (len(output), 0)
    headers = {}
    for line in output[:at].decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    status = int(headers.pop("Status", "200").split()[0])
    headers.pop("Content-Length", None)  # _send sets it
    return status, headers, output[at + size :]
