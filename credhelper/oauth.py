"""The client-credentials token request and its answer, as pure functions (RFC 6749 §4.4).

Nothing here does I/O: ``_http`` sends what ``build_token_request`` builds and hands the answer
to ``parse_token_response``, so both are tested without a network.
"""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import quote_plus

from ._record import Record
from .errors import CredentialsRejected, LoginServiceError
from .tokens import Token, is_bearer_token, org_id_from_jwt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .profiles import Profile

MAX_LIFETIME = 366 * 86400  # an expires_in beyond a year is a broken answer, not a gift
# Keycloak's answers to a bad client id or secret (RFC 6749 §5.2).
_REFUSALS = ("invalid_client", "unauthorized_client", "invalid_grant")


class TokenRequest(Record):
    """A POST to the token endpoint: URL, form fields and headers, ready to send."""

    __slots__ = ("url", "form", "headers")
    _hidden = frozenset({"form", "headers"})  # they carry the secret
    url: str
    form: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]


def build_token_request(profile: Profile, secret: str) -> TokenRequest:
    form = [("grant_type", "client_credentials")]
    headers = [("Accept", "application/json")]
    if profile.auth_method == "post":
        form += [("client_id", profile.client_id), ("client_secret", secret)]
    else:
        headers.append(("Authorization", _basic_credentials(profile.client_id, secret)))
    return TokenRequest(url=profile.token_endpoint, form=tuple(form), headers=tuple(headers))


def _basic_credentials(client_id: str, secret: str) -> str:
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and encoded,
    # so a ':' or non-ASCII character in the secret survives the trip.
    pair = f"{quote_plus(client_id, safe='')}:{quote_plus(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def parse_token_response(status: int, body: bytes, now: float | None = None) -> Token:
    """The token in a token endpoint's answer, or the error that explains why there is none."""
    answer = _json_object(body)
    if status != 200:
        raise _error_for(status, answer)
    if answer is None:
        raise LoginServiceError("the login service answered 200 with something that is not JSON")
    return _token_from(answer, time.time() if now is None else now)


def _json_object(body: bytes) -> dict[str, object] | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _error_for(status: int, answer: dict[str, object] | None) -> Exception:
    error = _printable((answer or {}).get("error"))
    detail = _printable((answer or {}).get("error_description"))
    said = f"{error}: {detail}" if error and detail else error or detail or "no details"
    if status == 401 or (status == 400 and error in _REFUSALS):
        return CredentialsRejected(
            f"the login service refused the client credentials (HTTP {status}, {said}): check "
            "the client id and secret, then run `amplify-credhelper login` again"
        )
    return LoginServiceError(f"the login service answered HTTP {status} ({said})")


def _token_from(answer: dict[str, object], now: float) -> Token:
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
            f"the login service issued a {_printable(token_type)!r} token, not a bearer token"
        )
    lifetime = answer.get("expires_in")
    if (
        isinstance(lifetime, bool)
        or not isinstance(lifetime, (int, float))
        or not 0 < lifetime <= MAX_LIFETIME
    ):
        raise LoginServiceError(
            f"the login service's answer has no usable expires_in ({_printable(lifetime)!r})"
        )
    assert isinstance(access_token, str)
    return Token(
        access_token=access_token,
        expires_at=now + float(lifetime),
        issued_at=now,
        org_id=org_id_from_jwt(access_token),
    )


def _printable(value: object, limit: int = 200) -> str:
    """A server's words, safe for a one-line message: no control characters, bounded length."""
    if value is None:
        return ""
    text = "".join(c if c.isprintable() else " " for c in str(value))
    return text[:limit]
