"""``amplify-credhelper inspect``: what the cached token says, never the token or its signature.

It reads the profile and the cache file only: no request, no keyring. The JWT's header and
payload are decoded without checking the signature (we describe our own token; nothing here is
a trust decision), and every value they hold is shown through ``oauth.shown_json``: a cache file
is ours, but what the login service put in the token is its words, and a claim may hold
anything JSON can (huge text, control characters, objects where text belongs).
"""

from __future__ import annotations

import base64
import json
import time

from ..profiles._select import load_profile
from ..tokens import cache
from ..tokens.oauth import shown_json
from ._builtin import _SwitchesOnly
from ._output import duration, print_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from ..commands import Streams
    from ..profiles.profile import Profile
    from ..tokens.token import Token

_CLAIM_LIMIT = 200  # characters of one claim shown: a real one is far shorter


class _Inspect(_SwitchesOnly):
    name = "inspect"
    help = "show what the cached token says (never the token itself); no request"
    description = (
        "Show what the cached token says: client, org id, subject, scopes, issuer, key id and "
        "algorithm, issue and expiry times, time left, and whether the next call renews it. "
        "Reads the cache only: no request, no keyring; never shows the token or its signature."
    )
    switches = {"--json": "print JSON"}

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        profile = load_profile(args.profile)
        token = cache.read(profile)
        if args.json:
            print_json(io.stdout, described(profile, token))
        elif token is None:
            io.stdout.write(f"{_label(profile)}: no cached token (the next command mints one)\n")
        else:
            lines = _report_lines(described(profile, token), token, profile.refresh_margin)
            io.stdout.write("".join(line + "\n" for line in lines))
        return 0


INSPECT = _Inspect()


def described(profile: Profile, token: Token | None) -> dict[str, object]:
    """What ``inspect --json`` prints; ``cached`` False when there is no token to describe."""
    if token is None:
        return {"profile": profile.name, "cached": False}
    header, claims = _jwt_parts(token.access_token)
    renew_at = token.renew_at(profile.refresh_margin)
    return {
        "profile": profile.name,
        "cached": True,
        "format": "opaque" if claims is None else "jwt",
        "clientId": _claim(claims, "client_id", "azp") or profile.client_id,
        "orgId": token.org_id,
        "subject": _claim(claims, "sub"),
        "scopes": _scopes(claims),
        "issuer": _claim(claims, "iss"),
        "keyId": _claim(header, "kid"),
        "algorithm": _claim(header, "alg"),
        **_times("issuedAt", token.issued_at),
        **_times("expiresAt", token.expires_at),
        **_times("renewAt", renew_at),
        "secondsLeft": max(0, int(token.expires_in())),
        # The core's own rule (Token.is_fresh), so inspect never disagrees with the next call.
        "renewsOnNextCall": not token.is_fresh(profile.refresh_margin),
    }


def _jwt_parts(access_token: str) -> tuple[dict[str, object] | None, dict[str, object] | None]:
    """The JWT's header and payload, or (None, None) for an opaque token (RFC 7519 §7.2)."""
    parts = access_token.split(".")
    if len(parts) != 3:  # a JWE has five parts; an opaque token one
        return None, None
    header, payload = _json_part(parts[0]), _json_part(parts[1])
    return (header, payload) if header is not None and payload is not None else (None, None)


def _json_part(part: str) -> dict[str, object] | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        return None
    return value if isinstance(value, dict) else None


def _claim(claims: dict[str, object] | None, *names: str) -> str | None:
    """The first of ``names`` present, shown safely as one line; None when none is."""
    for name in names:
        value = (claims or {}).get(name)
        if value is not None:
            return shown_json(value, _CLAIM_LIMIT) or None
    return None


def _scopes(claims: dict[str, object] | None) -> list[str] | None:
    scope = (claims or {}).get("scope")  # RFC 8693 §4.2: space-separated, in one string
    if not isinstance(scope, str):
        return None if scope is None else [shown_json(scope)]
    return [shown_json(s, _CLAIM_LIMIT) for s in scope[: _CLAIM_LIMIT * 8].split()][:50]


def _times(key: str, moment: float | None) -> dict[str, object]:
    """``key`` (ISO 8601 UTC) and ``key + "Local"`` (with its offset) of a Unix time."""
    if moment is None:
        return {key: None, f"{key}Local": None}
    return {
        key: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment)),
        f"{key}Local": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(moment)),
    }


# -- the text form ------------------------------------------------------------------------------


def _label(profile: Profile) -> str:
    return f"profile {profile.name!r}"


def _report_lines(row: dict[str, object], token: Token, margin: int) -> list[str]:
    what = "a JWT" if row["format"] == "jwt" else "opaque: not a JWT, so only what the cache holds"
    fields = [
        ("org id", row["orgId"] or "none (no X-Axway-Tenant-Id)"),
        ("subject", row["subject"]),
        ("scopes", " ".join(row["scopes"]) if row["scopes"] else None),  # type: ignore[arg-type]
        ("issuer", row["issuer"]),
        ("key id", _key_shown(row)),
        ("issued", None if token.issued_at is None else _both(token.issued_at)),
        ("expires", _both(token.expires_at)),
        ("time left", duration(token.expires_in())),
        ("next call", _next_call(row, token.renew_at(margin))),
    ]
    head = f"profile {row['profile']!r}: cached token of client {row['clientId']} ({what})"
    return [head, *(f"  {name + ':':<11}{value}" for name, value in fields if value is not None)]


def _key_shown(row: dict[str, object]) -> str | None:
    if row["format"] != "jwt":
        return None
    return f"{row['keyId'] or 'none'} ({row['algorithm'] or 'no algorithm named'})"


def _both(moment: float) -> str:
    """``2026-12-02 15:01:02 CET (14:01:02 UTC)``."""
    local = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(moment))
    return f"{local} ({time.strftime('%H:%M:%S', time.gmtime(moment))} UTC)"


def _next_call(row: dict[str, object], renew_at: float) -> str:
    if row["renewsOnNextCall"]:
        return "mints a new token (this one is expired or due for renewal)"
    return f"uses this token (renewal due {_both(renew_at)})"
