"""Sending the token request: the one home of httpx, with timeouts, retries and bounds.

Retried: connection failures, timeouts, 429 and 5xx, at most ``ATTEMPTS`` times, with
exponential backoff and full jitter, honouring Retry-After up to a cap. Never retried: any
other answer, 400 and 401 above all, since a refused secret stays refused.

Bounded: the whole exchange, retries and the answer's body included, ends within one deadline
(the timeout of each read alone would let a server that trickles its answer a byte at a time
hold us forever), the name lookup included (no socket timeout covers it), and at most
``MAX_ANSWER`` bytes of the answer are read (a token answer is a few kilobytes; an endless one
would otherwise fill the memory).

Proxies (HTTPS_PROXY, NO_PROXY) are honoured by httpx itself, except for this machine: a
request to 127.0.0.1, ::1 or localhost (the one place plain http is allowed) never goes through
a proxy, which would carry the secret in clear text off the machine. The certificate
authorities are the profile's CA file, else SSL_CERT_FILE, else httpx's own bundle.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import socket
import ssl
import stat
import threading
import time

import httpcore  # httpx's own transport library: its network backend is our lookup hook
import httpx

from .. import _deadline, _log
from ..errors import ConfigError, LoginServiceError, shown
from .oauth import said

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .oauth import TokenRequest

ATTEMPTS = 3
DEADLINE = 30.0  # seconds for the whole request, retries included (the README promises it)
BACKOFF = 0.5  # seconds before the second attempt, doubled after that
RETRY_AFTER_CAP = 10.0
MAX_ANSWER = 1 << 20  # bytes: a token answer is a few kilobytes
_RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})
# httpx uses the client's own transport (None) for these, before any proxy of the environment.
_NEVER_PROXIED: dict[str, httpx.BaseTransport | None] = {
    "all://127.0.0.1": None,
    "all://[::1]": None,
    "all://localhost": None,
}
_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                    "all_proxy", "NO_PROXY", "no_proxy")  # fmt: skip


def send(
    request: TokenRequest,
    *,
    timeout: float,
    ca_file: str | None = None,
    deadline: float | None = None,
    transport: httpx.BaseTransport | None = None,
    attempts: int = ATTEMPTS,
    seen: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """POST ``request`` (GET when it has no form); the final status and body, or
    LoginServiceError when none came within ``deadline`` seconds (``DEADLINE`` when not
    given). ``seen``, when given, receives the final answer's headers (names in lower case)."""
    seconds = DEADLINE if deadline is None else deadline
    url, verify = _url(request.url), tls_context(ca_file)
    with _Watchdog(seconds) as watchdog, _client(verify, transport) as client:
        _bound_lookups(client, _BoundedLookups(watchdog))
        for attempt in range(1, attempts + 1):
            outcome = _attempt(client, url, request, timeout, watchdog)
            if not isinstance(outcome, _Failure):
                if seen is not None:
                    seen.update(outcome[2])
                return outcome[:2]
            pause = _pause(attempt, outcome.retry_after)
            if attempt == attempts or pause >= watchdog.left():
                break
            # A person waiting at a terminal sees why it takes long, without --verbose.
            _log.notice("login service: %s; retrying in %.1f s (attempt %d of %d)",
                        outcome, pause, attempt + 1, attempts)  # fmt: skip
            time.sleep(pause)
    error = LoginServiceError(
        f"no token from the login service at {request.url} after {attempt} attempt(s): "
        f"{outcome}; check the network and the URL, or try again later",
    )
    error.reason = str(outcome)
    raise error


class _Failure:
    """An attempt that may pass next time: why it failed, and the wait the server asked."""

    __slots__ = ("reason", "retry_after")

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        self.reason, self.retry_after = reason, retry_after

    def __str__(self) -> str:
        return self.reason


