"""What goes on a request to an Amplify API, and what a 401 means: the one policy that the
httpx auth (``credhelper.api.auth``) and the requests auth (``httpie_amplify``) translate.

- The token's headers (``tokens.token.set_request_headers``: ``Authorization: Bearer <token>``,
  ``X-Axway-Tenant-Id: <org id>``). A tenant header the caller set wins and is kept on the
  retry; otherwise it follows the token in use, and goes when that token has none.
- After a 401 to a request that carried our token, on the origin the request was first sent
  to, the request is sent once more with a new token, and exactly the refused token is
  forgotten (not one minted meanwhile). A second 401 goes back to the caller: a token that
  keeps being refused is not a stale token. The 401 of a hop that did not carry our token (a
  redirect stripped it) says nothing about our token. Whether the body can be sent again is
  the adapter's to decide, before ``reauthorize``, so a body that cannot costs no token.
- Where the token may go at all: ``_destination.HostBinding`` (https, or http to loopback; the
  auth's ``hosts`` when given).
"""

from __future__ import annotations

from ..profiles._select import load_profile
from ..profiles._urls import origin
from ..profiles.profile import Profile
from ..tokens.token import TENANT_HEADER, Token, authorization, set_request_headers
from ._destination import HostBinding, keeps_authorization, refuse_proxied
from ._holder import holder_for

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, MutableMapping
    from typing import Any

    from ._holder import TokenHolder

    # httpx.Headers, requests' CaseInsensitiveDict: case-insensitive, values str (or bytes)
    Headers = MutableMapping[str, Any]

class Attempt:
    """One sending of a request: the token it carries, and whether the caller chose the tenant."""

    __slots__ = ("token", "caller_tenant")

    def __init__(self, token: Token, caller_tenant: bool) -> None:
        self.token, self.caller_tenant = token, caller_tenant


def set_headers(headers: Headers, attempt: Attempt) -> None:
    """Put ``attempt``'s token, and its org unless the caller chose one, on ``headers``."""
    set_request_headers(headers, attempt.token, attempt.caller_tenant)


class Authorizer:
    """The Amplify headers for the requests of one profile, and the one retry after a 401.

    ``profile`` is a name, a ``Profile`` or None for the one ``load_profile`` picks; a name is
    looked up at the first request. ``hosts``: the hosts (git's patterns, ``host[:port]``,
    ``*`` for one label) the token may go to; None for any. Tokens are kept in memory (shared
    by every Authorizer of the profile in this process) until due for renewal. Safe to share
    between threads; the ``*_async`` methods never block an event loop.
    """

    # The tenant header's name lower-cased, for an adapter whose headers keep a lower-cased
    # store it can look in faster than a case-insensitive look-up (``authorize``).
    tenant_key = TENANT_HEADER.lower()

    def __init__(
        self, profile: str | Profile | None = None, hosts: Iterable[str] | None = None
    ) -> None:
        self.binding = HostBinding(hosts)
        self._wanted = profile
        self._profile: Profile | None = profile if isinstance(profile, Profile) else None
        self._holder: TokenHolder | None = None

    @property
    def profile(self) -> Profile:
        if self._profile is None:
            self._profile = load_profile(self._wanted)
        return self._profile

    def authorize(self, headers: Headers, caller_tenant: bool | None = None) -> Attempt:
        """Set the headers for a first sending; the ``Attempt`` that ``refused`` reads.

        ``caller_tenant``: whether ``headers`` hold a tenant header already, for an adapter
        that can tell faster than a case-insensitive look-up (None: look).
        """
        holder = self._holder or self._hold()[0]  # every request passes here: kept short
        token = holder.fresh() or holder.get(self.profile)
        if caller_tenant is None:
            caller_tenant = TENANT_HEADER in headers
        set_request_headers(headers, token, caller_tenant)
        return Attempt(token, caller_tenant)

    async def authorize_async(self, headers: Headers) -> Attempt:
        holder, profile = self._hold()
        return self._apply(headers, holder.fresh() or await holder.get_async(profile))

    def check_url(self, url: str, proxied: Callable[[str], bool] | None = None) -> None:
        """Raise ``HostNotAllowed`` unless this auth may put its token on a request to ``url``;
        ``proxied``: the HTTP library's rule for whether the environment proxies ``url``."""
        # The binding is judged once per URL; the proxy variables can change, so a plain-http
        # URL's proxy is judged on every request (https is not refused for a proxy).
        if self.binding.check(url) and proxied is not None:
            refuse_proxied(url, proxied)

    @staticmethod
    def refused(
        attempt: Attempt, status: int, sent_headers: Headers, sent_url: str, first_url: str
    ) -> bool:
        """Whether an answer calls for the one retry: a 401 to a request that carried our token
        and is on the origin it was first sent to.

        ``sent_headers`` and ``sent_url``: those of the request the answer is for, the last
        hop of a redirected one; ``first_url``: where the request was first sent.
        """
        if status != 401:
            return False
        ours = sent_headers.get("Authorization") == authorization(attempt.token)
        return ours and origin(sent_url) == origin(first_url)

    @staticmethod
    def redirect_headers(headers: Headers, from_url: str, to_url: str) -> bool:
        """Take the tenant header off a redirect hop's ``headers`` when the hop from
        ``from_url`` to ``to_url`` loses ``Authorization``, as httpx and requests decide; the
        org id goes only where the token goes. Whether anything was taken off."""
        if TENANT_HEADER not in headers or keeps_authorization(from_url, to_url):
            return False
        del headers[TENANT_HEADER]
        return True

    def reauthorize(self, headers: Headers, refused: Attempt) -> Attempt:
        """Forget the refused token and set the headers again with a new one."""
        holder, profile = self._hold()
        return self._apply(headers, holder.renew(profile, refused.token), refused)

    async def reauthorize_async(self, headers: Headers, refused: Attempt) -> Attempt:
        holder, profile = self._hold()
        return self._apply(headers, await holder.renew_async(profile, refused.token), refused)

    def _hold(self) -> tuple[TokenHolder, Profile]:
        holder, profile = self._holder, self._profile
        if holder is None or profile is None:
            profile = self.profile
            holder = self._holder = holder_for(profile)
        return holder, profile

    @staticmethod
    def _apply(headers: Headers, token: Token, first: Attempt | None = None) -> Attempt:
        # The caller's tenant is judged on the first sending only: on the retry the header
        # present may be the refused token's own.
        caller = first.caller_tenant if first is not None else TENANT_HEADER in headers
        attempt = Attempt(token, caller)
        set_headers(headers, attempt)
        return attempt

    def __reduce__(self) -> tuple[object, ...]:
        # Locks and kept tokens stay in their process; a copy finds its own.
        return (Authorizer, (self._wanted, self.binding.hosts))
