"""The access token and what we know about it: when it expires and which org it serves; and what
it becomes for the programs that use it, the one home of that rule: the request headers (the two
auths, ``header``, ``exec --renew``'s header file) and the environment variables (``env``,
``exec``).
"""

from __future__ import annotations

import time

from .._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import MutableMapping

# RFC 6750 section 2.1: the characters a bearer token may hold (b64token: 1*( ALPHA / DIGIT /
# "-" / "." / "_" / "~" / "+" / "/" ) *"="). Anything else (spaces, quotes, control characters)
# would break a header, a git answer or a shell line, so it is refused. A set, not a regular
# expression: compiling one would cost a cache hit more than the check.
_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/")
MAX_LIFETIME = 366 * 86400  # a token living beyond a year is a broken answer, not a gift


class Token(Record):
    """A bearer token, its absolute expiry (Unix seconds) and its org (tenant) id, if known."""

    _hidden = frozenset({"access_token"})
    access_token: str
    expires_at: float
    org_id: str | None = None
    issued_at: float | None = None

    def expires_in(self, now: float | None = None) -> float:
        return self.expires_at - (time.time() if now is None else now)

    def renew_at(self, margin: float) -> float:
        """When the token is due for renewal (Unix seconds): its expiry less the margin.

        The margin is capped at half the token's lifetime, so a service that issues short
        tokens does not make every token stale the moment it arrives.
        """
        if self.issued_at is not None:
            margin = min(margin, (self.expires_at - self.issued_at) / 2)
        return self.expires_at - margin

    def is_fresh(self, margin: float, now: float | None = None) -> bool:
        """True until the token is due for renewal (see ``renew_at``)."""
        return (time.time() if now is None else now) < self.renew_at(margin)


def is_bearer_token(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 65536:
        return False
    stripped = value.rstrip("=")  # the padding, at the end only
    return bool(stripped) and _B64_CHARS.issuperset(stripped)


def is_org_id(value: object) -> bool:
    """An org (tenant) id: ASCII digits ("²" is a digit to str.isdigit), as Amplify's are."""
    return isinstance(value, str) and 0 < len(value) <= 32 and value.isascii() and value.isdigit()


def org_id_from_jwt(access_token: str) -> str | None:
    """The ``orgId`` claim of an Amplify access token, or None for an opaque token.

    Only the payload is decoded, not the signature checked: we read our own token, fresh from
    the login service over TLS, for a header value, not to make a trust decision.
    """
    import base64
    import json

    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, RecursionError):  # RecursionError: a payload nested thousands deep
        return None
    org = payload.get("orgId") if isinstance(payload, dict) else None
    if isinstance(org, bool) or not isinstance(org, (int, str)):
        return None
    org = str(org)
    return org if is_org_id(org) else None


# What a token becomes. What the token does not know (its org, the region's Central URL) is
# removed, not left: a header or a variable of another token (a retry's refused one, another
# profile's inherited one) never pairs with this one.
TENANT_HEADER = "X-Axway-Tenant-Id"


def authorization(token: Token) -> str:
    """The ``Authorization`` header's value (RFC 6750 section 2.1)."""
    return "Bearer " + token.access_token


def set_request_headers(
    headers: MutableMapping[str, str], token: Token, keep_tenant: bool = False
) -> None:
    """Put ``token`` on a request's ``headers``: ``Authorization``, and ``X-Axway-Tenant-Id``
    with the token's org, removed when the token names none; ``keep_tenant``: the caller chose
    the tenant, leave it. Set in place, not built and copied: every request of the two auths
    passes here."""
    headers["Authorization"] = "Bearer " + token.access_token  # authorization(), inlined
    if keep_tenant:
        return
    if token.org_id is None:
        headers.pop(TENANT_HEADER, None)
    else:
        headers[TENANT_HEADER] = token.org_id


def header_lines(token: Token) -> str:
    """The headers ``token`` makes, one a line: the form curl reads with ``-H @FILE``."""
    headers: dict[str, str] = {}
    set_request_headers(headers, token)
    return "".join(f"{name}: {value}\n" for name, value in headers.items())


def environment(token: Token, central_url: str | None) -> dict[str, str | None]:
    """The variables a program using ``token`` gets, in the order ``env`` prints them: the token,
    its org, the profile's Central URL (``central_url``, None when the region is unknown: one
    inherited from elsewhere would send the token to another region), the expiry in Unix
    seconds. None: unset."""
    return {
        "AMPLIFY_TOKEN": token.access_token,
        "AMPLIFY_TENANT_ID": token.org_id,
        "AMPLIFY_CENTRAL_URL": central_url,
        "AMPLIFY_TOKEN_EXPIRES_AT": str(int(token.expires_at)),
    }


def apply(values: dict[str, str | None], target: MutableMapping[str, str]) -> None:
    """Set each of ``values`` on ``target`` (headers, an environment); remove the None ones."""
    for name, value in values.items():
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
