"""What the command line prints: the official CLI's JSON shape, status rows, durations."""

from __future__ import annotations

import json
import time

from ..errors import shown
from ..profiles.profile import as_json
from ..tokens import cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

    from ..profiles.profile import Profile
    from ..tokens.token import Token


def official_shape(profile: Profile, token: Token) -> dict[str, object]:
    """The JSON that scripts written for the official CLI read (`.auth.tokens.access_token`,
    `.org.id`), so they keep working unchanged."""
    org_id = None if token.org_id is None else int(token.org_id)
    return {
        "auth": {
            "tokens": {
                "access_token": token.access_token,
                "token_type": "bearer",
                "expires_in": max(0, int(token.expires_in())),
            },
            "expires": {"access": int(token.expires_at * 1000)},
            "clientId": profile.client_id,
            "baseUrl": profile.login_base_url,
            "realm": profile.login_realm,
            "env": profile.env,
            "platformUrl": profile.platform_base_url,
            **region_fields(profile),
        },
        "org": None if org_id is None else {"id": org_id, "org_id": org_id},
    }


def region_fields(profile: Profile) -> dict[str, object]:
    """The region and its Amplify Central URL (null when unknown), so scripts need not hard-code
    a Central host."""
    return {"region": profile.region_name, "centralUrl": profile.central_url}


def print_json(out: IO[str], value: object) -> None:
    out.write(json.dumps(value, indent=2) + "\n")


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def status_of(profile: Profile) -> dict[str, object]:
    token = cache.read(profile)
    state = None
    if token is not None:
        state = {
            "valid": token.is_fresh(profile.refresh_margin),
            "expiresAt": int(token.expires_at * 1000),
            # a number, as `token --json` gives it (.org.id): one type for one value
            "orgId": None if token.org_id is None else int(token.org_id),
        }
    return {
        "profile": profile.name,
        "clientId": profile.client_id,
        "env": profile.env,
        "tokenUrl": profile.token_endpoint,
        "baseUrl": profile.login_base_url,
        "platformUrl": profile.platform_base_url,
        **region_fields(profile),
        "authMethod": profile.auth_method,
        "usesKey": profile.uses_key,
        "keyFile": profile.key_file,
        "settings": as_json(profile.settings),
        "token": state,
    }


def status_line(row: dict[str, object]) -> str:
    token = row["token"]
    if not isinstance(token, dict):
        state = "no cached token"
    else:
        left = token["expiresAt"] / 1000 - time.time()
        state = (
            f"token valid for {duration(left)}"
            if token["valid"]
            else "token expired or due for renewal"
        )
        state += f", org {token['orgId']}" if token["orgId"] else ""
    how = "private key" if row["usesKey"] else str(row["authMethod"])
    how += f" file {row['keyFile']}" if row["keyFile"] else ""
    where = f"{row['tokenUrl']} ({how})"
    return f"{row['profile']}: client {row['clientId']}, {where}, {state}{_settings(row)}"


def _settings(row: dict[str, object]) -> str:
    """Integrations' settings as words: ``, git hosts a.example b.example, git username bob``."""
    settings = row["settings"]
    if not isinstance(settings, dict):
        return ""
    return "".join(
        f", {name} {key} {_words(value)}"
        for name, values in settings.items()
        for key, value in sorted(values.items())
    )


def _words(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    return json.dumps(value)


def broken_line(row: dict[str, object]) -> str:
    """The status line of a stored profile that cannot be used."""
    name = str(row["profile"])  # bare, as status_line shows names, unless it needs escaping
    name = name if shown(name, quoted=False) == name else shown(name)
    return f"{name}: cannot be used: {row['error']}"