def _url(url: str) -> httpx.URL:
    # _urls.check_url refuses what it can without httpx; this catches what httpx alone
    # refuses (an IDNA rule), as a usage error rather than an internal one.
    try:
        parsed = httpx.URL(url)
        parsed.host  # noqa: B018  (decoded lazily: an 'xn--' label fails only here)
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise ConfigError(
            f"bad token URL {shown(url, 200)} ({exc}): log in with a valid one"
        ) from exc
    return parsed


def _attempt(
    client: httpx.Client,
    url: httpx.URL,
    request: TokenRequest,
    timeout: float,
    watchdog: _Watchdog,
) -> tuple[int, bytes, dict[str, str]] | _Failure:
    # Each read waits at most what is left of the deadline; the watchdog covers the rest.
    limit = httpx.Timeout(min(timeout, max(watchdog.left(), 0.1)))
    # RFC 9110 §12.5.3: identity asks for no compression, so the size cap counts real bytes.
    headers = {**dict(request.headers), "Accept-Encoding": "identity"}
    form, trace = dict(request.form), {"trace": watchdog.trace}
    method = "POST" if form else "GET"  # GET: a discovery document (_revoke)
    try:
        with client.stream(
            method, url, data=form or None, headers=headers, timeout=limit, extensions=trace
        ) as response:
            _log.debug("%s %s: HTTP %d", method, request.url, response.status_code)
            if response.status_code in _RETRIED_STATUS:
                retry_after = _retry_after(response.headers.get("Retry-After"))
                return _Failure(f"HTTP {response.status_code}", retry_after)
            _refuse_redirect(response, request)
            body = _read_body(response, watchdog)
            return response.status_code, body, {k.lower(): v for k, v in response.headers.items()}
    except _LookupHung as exc:
        return _Failure(str(exc))
    except httpx.HTTPError as exc:
        if watchdog.left() <= 0:
            return _Failure(f"no complete answer within {_rounded(watchdog.seconds)} s")
        # The library's text may quote the answer (h11: "illegal header line: b'...'").
        return _Failure(said(_describe(exc), request.credentials(), limit=300))


def _read_body(response: httpx.Response, watchdog: _Watchdog) -> bytes:
    """The answer's body, at most MAX_ANSWER bytes of it, before the deadline."""
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_ANSWER:
        raise _too_large(f"it announces {int(declared)} bytes")
    decode = _decoder(response.headers.get("Content-Encoding"))
    body = bytearray()
    for chunk in response.iter_raw():
        body += decode(chunk, MAX_ANSWER + 1 - len(body))  # room >= 1: 0 means "no limit"
        if len(body) > MAX_ANSWER:
            raise _too_large("it goes on beyond that")
        if watchdog.left() <= 0:
            raise httpx.ReadTimeout("the whole deadline passed during the answer")
    return bytes(body)


def _too_large(detail: str) -> LoginServiceError:
    return LoginServiceError(
        f"the login service's answer is larger than {MAX_ANSWER // 1024} KiB ({detail}), "
        "and a token answer is a few kilobytes: check the token URL"
    )


def _decoder(encoding: str | None) -> Callable[[bytes, int], bytes]:
    """Undo a compression we did not ask for (a proxy's), never beyond the cap."""
    name = (encoding or "identity").strip().lower()
    if name == "identity":
        return lambda chunk, room: chunk
    if name not in ("gzip", "x-gzip", "deflate"):
        # Its name is not quoted: a header is the server's text, and may echo ours.
        raise LoginServiceError(
            "the login service's answer is in an encoding other than gzip or deflate "
            "(its Content-Encoding header): check the token URL"
        )
    import zlib

    inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # +32: a gzip or a zlib header

    def decode(chunk: bytes, room: int) -> bytes:
        try:
            return inflate.decompress(chunk, room)  # never more than room bytes at once
        except zlib.error as exc:
            raise LoginServiceError(f"the login service's {name} answer is corrupt") from exc

    return decode


