"""Which profile serves which registry: the ``registries`` setting of each profile.

A stored profile lists its registries in its ``docker`` settings (``setup-docker``,
``login --registry``); the CI profile (AMPLIFY_CLIENT_ID/_SECRET) lists them in
AMPLIFY_DOCKER_REGISTRIES. As for git hosts, the CI profile comes first, then the stored
profiles by name; ``setup-docker`` keeps each registry on one stored profile.
"""

from __future__ import annotations

import os

from credhelper import ConfigError, Profile

from . import _core_api as core
from .names import BadRegistry, normalise, parse_list, unique

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

ENV_REGISTRIES = "AMPLIFY_DOCKER_REGISTRIES"


def registries_of(profile: Profile) -> tuple[str, ...]:
    """The registries ``profile`` serves, each in its one spelling (see ``names``)."""
    if profile.from_environment:
        return parse_list(os.environ.get(ENV_REGISTRIES, ""))
    return check_registries(core.docker_settings(profile).get("registries", []), profile.name)


def serving_profile(registry: str) -> Profile | None:
    """The profile that serves ``registry`` (already normalised), or None."""
    return next((p for p in core.list_profiles() if registry in registries_of(p)), None)


def served() -> dict[str, Profile]:
    """Every assigned registry and the profile serving it."""
    found: dict[str, Profile] = {}
    for profile in core.list_profiles():
        for registry in registries_of(profile):
            found.setdefault(registry, profile)
    return found


def assign(profile: Profile, registries: Iterable[str]) -> dict[str, str]:
    """Add ``registries`` to the stored ``profile``, taking each from any other stored profile
    that had it; ``{registry: the profile it was moved from}``."""
    wanted = unique(registries)
    moved = {}
    for other in core.list_profiles():
        if other.from_environment or other.name == profile.name:
            continue
        taken = [r for r in registries_of(other) if r in wanted]
        if taken:
            _save(other, [r for r in registries_of(other) if r not in taken])
            moved.update(dict.fromkeys(taken, other.name))
    _save(profile, unique([*registries_of(profile), *wanted]))
    return moved


def unassign(registries: Iterable[str]) -> dict[str, str]:
    """Take ``registries`` from every stored profile; ``{registry: profile it was taken from}``."""
    unwanted = set(registries)
    taken = {}
    for profile in core.list_profiles():
        if profile.from_environment:
            continue
        mine = registries_of(profile)
        if unwanted.intersection(mine):
            _save(profile, [r for r in mine if r not in unwanted])
            taken.update({r: profile.name for r in mine if r in unwanted})
    return taken


def check_registries(value: object, profile: str) -> tuple[str, ...]:
    """The ``registries`` setting, checked: a list of names, each in its one spelling."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"profile {profile!r}: its docker registries are not a list of names")
    try:
        return unique(normalise(item) for item in value)
    except BadRegistry as exc:
        raise ConfigError(f"profile {profile!r} in its docker settings: {exc}") from exc


def settings_with(current: object, registries: Iterable[str]) -> dict[str, object]:
    """This integration's settings with ``registries`` as the list (other keys kept)."""
    values = dict(current) if isinstance(current, dict) else {}
    values["registries"] = list(unique(registries))
    return values


def _save(profile: Profile, registries: Iterable[str]) -> None:
    values = settings_with(core.docker_settings(profile), registries)
    core.update_docker_settings(profile, values if values["registries"] else None)
