"""Every token request ends within one deadline and reads a bounded answer, whatever the server
does: trickle, stream forever, claim a huge length, compress a bomb, redirect, answer garbage.
Driven through the API against the hostile loopback server, with a short deadline."""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import httpx
import pytest
from support.hostile_server import HostileServer

from credhelper import ConfigError, LoginServiceError, _deadline, get_token
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _core, _http
from credhelper.tokens.oauth import build_token_request, parse_token_response

REAL_DEADLINE = _http.DEADLINE  # read before the fixture below shortens it
# Six tests wait it out: short, yet six trickled bytes long (the server trickles a byte every
# 0.05 s), so a deadline that restarted at each byte would never end.
DEADLINE = 0.3
# Generous: each call must end, not be fast. Without the deadline they run for minutes.
ENDS_WITHIN = DEADLINE + 8


@pytest.fixture(autouse=True)
def short_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_http, "DEADLINE", DEADLINE)
    monkeypatch.setattr(_http, "BACKOFF", 0.01)


@pytest.fixture
def hostile() -> HostileServer:
    with HostileServer(interval=0.05) as server:
        yield server


def _outcome(call):
    """What ``call`` returned or raised, failing the test if it is still running."""
    found: list[object] = []

    def run() -> None:
        try:
            found.append(call())
        except BaseException as exc:  # noqa: BLE001 (handed to the test)
            found.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(ENDS_WITHIN)
    assert not worker.is_alive(), f"still running after {ENDS_WITHIN} s"
    return found[0]


def _send(server: HostileServer, mode: str, timeout: float = 5.0, **fields: str):
    base_url = server.base_url(quote(mode, safe=":-"))
    profile = make_profile(name="h", client_id="c", base_url=base_url, **fields)
    request = build_token_request(profile, "s")
    return _outcome(lambda: _http.send(request, timeout=timeout))


def _token_url(server: HostileServer, mode: str) -> str:
    return server.base_url(mode) + "/auth/realms/Broker/protocol/openid-connect/token"


@pytest.mark.parametrize("mode", ["trickle-body", "trickle-headers", "silent"])
def test_a_slow_answer_ends_at_the_deadline(hostile, mode: str) -> None:
    failure = _send(hostile, mode)
    assert isinstance(failure, LoginServiceError), failure
    assert str(failure) == (
        f"no token from the login service at {_token_url(hostile, mode)} after 1 attempt(s): "
        f"no complete answer within {DEADLINE:g} s; check the network and the URL, or try "
        "again later"
    )


def test_the_deadline_covers_the_retries(hostile) -> None:
    hostile.interval = 0.02
    # Each read gets its byte in time (five bytes a read timeout), and each retry would start the
    # clock again.
    failure = _send(hostile, "trickle-body", timeout=DEADLINE / 3)
    assert isinstance(failure, LoginServiceError)
    assert f"no complete answer within {DEADLINE:g} s" in str(failure)
    assert hostile.requests == ["trickle-body"]


@pytest.mark.parametrize(
    ("mode", "detail"),
    [
        ("endless-chunked", "it goes on beyond that"),
        ("huge-length", f"it announces {2 << 30} bytes"),
        ("gzip-bomb", "it goes on beyond that"),
    ],
)
def test_an_answer_beyond_1_mib_is_refused_and_not_read(hostile, mode: str, detail: str) -> None:
    failure = _send(hostile, mode)
    assert isinstance(failure, LoginServiceError), failure
    assert str(failure) == (
        f"the login service's answer is larger than 1024 KiB ({detail}), and a token answer is "
        "a few kilobytes: check the token URL"
    )
    assert hostile.requests == [mode]  # not retried
    # Once the server saw the hang-up and counted what it sent (a client that read on would
    # have it run to its 64 MiB, and fail the check below).
    assert hostile.wait_until_ended(mode, ENDS_WITHIN), "the server is still sending"
    # What got out before we hung up: the kernel's socket buffers at most, never the 64 MiB.
    assert hostile.sent.get(mode, 0) < 24 << 20


