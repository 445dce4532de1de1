"""Revoking the cached token at logout (RFC 7009), so that a token left behind on a machine
handed back dies with the logout instead of living out its half hour.

Best effort by design: one attempt, within ``DEADLINE`` seconds for the discovery document and
the revocation together, made once the logout has removed the token and the credentials
(read just before), so a logout that fails changes nothing anywhere; whatever happens to the
revocation, the logout stands. The caller prints what we return: exactly what happened. The
token and the secret appear in no message.

Where the secret may go: the revocation request carries the client authentication, so the
endpoint named by the discovery document must be https (or plain http to this machine, as
every URL here) AND on the token URL's origin (scheme, host and port). The secret then never
reaches a server that the token request would not reach: a discovery document that points
elsewhere (a hostile or broken one, or a cache in between) costs the revocation, never the
secret. Keycloak serves both under the realm's issuer URL, so real realms pass.
"""

from __future__ import annotations

import time

from ..errors import CredhelperError, LoginServiceError, shown
from . import cache
from ._echo import credential_forms

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from ..profiles.profile import Profile
    from .token import Token

DEADLINE = 4.0  # seconds for discovery and revocation together: a logout never waits long
_DISCOVERY = "/.well-known/openid-configuration"  # OpenID Connect Discovery 1.0 §4
_NO_ENDPOINT = "the login service offers no revocation"
_REVOKED = "token revoked"
_NO_ISSUER = "the issuer of a custom token URL is unknown"


class _NotRevoked(Exception):
    """Why the revocation did not happen, in a few words (never the token or the secret)."""


def prepared(profile: Profile) -> Callable[[], str] | None:
    """What revokes ``profile``'s cached token once logout has removed it: a call that does it
    and says what happened; None when no cached token is still valid (nothing to say).

    The token and the credentials are read now, while they exist; the request waits until the
    local removal succeeded, so a logout that fails changes nothing, not even at the login
    service (a revoked token left in the cache would be served until it expires)."""
    token = cache.read(profile)
    if token is None or token.expires_in() <= 0:
        return None
    from . import _secret

    try:
        secret = _secret.secret_for(profile)
    except CredhelperError as exc:  # the keyring, the key file: said, and the logout goes on
        said = _failed(exc, token)  # now: `exc` is gone once the except clause ends
        return lambda: _logged(profile, token, said)
    return lambda: _logged(profile, token, _revoked(profile, token, secret))


def _logged(profile: Profile, token: Token, said: str) -> str:
    """``said``, once the audit log has the revocation's outcome."""
    from ._audit import record

    unsupported = said.startswith(_NO_ENDPOINT)
    record("revocation", profile, "ok" if said == _REVOKED else "unsupported" if unsupported
           else "failed", token)  # fmt: skip
    return said


def _revoked(profile: Profile, token: Token, secret: str) -> str:
    if profile.issuer is None:  # asking the default login service would tell it our token
        return f"revocation not attempted: {_NO_ISSUER}, {_stays(token)}"
    ends = time.monotonic() + DEADLINE
    try:
        endpoint = _revocation_endpoint(profile, ends)
        if endpoint is None:
            return f"{_NO_ENDPOINT}: {_stays(token)}"
        _revoke(profile, endpoint, token, secret, ends)
    except (_NotRevoked, CredhelperError) as exc:
        return _failed(exc, token, credential_forms(secret, token.access_token))
    return _REVOKED


def _failed(exc: Exception, token: Token, known: Collection[str] = ()) -> str:
    # ``known``: a discovery document or a URL check quotes the server, who knows them too.
    # The reason is our own message, its quotes already shown safely: shown again only if it
    # is not one printable line, so that an escape is never escaped twice.
    from . import _echo

    reason = _reason(exc)
    if _echo.echoes(reason, known):
        reason = _echo.NOT_SHOWN
    elif not (reason.isascii() and reason.isprintable()):
        reason = shown(reason, 1000, quoted=False)
    return f"revocation failed ({reason}): {_stays(token)}"


