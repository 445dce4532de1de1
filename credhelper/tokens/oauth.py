"""The client-credentials token request and its answer, as pure functions (RFC 6749 §4.4).

Nothing here does I/O: ``_http`` sends what ``build_token_request`` builds and hands the answer
to ``parse_token_response``, so both are tested without a network.
"""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import quote_plus

from .._record import Record
from ..errors import CredentialsRejected, LoginServiceError, shown
from .token import MAX_LIFETIME, Token, is_bearer_token, org_id_from_jwt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from ..profiles.profile import Profile

    _Fields = list[tuple[str, str]]

# Keycloak's answers to a bad client id or secret (RFC 6749 §5.2).
_REFUSALS = ("invalid_client", "unauthorized_client", "invalid_grant")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"  # RFC 7523 §2.2
# What to check after a refusal, by auth method: a refused key is usually one whose public
# half the service account does not hold.
_CHECK = {
    "key": "the client id and the private key (is its public key registered for this client?)",
}


class TokenRequest(Record):
    """A POST to the token endpoint: URL, form fields and headers, ready to send."""

    __slots__ = ("url", "form", "headers")
    _hidden = frozenset({"form", "headers"})  # they carry the secret
    url: str
    form: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]

    def credentials(self, *more: str) -> frozenset[str]:
        """The credentials this request carries, plus ``more``, in each form an answer may
        echo them in: what ``said`` keeps out of messages."""
        from ._echo import sent_credentials

        return sent_credentials(self.form, self.headers, *more)


def build_token_request(profile: Profile, secret: str, now: float | None = None) -> TokenRequest:
    """The token request for ``profile``; ``secret`` is its client secret or, for auth method
    'key', its private key (PEM), which signs a fresh client assertion."""
    return authenticated(profile, secret, profile.token_endpoint,
                         [("grant_type", "client_credentials")], now)  # fmt: skip


def authenticated(
    profile: Profile, secret: str, url: str, form: _Fields, now: float | None = None
) -> TokenRequest:
    """A POST of ``form`` to ``url`` with ``profile``'s client authentication, as the token
    request carries it (RFC 7009 §2.1 asks the same of a revocation request)."""
    extra_form, extra_headers = _CLIENT_AUTH[profile.auth_method](profile, secret, now)
    return TokenRequest(
        url=url,
        form=tuple(form + extra_form),
        headers=(("Accept", "application/json"), *extra_headers),
    )


def _basic_auth(profile: Profile, secret: str, now: float | None) -> tuple[_Fields, _Fields]:
    return [], [("Authorization", _basic_credentials(profile.client_id, secret))]


def _post_auth(profile: Profile, secret: str, now: float | None) -> tuple[_Fields, _Fields]:
    return [("client_id", profile.client_id), ("client_secret", secret)], []


def _key_auth(profile: Profile, pem: str, now: float | None) -> tuple[_Fields, _Fields]:
    # Lazily import the signer: it loads PyJWT and cryptography, which only key profiles need.
    from . import _assertion

    # RFC 7523 §3: the audience is the server's issuer, or its token URL, which is all a
    # custom token URL of no known shape tells (never the default login service's issuer).
    audience = profile.issuer or profile.token_endpoint
    assertion = _assertion.sign(
        pem, profile.client_id, audience=audience, now=now, key_id=profile.key_id
    )
    # RFC 7523 §2.2 names the assertion type; client_id is optional there, but servers
    # (Keycloak, oidc-provider) use it to find the client before they read the assertion.
    return [
        ("client_id", profile.client_id),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion),
    ], []


_CLIENT_AUTH: dict[str, Callable[[Profile, str, float | None], tuple[_Fields, _Fields]]] = {
    "basic": _basic_auth,
    "post": _post_auth,
    "key": _key_auth,
}


