"""``AmplifyAuth``: an httpx auth that adds the bearer token and the tenant header.

It only translates ``_policy.Authorizer`` into httpx's two flows. httpx's own schemes share one
``auth_flow``; this one takes locks and may mint a token, so, as httpx advises for such schemes,
it overrides ``sync_auth_flow`` and ``async_auth_flow`` instead: the async one mints in a worker
thread and never holds the event loop.

An auth flow sees a redirected request's last answer only: the client follows the hops itself,
dropping ``Authorization`` where the origin changes, and copying every other header. Our tenant
header is taken off each hop that lost ``Authorization`` through httpcore's ``trace`` extension,
the one per-hop call that reaches the request before its headers are written (``_TenantGuard``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterable
from typing import Any

import httpx

from ..profiles._select import load_profile
from ..profiles.profile import Profile
from ..tokens.token import TENANT_HEADER
from ._policy import Attempt, Authorizer

__all__ = ["TENANT_HEADER", "AmplifyAuth"]


class AmplifyAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` and ``X-Axway-Tenant-Id`` (when the org is known and the
    caller did not set it), for ``httpx.Client`` and ``httpx.AsyncClient`` alike.

    The token is kept in memory until due for renewal, so a request costs no file read. On a
    401 to a request that carried the token, it forgets the refused token, gets a new one and
    sends the request once more, when the body can be sent again. One auth may serve many
    threads or coroutines: they share one token request.

    ``hosts``: the only hosts the token may go to (``host[:port]``, ``*`` for one name label);
    None, the default, for any https host. A request elsewhere, or over plain http to a host
    that is not this machine, fails with ``credhelper.HostNotAllowed`` before anything is sent.
    """

    def __init__(
        self, profile: str | Profile | None = None, hosts: Iterable[str] | None = None
    ) -> None:
        self._authorizer = Authorizer(load_profile(profile), hosts)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        authorizer = self._authorizer
        authorizer.check_url(str(request.url), _httpx_would_proxy)
        attempt = authorizer.authorize(request.headers)
        _guard(request, _TenantGuard)
        response = yield request
        if _retry_due(authorizer, attempt, request, response):
            authorizer.reauthorize(request.headers, attempt)
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        authorizer = self._authorizer
        authorizer.check_url(str(request.url), _httpx_would_proxy)
        attempt = await authorizer.authorize_async(request.headers)
        _guard(request, _AsyncTenantGuard)
        response = yield request
        if _retry_due(authorizer, attempt, request, response):
            await authorizer.reauthorize_async(request.headers, attempt)
            yield request


def _httpx_would_proxy(url: str) -> bool:
    """Whether a client that reads the environment (httpx's default, ``trust_env``) sends
    ``url`` through a proxy, by httpx's own rule: its client mounts the environment's proxies
    (``get_environment_proxies``), sorted, and the first pattern matching a URL picks its
    transport, None meaning direct. An auth flow never sees its client, so a client built with
    ``trust_env=False`` is judged as one that reads the environment: in doubt, no token."""
    try:
        from httpx._utils import URLPattern, get_environment_proxies
    except ImportError:  # a later httpx moved them: then any proxy variable counts
        from urllib.request import getproxies

        return any(scheme != "no" for scheme in getproxies())
    mounts = sorted(((URLPattern(k), v is not None) for k, v in get_environment_proxies().items()),
                    key=lambda mount: mount[0])  # fmt: skip
    target = httpx.URL(url)
    return next((proxied for pattern, proxied in mounts if pattern.matches(target)), False)


def _retry_due(
    authorizer: Authorizer, attempt: Attempt, request: httpx.Request, response: httpx.Response
) -> bool:
    # Judged on the request that got the answer (the last hop), and only for a body that can
    # be sent again: decided before anything is forgotten or minted.
    if response.status_code != 401:
        return False
    sent = response.request
    return authorizer.refused(
        attempt, response.status_code, sent.headers, str(sent.url), str(request.url)
    ) and _replayable(request)


def _replayable(request: httpx.Request) -> bool:
    """Whether the body is in memory: a generator, an async iterator or a file streams once."""
    try:
        request.content  # noqa: B018 (httpx raises RequestNotRead for a streamed body)
    except httpx.RequestNotRead:
        return False
    return True


_TENANT_KEY = TENANT_HEADER.lower().encode()
_HEADERS_EVENTS = ("http11.send_request_headers.started", "http2.send_request_headers.started")


def _drop_stray_tenant(event: str, info: dict[str, Any]) -> None:
    # httpcore's request headers are a list of (name, value) byte pairs, written after this.
    if event in _HEADERS_EVENTS:
        headers = info["request"].headers
        if not any(name.lower() == b"authorization" for name, _ in headers):
            headers[:] = [(name, value) for name, value in headers if name.lower() != _TENANT_KEY]


class _TenantGuard:
    """httpcore's ``trace`` for a sync client: the tenant guard, then the caller's own trace."""

    def __init__(self, then: Callable[[str, dict[str, Any]], object] | None) -> None:
        self.then = then

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        _drop_stray_tenant(event, info)
        if self.then is not None:  # the caller's own trace sees what is sent
            self.then(event, info)


class _AsyncTenantGuard:
    """The same for an async client, whose ``trace`` httpcore awaits."""

    def __init__(self, then: Callable[[str, dict[str, Any]], Awaitable[object]] | None) -> None:
        self.then = then

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        _drop_stray_tenant(event, info)
        if self.then is not None:
            await self.then(event, info)


def _guard(request: httpx.Request, guard: type[_TenantGuard | _AsyncTenantGuard]) -> None:
    # httpx hands each redirect hop the first request's extensions: the guard goes with them.
    # Once per request (the retry yields it again), around any trace the caller set.
    extensions = request.extensions
    if not isinstance(extensions.get("trace"), guard):
        extensions["trace"] = guard(extensions.get("trace"))
