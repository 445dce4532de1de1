"""The lifecycle every test server here shares: an HTTP server on 127.0.0.1, in a thread."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: a sixth client connecting at once (the thread tests
    # send 16) lost its SYN and the kernel sent it again a second later.
    request_queue_size = 64

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (a timeout test) breaks the pipe: expected, not worth a trace.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LoopbackServer:
    """``with`` starts serving, leaving the block stops; ``url`` is where it listens."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self._server = _QuietServer(("127.0.0.1", port), handler)
        # A short poll interval: shutdown() waits up to one interval, at each server's end.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.005,), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