def test_a_redirect_is_not_followed_and_the_secret_goes_nowhere_else(hostile) -> None:
    failure = _send(hostile, "redirect")
    assert str(failure) == (
        "the login service redirected the token request (HTTP 307) to "
        f"'{hostile.url}/catch/token': redirects are not followed, so that the secret goes to "
        "the token URL given alone; check that URL"
    )
    assert hostile.caught == []


def test_garbage_is_a_login_service_error(hostile) -> None:
    failure = _send(hostile, "garbage")
    assert isinstance(failure, LoginServiceError), failure
    assert str(failure).startswith(
        f"no token from the login service at {_token_url(hostile, 'garbage')} after 3 attempt(s): "
    )
    assert "\n" not in str(failure)


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("deep-json", "the login service answered 200 with something that is not JSON"),
        ('json:{"access_token": "t", "expires_in": NaN}', "no usable expires_in ('nan')"),
        ('json:{"access_token": "t", "expires_in": Infinity}', "no usable expires_in ('inf')"),
        ('json:{"access_token": "t", "expires_in": 0.001}', "no usable expires_in ('0.001')"),
        ('json:{"access_token": "t", "expires_in": 1e999}', "no usable expires_in ('inf')"),
        ('json:{"access_token": "t", "expires_in": 60, "token_type": [[1]]}',
         "issued a 'a JSON array' token"),  # fmt: skip
    ],
)
def test_unusable_numbers_and_shapes_in_an_answer(hostile, mode: str, message: str) -> None:
    status, body = _send(hostile, mode)
    with pytest.raises(LoginServiceError) as caught:
        parse_token_response(status, body)
    assert message in str(caught.value)


def test_an_error_nested_deep_is_named_not_printed() -> None:
    deep = b'{"error": ' + b"[" * 500 + b"]" * 500 + b', "error_description": {"a": 1}}'
    with pytest.raises(LoginServiceError) as caught:
        parse_token_response(400, deep)
    assert str(caught.value) == (
        "the login service answered HTTP 400 (a JSON array: a JSON object)"
    )


@pytest.mark.parametrize("value", ["\u00b2", "1e3", "-5", "NaN", "99999999999999999999999"])
def test_any_retry_after_is_a_wait_or_none(hostile, value: str) -> None:
    profile = make_profile(name="h", client_id="c",
                           token_url=f"{hostile.url}/status:503?retry-after={value}")  # fmt: skip
    failure = _outcome(lambda: _http.send(build_token_request(profile, "s"), timeout=5))
    assert isinstance(failure, LoginServiceError), failure
    assert "HTTP 503; check the network" in str(failure)


# -- through the core and the command line ---------------------------------------------------


@pytest.fixture
def environment_profile(monkeypatch: pytest.MonkeyPatch):
    def point_at(base_url: str) -> None:
        monkeypatch.setenv("AMPLIFY_CLIENT_ID", "c")
        monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "s")
        monkeypatch.setenv("AMPLIFY_BASE_URL", base_url)

    return point_at


