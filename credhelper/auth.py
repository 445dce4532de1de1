"""``AmplifyAuth``: an httpx auth that adds the bearer token and the tenant header.

It only translates ``_policy.Authorizer`` into httpx's two flows. httpx's own schemes share one
``auth_flow``; this one takes locks and may mint a token, so, as httpx advises for such schemes,
it overrides ``sync_auth_flow`` and ``async_auth_flow`` instead: the async one mints in a worker
thread and never holds the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

import httpx

from ._policy import TENANT_HEADER, Authorizer
from ._select import load_profile
from .profiles import Profile

__all__ = ["TENANT_HEADER", "AmplifyAuth"]


class AmplifyAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` and ``X-Axway-Tenant-Id`` (when the org is known and the
    caller did not set it), for ``httpx.Client`` and ``httpx.AsyncClient`` alike.

    The token is kept in memory until due for renewal, so a request costs no file read. On a
    401 it forgets the refused token, gets a new one and sends the request once more. One auth
    may serve many threads or coroutines: they share one token request.
    """

    def __init__(self, profile: str | Profile | None = None) -> None:
        self._authorizer = Authorizer(load_profile(profile))

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        authorizer = self._authorizer
        attempt = authorizer.authorize(request.headers)
        response = yield request
        if authorizer.refused(attempt, response.status_code, request.headers):
            authorizer.reauthorize(request.headers, attempt)
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        authorizer = self._authorizer
        attempt = await authorizer.authorize_async(request.headers)
        response = yield request
        if authorizer.refused(attempt, response.status_code, request.headers):
            await authorizer.reauthorize_async(request.headers, attempt)
            yield request