def _basic_credentials(client_id: str, secret: str) -> str:
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and encoded,
    # so a ':' or non-ASCII character in the secret survives the trip.
    pair = f"{quote_plus(client_id, safe='')}:{quote_plus(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def parse_token_response(
    status: int,
    body: bytes,
    now: float | None = None,
    auth_method: str = "basic",
    sent: Collection[str] = (),
) -> Token:
    """The token in a token endpoint's answer, or the error that explains why there is none.
    ``sent``: the credentials the request carried (``_echo.sent_credentials``), which no
    message quoting the answer may hold."""
    answer = json_object(body)
    if status != 200:
        check = _CHECK.get(auth_method, "the client id and secret")
        raise _error_for(status, answer, check, sent)
    if answer is None:
        raise LoginServiceError("the login service answered 200 with something that is not JSON")
    return _token_from(answer, time.time() if now is None else now, sent)


def json_object(body: bytes) -> dict[str, object] | None:
    """``body`` parsed as a JSON object; None when it is anything else."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: an answer nested thousands deep
        return None
    return value if isinstance(value, dict) else None


def _error_for(
    status: int, answer: dict[str, object] | None, check: str, sent: Collection[str] = ()
) -> Exception:
    code = (answer or {}).get("error")
    error, detail = said(code, sent), said((answer or {}).get("error_description"), sent)
    words = f"{error}: {detail}" if error and detail else error or detail or "no details"
    if status == 401 or (status == 400 and code in _REFUSALS):
        return CredentialsRejected(
            f"the login service refused the client credentials (HTTP {status}, {words}): check "
            f"{check}, then run `amplify-credhelper login` again"
        )
    return LoginServiceError(f"the login service answered HTTP {status} ({words})")


def _token_from(answer: dict[str, object], now: float, sent: Collection[str] = ()) -> Token:
    access_token = answer.get("access_token")
    if not is_bearer_token(access_token):
        raise LoginServiceError(
            "the login service's answer holds no usable access_token (missing, or with "
            "characters a bearer token cannot have)"
        )
    token_type = answer.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        # RFC 6749 §7.1: the type is case-insensitive; Axway's own example says "bearer".
        raise LoginServiceError(
            f"the login service issued a {said(token_type, sent, quoted=True)} token, not a "
            "bearer token"
        )
    lifetime = answer.get("expires_in")
    if (
        isinstance(lifetime, bool)
        or not isinstance(lifetime, (int, float))
        or not 1 <= lifetime <= MAX_LIFETIME  # NaN fails both comparisons
    ):
        raise LoginServiceError(
            "the login service's answer has no usable expires_in "
            f"({said(lifetime, sent, quoted=True)})"
        )
    assert isinstance(access_token, str)
    return Token(
        access_token=access_token,
        expires_at=now + float(lifetime),
        issued_at=now,
        org_id=org_id_from_jwt(access_token),
    )


def said(value: object, sent: Collection[str], limit: int = 200, *, quoted: bool = False) -> str:
    """A server's words (``value``) for a one-line message, by ``shown_json``'s rule, and a
    note instead when they echo a credential of ``sent`` (see ``_echo``). A little beyond
    ``limit`` is checked too, so that a credential cut at the limit is caught by the run that
    crosses it."""
    from . import _echo  # loaded only when a message quotes a server

    if isinstance(value, str) and _echo.echoes(value[: limit + _echo.RUN], sent):
        return _echo.NOT_SHOWN
    return shown_json(value, limit, quoted=quoted)


def shown_json(value: object, limit: int = 200, *, quoted: bool = False) -> str:
    """A value from a server's JSON (its words, a claim) for a message, by ``errors.shown``'s
    rule: text as prose (``quoted``: as a value), a number as Python writes it, nothing for
    null. A list or an object stands in by its kind, since printing a structure the server
    nested deep could itself fail."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = "a JSON array" if isinstance(value, list) else "a JSON object"
    elif not isinstance(value, str):
        value = repr(value)  # bool, int or float: JSON's other scalars
    return shown(value, limit, quoted=quoted)
