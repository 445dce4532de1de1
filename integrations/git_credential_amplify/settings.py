"""git's settings of a profile: the hosts it serves, and the user name git is given.

The core keeps them as the profile's ``settings["git"]`` (``{"hosts": [...], "username": ...}``)
without reading them; this module checks them. The environment (CI) profile stores nothing:
AMPLIFY_GIT_HOSTS lists its hosts (separated by spaces or commas). Hosts are read in the one
form ``hostrule`` keeps, whatever form they were written in (a URL, upper case), so a list
written before that rule keeps serving every host it named.
"""

from __future__ import annotations

import os

from credhelper import ConfigError, Profile
from credhelper.commands import PROG, shown

from .hostrule import normalise

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

KEY = "git"  # this integration's name in Profile.settings


def hosts(profile: Profile) -> tuple[str, ...]:
    """The host patterns ``profile`` serves (``*.example.com``, ``host:port``)."""
    if profile.from_environment:
        listed: object = os.environ.get("AMPLIFY_GIT_HOSTS", "").replace(",", " ").split()
        where = "AMPLIFY_GIT_HOSTS"
    else:
        listed, where = own(profile).get("hosts", ()), f"profile {profile.name!r}"
    try:
        return check_hosts(listed)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def username(profile: Profile) -> str:
    """The user name git is given: the one set with ``login --username``, else the client id."""
    name = own(profile).get("username")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"profile {profile.name!r}: bad git username {name!r}: expected text")
    return name or profile.client_id  # the core allows no control characters in either


def doctor_checks(profile: Profile) -> list[tuple[str, str, str]]:
    """``doctor``'s row on the hosts ``profile`` serves: FAIL for any the host rule refuses."""
    try:
        served = hosts(profile)
    except ConfigError as exc:
        fix = ("correct AMPLIFY_GIT_HOSTS" if profile.from_environment else
               f"give the hosts again: `{PROG} login --profile {profile.name} --git-host HOST`")
        return [("FAIL", "git hosts", f"{exc}; {fix}")]
    return [("ok", "git hosts", ", ".join(served))] if served else []


def check_hosts(value: object) -> tuple[str, ...]:
    """The patterns of a list of hosts, each once, in the form kept; ConfigError for a list
    that is none, or names a host that git can never send."""
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"bad git hosts {_shown(value)}: expected host names")
    return tuple(dict.fromkeys(normalise(host) for host in value))


def own(profile: Profile) -> Mapping[str, object]:
    """This integration's settings of ``profile`` (``{}`` for none)."""
    return profile.settings.get(KEY, {})


def _shown(value: object) -> str:
    return shown(list(value) if isinstance(value, tuple) else value)  # as JSON wrote it: a list
