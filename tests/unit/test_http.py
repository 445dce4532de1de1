"""The token request over a real loopback socket, with scripted failures."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import httpx
import pytest
from support.require import need
from support.token_endpoint import Fault

from credhelper import LoginServiceError
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _http
from credhelper.tokens.oauth import build_token_request


def _send(endpoint, secret="test-secret", **options):
    profile = make_profile(name="a", client_id="test-client", base_url=endpoint.base_url)
    return _http.send(
        build_token_request(profile, secret), timeout=options.pop("timeout", 5), **options
    )


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_passing_failures_are_retried_with_growing_jittered_pauses(endpoint, clock, status) -> None:
    endpoint.faults.extend([Fault(status), Fault(status)])
    assert _send(endpoint)[0] == 200
    assert endpoint.token_requests == 3
    first, second = clock.sleeps  # full jitter: anywhere up to 0.5 s, then up to 1 s
    assert 0 <= first <= _http.BACKOFF and 0 <= second <= 2 * _http.BACKOFF


def test_a_dropped_connection_is_retried(endpoint) -> None:
    endpoint.faults.append(Fault(close=True))
    assert _send(endpoint)[0] == 200
    assert endpoint.token_requests == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_refusals_are_not_retried(endpoint, status: int) -> None:
    endpoint.faults.append(Fault(status, {"error": "invalid_client"}))
    assert _send(endpoint)[0] == status
    assert endpoint.token_requests == 1


def test_at_most_three_attempts(endpoint) -> None:
    endpoint.faults.extend([Fault(503)] * 5)
    with pytest.raises(LoginServiceError) as caught:
        _send(endpoint)
    assert endpoint.token_requests == 3
    assert str(caught.value) == (
        f"no token from the login service at {endpoint.token_url} after 3 attempt(s): HTTP 503; "
        "check the network and the URL, or try again later"
    )


def test_retry_after_is_honoured(endpoint, clock) -> None:
    endpoint.faults.append(Fault(429, headers={"Retry-After": "7"}))
    assert _send(endpoint)[0] == 200
    assert clock.sleeps == [7.0]


def test_retry_after_is_capped(endpoint, clock) -> None:
    endpoint.faults.append(Fault(503, headers={"Retry-After": "25"}))
    assert _send(endpoint)[0] == 200
    assert clock.sleeps == [_http.RETRY_AFTER_CAP]


def test_retry_after_beyond_the_deadline_gives_up_at_once(endpoint, clock) -> None:
    endpoint.faults.append(Fault(503, headers={"Retry-After": "120"}))
    with pytest.raises(LoginServiceError, match="after 1 attempt"):
        _send(endpoint, deadline=5)
    assert clock.sleeps == [] and endpoint.token_requests == 1


def test_no_attempt_starts_past_the_deadline(endpoint, clock) -> None:
    endpoint.faults.extend([Fault(503, headers={"Retry-After": "3"})] * 3)
    with pytest.raises(LoginServiceError, match=r"after 2 attempt\(s\): HTTP 503"):
        _send(endpoint, deadline=5)  # 3 s, then another 3 s would end past 5 s
    assert clock.sleeps == [3.0] and endpoint.token_requests == 2


def test_a_slow_service_times_out_and_is_retried(endpoint) -> None:
    endpoint.faults.append(Fault(delay=1.0))
    assert _send(endpoint, timeout=0.3)[0] == 200
    assert endpoint.token_requests == 2


def test_a_service_that_never_answers_in_time_fails_after_three_attempts(endpoint, clock) -> None:
    endpoint.faults.extend([Fault(delay=1.5)] * 3)
    with pytest.raises(LoginServiceError, match=r"after 3 attempt\(s\): timed out"):
        _send(endpoint, timeout=0.1)  # no answer comes in time: a short wait cannot flake
    assert endpoint.token_requests == 3 and len(clock.sleeps) == 2


def test_nothing_listening_is_a_clear_error() -> None:
    profile = make_profile(name="a", client_id="c", base_url="http://127.0.0.1:9")
    with pytest.raises(LoginServiceError, match=r"after 3 attempt\(s\): cannot connect"):
        _http.send(build_token_request(profile, "s"), timeout=1)


def test_a_name_is_looked_up_and_connected_to(endpoint) -> None:
    # 'localhost' goes through the bounded lookup (where ::1 may come first, with nothing
    # listening there: the next address is tried, as socket.create_connection does).
    profile = make_profile(
        name="a", client_id="test-client",
        base_url=endpoint.base_url.replace("127.0.0.1", "localhost"),
    )  # fmt: skip
    assert _http.send(build_token_request(profile, "test-secret"), timeout=5)[0] == 200
    assert endpoint.token_requests == 1


class _Answer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def test_an_ipv6_loopback_address_is_connected_to_without_a_lookup(monkeypatch) -> None:
    try:
        server = _IPv6Server(("::1", 0), _Answer)
    except OSError:
        need(False, "an IPv6 loopback address")
    lookups: list[object] = []
    monkeypatch.setattr(_http._deadline, "within", lambda *a, **k: lookups.append(a))
    # A short poll: shutdown() waits up to one interval for the server's loop to notice.
    threading.Thread(target=server.serve_forever, args=(0.005,), daemon=True).start()
    try:
        url = f"http://[::1]:{server.server_address[1]}"
        profile = make_profile(name="a", client_id="c", base_url=url)
        assert _http.send(build_token_request(profile, "s"), timeout=5) == (200, b"{}")
    finally:
        server.shutdown()
        server.server_close()
    assert lookups == []  # an address needs no lookup thread


def test_an_unknown_name_is_a_connection_failure(monkeypatch) -> None:
    def unknown(*args: object, **kwargs: object) -> list:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr("socket.getaddrinfo", unknown)
    profile = make_profile(name="a", client_id="c", base_url="http://localhost:9")
    with pytest.raises(LoginServiceError, match=r"cannot connect \(.*Name or service not known"):
        _http.send(build_token_request(profile, "s"), timeout=1, attempts=1)


def test_the_lookup_hook_reaches_every_pool(monkeypatch) -> None:
    # _bound_lookups reaches httpx's private attributes: this fails if httpx renames them.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    backend = httpcore.SyncBackend()
    with _http._client(_http.tls_context(None), None) as client:
        _http._bound_lookups(client, backend)
        transports = [client._transport, *client._mounts.values()]
    pools = [t._pool for t in transports if isinstance(t, httpx.HTTPTransport)]
    assert len(pools) >= 3  # the client's own, and one per proxy variable
    assert all(pool._network_backend is backend for pool in pools)


@pytest.mark.parametrize(
    ("value", "seconds"), [("7", 7.0), (" 3 ", 3.0), ("soon", None), ("", None), (None, None)]
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert _http._retry_after(value) == seconds


def test_retry_after_as_a_date() -> None:
    from email.utils import formatdate

    assert 25 <= _http._retry_after(formatdate(time.time() + 30, usegmt=True)) <= 30
