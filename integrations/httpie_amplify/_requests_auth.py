"""``AmplifyRequestsAuth``: a requests auth adding the bearer token and the tenant header.

The same job as credhelper's httpx ``AmplifyAuth``, in requests' terms: the policy is
credhelper's ``Authorizer``; this module only translates it. requests has no auth flow,
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

    from credhelper import Authorizer, Profile
    from credhelper._policy import Attempt


class AmplifyRequestsAuth(AuthBase):
    """Adds ``Authorization: Bearer`` and ``X-Axway-Tenant-Id`` (when the org is known and the
    caller did not set it). On a 401 it forgets the refused token, mints a new one and sends the
    request once more; a second 401 is returned as it is. Safe to share between threads: they
    share one token request, and the token is kept in memory until due for renewal.

    ``profile`` is a profile name, a ``credhelper.Profile``, or None for the profile credhelper
    would choose. It is looked up on the first request, not here, so building the auth never
    fails: credhelper's errors (all ``credhelper.CredhelperError``) come from the request.
    """

    def __init__(self, profile: str | Profile | None = None) -> None:
        self.profile = profile
        self._authorizer: Authorizer | None = None

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        authorizer = self._authorizer
        if authorizer is None:
            # Lazily: credhelper takes 15-20 ms to import, which `http` runs that sign nothing
            # skip. Two threads racing here build two Authorizers that share one token holder.
            from credhelper import Authorizer

            authorizer = self._authorizer = Authorizer(self.profile)
        # A miss in requests' CaseInsensitiveDict raises and catches a KeyError (1 us, a third
        # of this auth's cost); its lower-cased store answers without. None: credhelper looks.
        store = getattr(request.headers, "_store", None)
        has_tenant = _TENANT_KEY in store if isinstance(store, dict) else None
        attempt = authorizer.authorize(request.headers, has_tenant)
        # As register_hook does for one callable, without its isinstance checks on each request
        request.hooks["response"].append(partial(_renew_on_401, authorizer, attempt))
        return request


def _renew_on_401(
    authorizer: Authorizer, attempt: Attempt, response: Response, **send_kwargs: Any
) -> Response:
    # Only a request that carried the refused token: the hook stays on a redirected request,
    # from which requests removed the token if the redirect left the host.
    if not authorizer.refused(attempt, response.status_code, response.request.headers):
        return response
    retry = response.request.copy()
    if not _ready_to_resend(retry):
        return response
    authorizer.reauthorize(retry.headers, attempt)
    return _resend(response, retry, send_kwargs)


_TENANT_KEY = "x-axway-tenant-id"


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
