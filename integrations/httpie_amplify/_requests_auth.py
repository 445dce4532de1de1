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
    from collections.abc import Iterable
    from typing import Any

    from requests import PreparedRequest, Response

    from credhelper import Attempt, Authorizer, Profile


class AmplifyRequestsAuth(AuthBase):
    """Adds ``Authorization: Bearer`` and ``X-Axway-Tenant-Id`` (when the org is known and the
    caller did not set it). On a 401 to a request that carried the token, on the origin it was
    first sent to, it forgets the refused token, mints a new one and sends the request once
    more (a body that cannot be sent again gets the 401 back); a second 401 is returned as it
    is. Safe to share between threads: they share one token request, and the token is kept in
    memory until due for renewal.

    ``profile`` is a profile name, a ``credhelper.Profile``, or None for the profile credhelper
    would choose. It is looked up on the first request, not here: credhelper's errors (all
    ``credhelper.CredhelperError``) come from the request. ``hosts``: the only hosts the token
    may go to (``host[:port]``, ``*`` for one name label); None, the default, for any https
    host. A request elsewhere, or over plain http to another machine, fails with
    ``credhelper.HostNotAllowed`` before anything is sent.
    """

    def __init__(
        self, profile: str | Profile | None = None, hosts: Iterable[str] | None = None
    ) -> None:
        self.profile = profile
        # Kept as a tuple (an iterator would serve one Authorizer only); a lone string is left
        # for credhelper to refuse, rather than read letter by letter.
        self.hosts = hosts if hosts is None or isinstance(hosts, str) else tuple(hosts)
        self._authorizer: Authorizer | None = None

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        authorizer = self._authorizer
        if authorizer is None:
            # Lazily: credhelper takes 15-20 ms to import, which `http` runs that sign nothing
            # skip. Two threads racing here build two Authorizers that share one token holder.
            from credhelper import Authorizer

            authorizer = self._authorizer = Authorizer(self.profile, self.hosts)
        url = request.url or ""
        authorizer.check_url(url, _requests_would_proxy)
        # A miss in requests' CaseInsensitiveDict raises and catches a KeyError (1 us, a third
        # of this auth's cost); its lower-cased store answers without. None: credhelper looks.
        store = getattr(request.headers, "_store", None)
        has_tenant = authorizer.tenant_key in store if isinstance(store, dict) else None
        attempt = authorizer.authorize(request.headers, has_tenant)
        # As register_hook does for one callable, without its isinstance checks on each request
        request.hooks["response"].append(partial(_after_answer, authorizer, attempt, url))
        return request


def _requests_would_proxy(url: str) -> bool:
    """Whether requests would send ``url`` through a proxy of the environment, by its own rule
    (``Session.merge_environment_settings``, then ``select_proxy``). An auth runs before the
    session merges any proxy, and never sees ``proxies=``, ``session.proxies`` or HTTPie's
    ``--proxy``: those are beyond its sight (README, "Where a token goes")."""
    from requests.utils import get_environ_proxies, select_proxy

    return select_proxy(url, get_environ_proxies(url)) is not None


def _after_answer(
    authorizer: Authorizer, attempt: Attempt, first_url: str, response: Response, **kwargs: Any
) -> Response:
    """The response hook, run on each hop's answer (the hook travels with the request).

    requests builds the next hop, if any, from a copy of ``response.request`` after this hook:
    what this hook leaves on that request is what the next hop carries.
    """
    sent = response.request
    if authorizer.refused(
        attempt, response.status_code, sent.headers, sent.url or "", first_url
    ) and _ready_to_resend(sent):
        response = _resend(response, authorizer, attempt, kwargs)
    if response.is_redirect:
        _keep_tenant_with_token(authorizer, response)
    return response


def _keep_tenant_with_token(authorizer: Authorizer, redirect: Response) -> None:
    # requests takes Authorization off a hop that leaves the origin (Session.rebuild_auth);
    # the policy takes the tenant header off the same hops. A relative or scheme-relative
    # Location is resolved against this hop's URL, as requests does.
    from urllib.parse import urljoin

    sent = redirect.request
    record = sent.copy()  # the record of this hop keeps what it carried
    target = urljoin(redirect.url, redirect.headers["location"])
    if authorizer.redirect_headers(sent.headers, sent.url or "", target):
        redirect.request = record


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


def _resend(
    refused: Response, authorizer: Authorizer, attempt: Attempt, send_kwargs: dict[str, Any]
) -> Response:
    """Send the refused request again with a new token. The request itself (which requests
    copies for any redirect after this answer) gets the new token, so every later hop carries
    it; the 401's record keeps what was sent."""
    from requests.cookies import extract_cookies_to_jar

    retry = refused.request
    refused.request = retry.copy()
    authorizer.reauthorize(retry.headers, attempt)
    # Read and close the 401 so its connection can carry the retry; keep any cookie it set.
    refused.content  # noqa: B018 (reading it is the point)
    refused.close()
    extract_cookies_to_jar(retry._cookies, refused.request, refused.raw)  # type: ignore[arg-type]
    retry.prepare_cookies(retry._cookies)
    # The adapter sends without running hooks, so the retry cannot trigger another retry.
    answer: Response = refused.connection.send(retry, **send_kwargs)
    answer.history.append(refused)
    answer.request = retry
    return answer
