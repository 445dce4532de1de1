"""A loopback "login service" that misbehaves on purpose, to test the bounds of a token request.

The first segment of the path picks the misbehaviour, so one server plays every part at once:
a profile whose base URL is ``{server.url}/trickle-body`` gets its answer one byte at a time.
It is bounded and stops itself: an answer ends when the client hangs up, when the server
stops, after ``lifetime`` seconds, or after ``max_bytes`` (an "endless" answer is 64 MiB by
default, far beyond the 1 MiB a client should read, yet a client without a cap survives it).

Modes:
    trickle-body     200 with a Content-Length of 4096, then one byte every ``interval``
    trickle-headers  a status line, then one header byte every ``interval``, never done
    silent           reads the request and says nothing
    endless-chunked  200, chunked, 64 KiB chunks until MAX_BYTES
    huge-length      200 with Content-Length 2 GiB, then data as fast as it goes
    gzip-bomb        200, Content-Encoding gzip: 32 KiB that inflate to 32 MiB
    redirect         307 to ``/catch`` on this server, which records what reached it
    garbage          bytes that are not HTTP, then the connection closes
    deep-json        200 with a JSON array nested 100000 deep
    json:BODY        200 with BODY (URL-quoted) as it is, e.g. json:%7B%22expires_in%22%3ANaN%7D
    status:N         N with a JSON error body and the Retry-After of ``?retry-after=``

Run alone with ``python tests/support/hostile_server.py``: it prints its URL and stops itself.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

if __package__:
    from .loopback import LoopbackServer
else:  # run as a script, or imported with this folder on sys.path
    from loopback import LoopbackServer

MAX_BYTES = 64 << 20
CHUNK = 64 << 10


@functools.lru_cache(maxsize=1)  # built on first use: 80 ms of compression, for one test
def _gzip_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)  # +16: a gzip member
    zeros = bytes(1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(32)) + packer.flush()


class HostileServer(LoopbackServer):
    def __init__(
        self, interval: float = 0.2, lifetime: float = 60.0, max_bytes: int = MAX_BYTES
    ) -> None:
        self.interval, self.lifetime, self.max_bytes = interval, lifetime, max_bytes
        self.stopping = threading.Event()
        self.sent: dict[str, int] = {}  # bytes of answer each mode got out before it ended
        self.caught: list[dict[str, object]] = []  # requests that followed a redirect
        self.requests: list[str] = []  # the mode of each request, in order
        self._lock = threading.Lock()
        self._counted = threading.Condition(self._lock)
        super().__init__(_handler_for(self))

    def base_url(self, mode: str) -> str:
        return f"{self.url}/{mode}"

    def count(self, mode: str, sent: int) -> None:
        with self._lock:
            self.sent[mode] = self.sent.get(mode, 0) + sent
            self._counted.notify_all()

    def wait_until_ended(self, mode: str, timeout: float) -> bool:
        """Whether an answer in ``mode`` ended (and ``sent`` counts it) within ``timeout``:
        a test that hung up learns when the server noticed, instead of sleeping a guess."""
        with self._lock:
            return self._counted.wait_for(lambda: mode in self.sent, timeout)

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()  # ends every answer still going
        super().__exit__(*exc)


def _handler_for(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """Each ``play_<mode>`` method plays one misbehaviour (the mode's '-' become '_')."""

        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urlsplit(self.path)
            mode = parts.path.split("/")[1]
            with server._lock:
                server.requests.append(mode)
            if mode == "catch":
                server.caught.append({"path": self.path, "body": body.decode(),
                                      "authorization": self.headers.get("Authorization")})  # fmt: skip
                return self._answer(404, b"{}")
            name, _, argument = mode.partition(":")
            self.close_connection = True
            self._sent, self._ends = 0, time.monotonic() + server.lifetime
            play = getattr(self, "play_" + name.replace("-", "_"), None)
            if play is None:
                return self._answer(404, b'{"error": "no such mode"}')
            try:
                play(unquote(argument), parse_qs(parts.query))
            except (ConnectionError, TimeoutError, OSError):
                pass  # the client hung up: what a bounded client does
            finally:
                server.count(name, self._sent)

        def _going(self) -> bool:
            return (not server.stopping.is_set() and time.monotonic() < self._ends
                    and self._sent < server.max_bytes)  # fmt: skip

        def _write(self, data: bytes) -> None:
            self.wfile.write(data)
            self.wfile.flush()
            self._sent += len(data)

        def _answer(self, status: int, body: bytes, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self._write(body)

        def play_trickle_body(self, *_: object) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "4096")
            self.end_headers()
            while self._going():
                self._write(b" ")
                server.stopping.wait(server.interval)

        def play_trickle_headers(self, *_: object) -> None:
            self._write(b"HTTP/1.1 200 OK\r\nX-Trickle: ")
            while self._going():
                self._write(b"a")
                server.stopping.wait(server.interval)

        def play_silent(self, *_: object) -> None:
            while self._going():
                server.stopping.wait(server.interval)

        def play_endless_chunked(self, *_: object) -> None:
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"%x\r\n%s\r\n" % (CHUNK, b" " * CHUNK)
            while self._going():
                self._write(chunk)

        def play_huge_length(self, *_: object) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(2 << 30))
            self.end_headers()
            while self._going():
                self._write(b" " * CHUNK)

        def play_gzip_bomb(self, *_: object) -> None:
            self._answer(200, _gzip_bomb(), Content_Encoding="gzip")

        def play_redirect(self, *_: object) -> None:
            self.send_response(307)
            self.send_header("Location", f"{server.url}/catch/token")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def play_garbage(self, *_: object) -> None:
            self._write(b"\x00\xffNOT HTTP AT ALL\r\n\r\n" + bytes(range(256)))

        def play_deep_json(self, *_: object) -> None:
            self._answer(200, b"[" * 100_000 + b"]" * 100_000)

        def play_json(self, argument: str, *_: object) -> None:
            self._answer(200, argument.encode())

        def play_status(self, argument: str, query: dict[str, list[str]]) -> None:
            headers = {"Retry_After": query["retry-after"][0]} if "retry-after" in query else {}
            self._answer(int(argument), json.dumps({"error": "busy"}).encode(), **headers)

        def log_message(self, *args: object) -> None:  # quiet: tests read their own output
            pass

    return Handler


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifetime", type=float, default=300, help="stop after this many seconds")
    args = parser.parse_args()
    with HostileServer() as server:
        print(json.dumps({"url": server.url}), flush=True)
        time.sleep(args.lifetime)


if __name__ == "__main__":
    main()
