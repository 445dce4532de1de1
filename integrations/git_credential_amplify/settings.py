"""git's settings of a profile: the hosts it serves, and the user name git is given.

The core keeps them as the profile's ``settings["git"]`` (``{"hosts": [...], "username": ...}``)
without reading them; this module checks them. The environment (CI) profile stores nothing:
AMPLIFY_GIT_HOSTS lists its hosts (separated by spaces or commas).
"""

from __future__ import annotations

import os

from credhelper import ConfigError, Profile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

KEY = "git"  # this integration's name in Profile.settings


def hosts(profile: Profile) -> tuple[str, ...]:
    """The host patterns ``profile`` serves (``*.example.com``, ``host:port``)."""
    if profile.from_environment:
        return check_hosts(os.environ.get("AMPLIFY_GIT_HOSTS", "").replace(",", " ").split())
    try:
        return check_hosts(_own(profile).get("hosts", ()))
    except ConfigError as exc:
        raise ConfigError(f"profile {profile.name!r}: {exc}") from exc


def username(profile: Profile) -> str:
    """The user name git is given: the one set with ``login --username``, else the client id."""
    name = _own(profile).get("username")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"profile {profile.name!r}: bad git username {name!r}: expected text")
    return name or profile.client_id  # the core allows no control characters in either


def check_hosts(value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(_is_host_pattern(h) for h in value):
        raise ConfigError(f"bad git hosts {_shown(value)}: expected host names")
    return tuple(value)


def _own(profile: Profile) -> Mapping[str, object]:
    return profile.settings.get(KEY, {})


def _is_host_pattern(value: object) -> bool:
    return isinstance(value, str) and bool(value) and value.isprintable() and " " not in value


def _shown(value: object) -> str:
    text = repr(list(value) if isinstance(value, tuple) else value)
    return text if len(text) <= 60 else text[:57] + "..."
