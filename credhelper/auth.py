"""``AmplifyAuth``: an httpx auth flow that adds the bearer token and the tenant header."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from ._core import forget_token, get_token
from ._select import load_profile
from .profiles import Profile

TENANT_HEADER = "X-Axway-Tenant-Id"


class AmplifyAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` and ``X-Axway-Tenant-Id`` (when the org is known).

    On a 401 it forgets the refused token, mints a new one and sends the request once more.
    Token look-ups block, so in an async client they briefly hold the event loop: a cache hit
    is a file read, a miss one token request.
    """

    def __init__(self, profile: str | Profile | None = None) -> None:
        self._profile = load_profile(profile)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = get_token(self._profile)
        _authorize(request, token.access_token, token.org_id)
        response = yield request
        if response.status_code == 401:
            forget_token(token, self._profile)
            token = get_token(self._profile)
            _authorize(request, token.access_token, token.org_id)
            yield request


def _authorize(request: httpx.Request, access_token: str, org_id: str | None) -> None:
    request.headers["Authorization"] = f"Bearer {access_token}"
    if org_id is not None and TENANT_HEADER not in request.headers:
        request.headers[TENANT_HEADER] = org_id