def _stays(token: Token) -> str:
    return f"the token stays valid until {_clock(token.expires_at)}"


def _revocation_endpoint(profile: Profile, ends: float) -> str | None:
    """The ``revocation_endpoint`` of the realm's discovery document, checked; None: none."""
    from . import _http
    from .oauth import TokenRequest

    url = f"{profile.issuer}{_DISCOVERY}"  # the token URL's own origin (Profile.issuer)
    request = TokenRequest(url=url, form=(), headers=(("Accept", "application/json"),))
    try:
        status, body = _http.send(request, timeout=profile.timeout, ca_file=profile.ca_file,
                                  deadline=_left(ends), attempts=1)  # fmt: skip
    except LoginServiceError as exc:
        raise _NotRevoked(f"the discovery document: {exc.reason or exc}") from exc
    if status == 404:  # no discovery at all: nothing tells where a revocation would go
        return None
    if status != 200:
        raise _NotRevoked(f"the discovery document answered HTTP {status}")
    endpoint = _required_object(body, "the discovery document").get("revocation_endpoint")
    if endpoint is None:
        return None
    if not isinstance(endpoint, str):
        raise _NotRevoked("the discovery document's revocation_endpoint is not a URL")
    return _checked(endpoint, profile.token_endpoint)


def _checked(endpoint: str, token_url: str) -> str:
    """``endpoint`` if the client authentication may go there (see the module's docstring)."""
    from ..profiles._urls import check_url, origin

    check_url(endpoint, "revocation endpoint", query=True)  # RFC 7009 §2: a query is allowed
    theirs, ours = origin(endpoint), origin(token_url)
    if theirs != ours:
        raise _NotRevoked(
            f"the revocation endpoint is on {_shown_origin(theirs)}, not on the token URL's "
            f"{_shown_origin(ours)}: the credentials go nowhere else"
        )
    return endpoint


def _shown_origin(where: tuple[str, str, int | None]) -> str:
    scheme, host, port = where
    return shown(f"{scheme}://{host}:{port}", 120, quoted=False)


def _revoke(profile: Profile, endpoint: str, token: Token, secret: str, ends: float) -> None:
    """One revocation request (RFC 7009 §2.1) with the profile's own client authentication."""
    from . import _http, oauth

    form = [("token", token.access_token), ("token_type_hint", "access_token")]
    request = oauth.authenticated(profile, secret, endpoint, form)
    status, body = _http.send(request, timeout=profile.timeout, ca_file=profile.ca_file,
                              deadline=_left(ends), attempts=1)  # fmt: skip
    if status != 200:  # RFC 7009 §2.2: 200 for a token revoked and for one unknown alike
        raise _NotRevoked(f"HTTP {status}{_error_of(body, request.credentials(secret))}")


def _error_of(body: bytes, sent: Collection[str] = ()) -> str:
    """``, error: description`` of an RFC 6749 §5.2 error answer, shown safely (never with
    a credential of ``sent`` in it); or nothing."""
    from .oauth import json_object, said

    answer = json_object(body) or {}
    words = ": ".join(filter(None, (said(answer.get("error"), sent, 60),
                                    said(answer.get("error_description"), sent, 120))))  # fmt: skip
    return f", {words}" if words else ""


def _required_object(body: bytes, what: str) -> dict[str, object]:
    from .oauth import json_object

    value = json_object(body)
    if value is None:
        raise _NotRevoked(f"{what} is not a JSON object")
    return value


def _left(ends: float) -> float:
    left = ends - time.monotonic()
    if left <= 0.05:
        raise _NotRevoked(f"no answer within {DEADLINE:g} s")
    return left


def _reason(exc: Exception) -> str:
    return getattr(exc, "reason", None) or str(exc)


def _clock(moment: float) -> str:
    """HH:MM local time; with the date when that is not today."""
    same_day = time.localtime(moment)[:3] == time.localtime()[:3]
    return time.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M", time.localtime(moment))