def _refuse_redirect(response: httpx.Response, request: TokenRequest) -> None:
    """A redirect is never followed: the secret goes to the token URL given and nowhere else."""
    location = response.headers.get("Location")
    if 300 <= response.status_code < 400 and location is not None:
        raise LoginServiceError(
            f"the login service redirected the token request (HTTP {response.status_code}) "
            f"to {said(location, request.credentials(), quoted=True)}: redirects are not "
            "followed, so that the secret goes to the token URL given alone; check that URL"
        )


def _rounded(seconds: float) -> str:
    """Seconds as a message shows them: to a tenth (a deadline that is what remains of a larger
    one, as logout's revocation passes, is 3.97009 s; the user set 4)."""
    return f"{round(seconds, 1):g}"


class _Watchdog:
    """The one deadline of a token request.

    Read timeouts and the checks between chunks bound most of it, but a server that trickles
    its headers a byte at a time never hands control back. So a timer shuts down the sockets
    of the request at the deadline (httpcore's trace extension names each new connection):
    a read blocked on a socket that is shut down returns at once, on every platform.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds
        self._streams: list[object] = []
        self._timer = threading.Timer(seconds, self._shut_down)
        self._timer.daemon = True

    def left(self) -> float:
        return self._ends - time.monotonic()

    def trace(self, event: str, info: dict[str, object]) -> None:
        if event.endswith((".connect_tcp.complete", ".start_tls.complete")):
            self._streams.append(info.get("return_value"))
            if self.left() <= 0:
                self._shut_down()

    def _shut_down(self) -> None:
        for stream in list(self._streams):
            with contextlib.suppress(AttributeError, OSError):  # no socket, or closed already
                stream.get_extra_info("socket").shutdown(socket.SHUT_RDWR)  # type: ignore[attr-defined]

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()


# -- name lookups ------------------------------------------------------------------------------


class _LookupHung(Exception):
    """A name lookup that did not answer before the request's deadline (not httpcore's: httpx
    hands it over as it is, so its text reaches the user)."""


class _BoundedLookups(httpcore.SyncBackend):
    """httpcore's own backend, except that the name lookup ends with the request's deadline.

    No socket timeout covers getaddrinfo, and before a socket exists the watchdog has nothing
    to shut down: a name server that never answers would hold the request for ever. So the
    lookup runs in a daemon thread bounded by the time left, and the connection goes to the
    addresses found. TLS still names the request's host (httpcore takes server_hostname from
    the origin, not from the address connected to).
    """

    def __init__(self, watchdog: _Watchdog) -> None:
        self._watchdog = watchdog

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        # Each address in turn, as socket.create_connection does ('localhost' may name ::1
        # first for a server that listens on 127.0.0.1 alone), none past the deadline: the
        # watchdog cannot reach a socket still connecting.
        for address in self._addresses(host, port):
            left = max(self._watchdog.left(), 0.01)
            wait = left if timeout is None else min(timeout, left)
            try:
                return super().connect_tcp(address, port, wait, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    def _addresses(self, host: str, port: int) -> list[str]:
        if _is_address(host):  # 127.0.0.1, ::1: nothing to look up, no thread
            return [host]
        return [str(sockaddr[0]) for *_, sockaddr in self._looked_up(host, port)]

    def _looked_up(self, host: str, port: int) -> list[tuple]:  # type: ignore[type-arg]
        seconds = self._watchdog.seconds
        try:
            return _deadline.within(
                max(self._watchdog.left(), 0.0),
                lambda: _LookupHung(
                    f"the name lookup of {host} did not answer within the {_rounded(seconds)} s "
                    "deadline (check DNS)"
                ),
                lambda: socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM),
                changes=False,
            )
        except OSError as exc:  # an unknown name: a connection failure, as httpcore's own
            raise httpcore.ConnectError(str(exc)) from exc


def _is_address(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return True
    return False


def _bound_lookups(client: httpx.Client, backend: httpcore.NetworkBackend) -> None:
    """Give ``backend`` to every connection pool of ``client``: its own and one per proxy.

    httpx's transports take no network backend, though httpcore's pools do; so this reaches
    three private attributes (Client._transport and _mounts, HTTPTransport._pool), here alone.
    test_http.py's test_the_lookup_hook_reaches_every_pool fails if httpx renames them. A pool
    hands its backend to each connection as it opens it, so setting it after the fact serves.
    """
    for transport in (client._transport, *client._mounts.values()):
        pool = getattr(transport, "_pool", None)  # none in a test's MockTransport
        if isinstance(pool, httpcore.ConnectionPool):  # HTTPProxy, SOCKSProxy derive from it
            pool._network_backend = backend


# -- trust and proxies ----------------------------------------------------------------------


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """What checks the login service's certificate: the profile's CA file, else SSL_CERT_FILE
    (read as httpx would), else httpx's own default. A file that cannot serve is a
    ConfigError here, before any request, rather than an OSError deep in the connection."""
    if ca_file:
        fix = "give a readable file of PEM certificates with `amplify-credhelper login --ca-file`"
        return _load_ca(ca_file, f"the CA file {ca_file}", fix)
    env_file = os.environ.get("SSL_CERT_FILE")
    if env_file:
        fix = "point it at a readable file of PEM certificates, or unset it"
        return _load_ca(env_file, f"SSL_CERT_FILE={env_file}", fix)
    import certifi  # httpx's own dependency: the bundle its default context reads

    # httpx's default reads SSL_CERT_DIR when set (OpenSSL opens its files at each handshake),
    # else certifi's bundle: the key holds both.
    return _httpx_default(_stamp(certifi.where()), os.environ.get("SSL_CERT_DIR"))


def _load_ca(path: str, what: str, fix: str) -> ssl.SSLContext:
    try:
        stamp = _stamp(path)
        # Only a regular file: the certificate loader would block on a FIFO forever.
        if stat.S_ISREG(stamp[1]):
            return _from_file(stamp)
        why = "not a regular file"
    except ssl.SSLError:  # an OSError too: test it first
        why = "no PEM certificate in it"
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
    raise ConfigError(f"cannot use {what} ({why}): {fix}")


# Parsing a CA bundle costs tens of milliseconds, the largest part of a mint's own work. So each
# version of a file is parsed once a process, however many tokens it mints (one context serves
# any number of clients and threads); a file replaced or edited gets a new stamp, so a new
# context. A failure is not kept: the next call tries again.
_Stamp = tuple[str, int, int, int, int]


def _stamp(path: str) -> _Stamp:
    """What tells one version of a file from another: path, mode, inode (a file renamed into
    its place), size and mtime (one edited in place)."""
    found = os.stat(path)
    return path, found.st_mode, found.st_ino, found.st_size, found.st_mtime_ns


@functools.lru_cache(maxsize=16)
def _from_file(stamp: _Stamp) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=stamp[0])


@functools.lru_cache(maxsize=4)
def _httpx_default(bundle: _Stamp, directory: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context(verify=True)


def _client(verify: ssl.SSLContext, transport: httpx.BaseTransport | None) -> httpx.Client:
    try:
        return httpx.Client(
            verify=verify, transport=transport, follow_redirects=False, mounts=_NEVER_PROXIED
        )
    except (ValueError, ImportError, httpx.InvalidURL) as exc:  # the proxy variables
        named = ", ".join(name for name in _PROXY_VARIABLES if os.environ.get(name))
        why = (
            "a SOCKS proxy needs `pip install 'httpx[socks]'`"
            if isinstance(exc, ImportError)
            else "a proxy that is no http://, https:// or socks5:// URL with a valid host and "
            "port, or a NO_PROXY entry that is no host"
        )
        # The values are not shown: a proxy URL may hold the proxy's password.
        raise ConfigError(f"cannot use the proxy settings {named} ({why}): fix them") from exc


# -- failures and waits -----------------------------------------------------------------------


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})"
    return f"{type(exc).__name__} ({exc})"


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # isdigit alone takes '²', which float() refuses
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def _pause(attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(retry_after, RETRY_AFTER_CAP)
    return random.uniform(0, BACKOFF * 2 ** (attempt - 1))  # noqa: S311 (jitter, not crypto)
