"""``AmplifyRequestsAuth``: a requests auth adding the bearer token and the tenant header.

The same job as credhelper's httpx ``AmplifyAuth``, in requests' terms: requests has no auth flow,
so the retry after a 401 is a response hook that re-sends the request once, as requests' own
``HTTPDigestAuth.handle_401`` does.
"""

from __future__ import annotations

from functools import partial

from requests.auth import AuthBase

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from requests import PreparedRequest, Response

    from credhelper import Profile, Token

TENANT_HEADER = "X-Axway-Tenant-Id"


class AmplifyRequestsAuth(AuthBase):
    """Adds ``Authorization: Bearer`` and ``X-Axway-Tenant-Id`` (when the org is known and the
    caller did not set it). On a 401 it forgets the refused token, mints a new one and sends the
    request once more; a second 401 is returned as it is.

    ``profile`` is a profile name, a ``credhelper.Profile``, or None for the profile credhelper
    would choose. It is looked up on the first request, not here, so building the auth never
    fails: credhelper's errors (all ``credhelper.CredhelperError``) come from the request.
    """

    def __init__(self, profile: str | Profile | None = None) -> None:
        self.profile = profile
        self._chosen: Profile | None = None

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        # Lazily: credhelper takes 15-20 ms to import, which `http` runs that sign nothing skip.
        from credhelper import get_token, load_profile

        if self._chosen is None:  # once, so a retry uses the profile its request used
            self._chosen = load_profile(self.profile)
        token = get_token(self._chosen)
        tenant_given = TENANT_HEADER in request.headers
        _authorize(request, token, tenant_given)
        request.register_hook("response", partial(self._renew_on_401, token, tenant_given))
        return request

    def _renew_on_401(
        self, refused: Token, tenant_given: bool, response: Response, **send_kwargs: Any
    ) -> Response:
        # Only a request that carried the refused token: the hook stays on a redirected request,
        # from which requests removed the token if the redirect left the host.
        sent = response.request.headers.get("Authorization")
        if response.status_code != 401 or sent != f"Bearer {refused.access_token}":
            return response
        retry = response.request.copy()
        if not _ready_to_resend(retry):
            return response
        from credhelper import forget_token, get_token

        forget_token(refused, self._chosen)
        _authorize(retry, get_token(self._chosen), tenant_given)
        return _resend(response, retry, send_kwargs)


def _authorize(request: PreparedRequest, token: Token, tenant_given: bool) -> None:
    request.headers["Authorization"] = f"Bearer {token.access_token}"
    if tenant_given:
        return
    if token.org_id is None:
        request.headers.pop(TENANT_HEADER, None)  # a retry must not keep an older token's org
    else:
        request.headers[TENANT_HEADER] = token.org_id


def _ready_to_resend(request: PreparedRequest) -> bool:
    """Whether the body can be sent again: none, in memory, or a file requests can seek back."""
    if request.body is None or isinstance(request.body, (bytes, str)):
        return True
    from requests.exceptions import UnrewindableBodyError
    from requests.utils import rewind_body

    try:
        rewind_body(request)
    except UnrewindableBodyError:  # a generator or a pipe: the 401 goes back as it is
        return False
    return True


def _resend(refused: Response, retry: PreparedRequest, send_kwargs: dict[str, Any]) -> Response:
    # Read and close the 401 so its connection can carry the retry; keep any cookie it set.
    from requests.cookies import extract_cookies_to_jar

    refused.content  # noqa: B018 (reading it is the point)
    refused.close()
    extract_cookies_to_jar(retry._cookies, refused.request, refused.raw)  # type: ignore[arg-type]
    retry.prepare_cookies(retry._cookies)
    # The adapter sends without running hooks, so the retry cannot trigger another retry.
    answer: Response = refused.connection.send(retry, **send_kwargs)
    answer.history.append(refused)
    answer.request = retry
    return answer
