"""Which profile serves which registry: the ``registries`` setting of each profile.

A stored profile lists its registries in its ``docker`` settings (``setup-docker``,
``login --registry``); the CI profile (AMPLIFY_CLIENT_ID/_SECRET) lists them in
AMPLIFY_DOCKER_REGISTRIES. As for git hosts, the CI profile comes first, then the stored
profiles by name; ``setup-docker`` keeps each registry on one stored profile.
"""

from __future__ import annotations

import os
import warnings

from credhelper import ConfigError, Profile, config_lock, list_profiles, update_settings
from credhelper.commands import PROG

from .names import BadRegistry, normalise, parse_list, unique

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

KEY = "docker"  # this integration's name in Profile.settings (setup-docker's settings_key)
ENV_REGISTRIES = "AMPLIFY_DOCKER_REGISTRIES"


def registries_of(profile: Profile) -> tuple[str, ...]:
    """The registries ``profile`` serves, each in its one spelling (see ``names``)."""
    if profile.from_environment:
        return parse_list(os.environ.get(ENV_REGISTRIES, ""))
    return check_registries(own_settings(profile).get("registries", []), profile.name)


def serving_profile(registry: str) -> Profile | None:
    """The profile that serves ``registry`` (already normalised), or None."""
    return served().get(registry)


def served(stored_only: bool = False) -> dict[str, Profile]:
    """Every assigned registry and the profile serving it."""
    found: dict[str, Profile] = {}
    for profile in list_profiles():
        if not (stored_only and profile.from_environment):
            for registry in _listed(profile):
                found.setdefault(registry, profile)
    return found


def assign(profile: Profile, registries: Iterable[str]) -> dict[str, str]:
    """Add ``registries`` to the stored ``profile``, taking each from any other stored profile
    that had it; ``{registry: the profile it was moved from}``."""
    with config_lock():  # several profiles change: as one step
        return _assign(profile, unique(registries))


def _assign(profile: Profile, wanted: tuple[str, ...]) -> dict[str, str]:
    moved = {}
    for other in list_profiles():
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
    with config_lock():  # several profiles change: as one step
        return _unassign(set(registries))


def _unassign(unwanted: set[str]) -> dict[str, str]:
    taken = {}
    for profile in list_profiles():
        if profile.from_environment:
            continue
        mine = registries_of(profile)
        if unwanted.intersection(mine):
            _save(profile, [r for r in mine if r not in unwanted])
            taken.update({r: profile.name for r in mine if r in unwanted})
    return taken


def _listed(profile: Profile) -> tuple[str, ...]:
    # One profile's bad settings (a hand edit) must not stop the others from serving theirs.
    try:
        return registries_of(profile)
    except ConfigError as exc:
        warnings.warn(f"{exc}: skipped", stacklevel=3)
        return ()


def doctor_checks(profile: Profile) -> list[tuple[str, str, str]]:
    """``doctor``'s row on ``profile``'s registries: FAIL for unreadable settings, and for a
    key profile (a registry takes a client id and secret: a key profile has no secret)."""
    try:
        registries = registries_of(profile)
    except ConfigError as exc:
        return [("FAIL", "registries", f"{exc}; assign them again with `{PROG} setup-docker`")]
    if not registries:
        return []
    listed = ", ".join(registries)
    if not profile.uses_key:
        return [("ok", "registries", f"{listed}, served with the client secret")]
    return [("FAIL", "registries", (
        f"{listed} assigned, but profile {profile.name!r} logs in with a private key and a "
        f"registry takes a client secret: assign them to a secret profile with `{PROG} "
        f"setup-docker --profile P REGISTRY`, or remove them with `{PROG} setup-docker --unset "
        f"--profile {profile.name}`"))]  # fmt: skip


def check_registries(value: object, profile: str) -> tuple[str, ...]:
    """The ``registries`` setting, checked: a list of names, each in its one spelling."""
    # The core hands settings back read-only: arrays as tuples, objects as mappings.
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"profile {profile!r}: its docker registries are not a list of names")
    try:
        return unique(normalise(item) for item in value)
    except BadRegistry as exc:
        raise ConfigError(f"profile {profile!r} in its docker settings: {exc}") from exc


def settings_with(current: Mapping[str, object], registries: Iterable[str]) -> dict[str, object]:
    """This integration's settings with ``registries`` as the list (other keys kept)."""
    values = dict(current)
    values["registries"] = list(unique(registries))
    return values


def own_settings(profile: Profile) -> Mapping[str, object]:
    """This integration's settings of ``profile`` (``{}`` for none, and for the CI profile)."""
    return profile.settings.get(KEY, {})


def _save(profile: Profile, registries: Iterable[str]) -> None:
    values = settings_with(own_settings(profile), registries)
    if not values["registries"]:
        del values["registries"]  # no list left: no empty one kept (nor, alone, the entry)
    update_settings(profile, KEY, values)