def test_waiters_share_the_failure_of_the_mint_they_waited_for(
    hostile, environment_profile, monkeypatch
) -> None:
    # Without sharing, each waiter would try for a whole deadline in turn, and the later ones
    # would give up on the lock (1.8 deadlines) with "another process has been minting".
    monkeypatch.setattr(_core, "LOCK_TIMEOUT", DEADLINE * 1.8)
    environment_profile(hostile.base_url("trickle-body"))
    failures: list[BaseException] = []

    def ask() -> None:
        try:
            get_token()
        except LoginServiceError as exc:
            failures.append(exc)

    askers = [threading.Thread(target=ask) for _ in range(3)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(ENDS_WITHIN)
    said = f"no complete answer within {DEADLINE:g} s"
    assert [said in str(failure) for failure in failures] == [True] * 3, failures
    assert hostile.requests == ["trickle-body"]  # one request, its failure told to all


def test_a_failure_before_a_call_began_is_not_shared(hostile, environment_profile) -> None:
    environment_profile(hostile.base_url("status:503"))
    for _ in range(2):
        assert isinstance(_outcome(get_token), LoginServiceError)
    assert hostile.requests == ["status:503"] * 6  # each call its own three attempts


def test_the_real_lock_timeout_outlasts_the_real_deadline() -> None:
    # Room for the signing and the keyring around the request's own deadline.
    assert _core.LOCK_TIMEOUT >= REAL_DEADLINE + 20


def test_login_against_a_trickle_exits_3_and_saves_nothing(
    run_cli, hostile, memory_keyring
) -> None:
    argv = ["login", "--client-id", "c", "--base-url", hostile.base_url("trickle-body"),
            "--secret-stdin", "--timeout", "2"]  # fmt: skip
    started = time.monotonic()
    result = _outcome(lambda: run_cli(*argv, stdin="s"))
    assert result.code == 3, result
    assert result.err == (
        f"amplify-credhelper: error: no token from the login service at "
        f"{_token_url(hostile, 'trickle-body')} after 1 attempt(s): no complete answer within "
        f"{DEADLINE:g} s; check the network and the URL, or try again later\n"
    )
    assert time.monotonic() - started < ENDS_WITHIN
    assert config.load_all() == {} and memory_keyring.entries == {}


class _Raw(httpx.SyncByteStream):
    """A body as the network gives it (httpx reads and decodes a ``content=`` body at once)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self):
        yield self._data


@pytest.mark.parametrize(
    ("encoding", "body", "message"),
    [
        ("br", b"\x1b\x00", "the login service's answer is in an encoding other than gzip or "
         r"deflate \(its Content-Encoding header\): check the token URL"),
        ("gzip", b"\x1f\x8bnot gzip at all", "the login service's gzip answer is corrupt"),
    ],
)
def test_an_answer_in_an_encoding_not_asked_for(encoding: str, body: bytes, message: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["Accept-Encoding"] == "identity"
        return httpx.Response(200, headers={"Content-Encoding": encoding}, stream=_Raw(body))

    request = build_token_request(make_profile(name="h", client_id="c"), "s")
    with pytest.raises(LoginServiceError, match=f"^{message}$"):
        _http.send(request, timeout=1, transport=httpx.MockTransport(answer))


def test_a_gzip_answer_within_the_cap_is_read() -> None:
    import gzip

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"},
                              stream=_Raw(gzip.compress(b'{"ok": 1}')))  # fmt: skip

    request = build_token_request(make_profile(name="h", client_id="c"), "s")
    assert _http.send(request, timeout=1, transport=httpx.MockTransport(answer)) == (
        200,
        b'{"ok": 1}',
    )


def test_a_bad_token_url_only_httpx_refuses_is_a_usage_error() -> None:
    request = build_token_request(make_profile(name="h", client_id="c"), "s").replace(
        url="https://xn--a.example/token"
    )
    with pytest.raises(ConfigError) as caught:
        _http.send(request, timeout=1)  # type: ignore[arg-type]
    assert str(caught.value).startswith("bad token URL 'https://xn--a.example/token' (")


def test_a_name_lookup_that_hangs_ends_at_the_request_deadline(monkeypatch) -> None:
    # No socket timeout covers getaddrinfo: a name server that never answers would hang us.
    # The lookup itself is bounded by what is left of the request's deadline, and says so.
    released = threading.Event()

    def hanging_lookup(*args: object, **kwargs: object) -> list:
        released.wait(60)
        raise OSError("released")

    monkeypatch.setattr("socket.getaddrinfo", hanging_lookup)
    profile = make_profile(name="p", client_id="c", base_url="http://localhost:9")
    stragglers = list(_deadline._stragglers)
    try:
        failure = _outcome(lambda: _core.mint(profile, "s"))
    finally:
        released.set()
    assert isinstance(failure, LoginServiceError) and failure.exit_code == 3
    message = str(failure)
    assert "\n" not in message
    assert f"after 1 attempt(s): the name lookup of localhost did not answer within the " \
        f"{DEADLINE:g} s deadline" in message  # fmt: skip
    # A lookup changes nothing: no keyring undo (_deadline.settle) waits for the one left running.
    assert _deadline._stragglers == stragglers
