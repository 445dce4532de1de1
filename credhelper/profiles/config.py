"""The config file: every stored profile (never a secret) in one human-readable JSON file,
``config.json`` in the user config folder, as ``{"profiles": {NAME: {field: value}}}``.

As with the token cache (``cache.py``), this module alone reads and writes its file. JSON rather
than INI or TOML because the cache-hit path reads this file, ``json`` is loaded there anyway,
and configparser would cost about a third of that path's budget.

A profile's problem is that profile's alone: ``read`` gives the usable profiles and, apart, what
is wrong with each other one, so a hand-edited mistake in one never stops the rest. Only a file
that is not JSON at all (or too big, too deep, or not an object of profiles) stops every stored
profile. Entries that cannot be read are written back as they were.

0.1.0 kept git's settings among the profile's own fields (``git_hosts``, ``username``); reading
moves them to ``settings["git"]`` (``hosts``, ``username``), and the next save writes that form.
"""

from __future__ import annotations

import json
import os
import stat

from .. import _files
from .._record import Record
from ..errors import PROG, ConfigError, shown
from ._validate import check_name, make_profile
from .profile import Profile, as_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    import contextlib
    from collections.abc import Mapping

MAX_BYTES = 1 << 20
MAX_DEPTH = 32  # a real file nests about 6 deep; integration settings add at most 8 more
_NOT_STORED = ("name", "from_environment")
_STORED = frozenset(Profile.__slots__) - set(_NOT_STORED)
_OLD_GIT_FIELDS = (("git_hosts", "hosts"), ("username", "username"))  # 0.1.0 -> settings["git"]


class Stored(Record):
    """What the config file holds: usable profiles, the problem of each unusable one, and every
    entry as written (so that saving keeps what it cannot read)."""

    __slots__ = ("profiles", "broken", "entries")
    profiles: dict[str, Profile]
    broken: dict[str, str]
    entries: dict[str, object]


def path() -> str:
    return os.path.join(_files.config_dir(), "config.json")


def config_lock() -> contextlib.AbstractContextManager[None]:
    """The config lock: hold it around every read-modify-write of a file several of our
    processes change (this file, Docker's config.json, git's global config), so that none
    undoes another's change. Re-entrant in a thread; see ``_locks``."""
    from .._locks import held

    lock = path() + ".lock"
    # Writers queue on it (8 logins whose keyring takes seconds each): waiting in turn, the
    # bound is on one holder, and the message says that.
    return held(lock, busy=f"{lock} has been held by one process", in_turn=True)


def read() -> Stored:
    """The stored profiles; no file yet is no profiles."""
    entries = _entries(_read_bytes(path()))
    profiles, broken = {}, {}
    for name, entry in entries.items():
        try:
            profiles[name] = _profile_from(name, entry)
        except ConfigError as exc:
            broken[name] = str(exc)
    return Stored(profiles=profiles, broken=broken, entries=entries)


def load_all() -> dict[str, Profile]:
    """Every usable stored profile by name."""
    return read().profiles


def save_all(profiles: Mapping[str, Profile]) -> None:
    """Store exactly ``profiles``, and keep the entries that cannot be read as they are."""
    with stage_all(profiles) as staged:
        staged.commit()


def stage_all(profiles: Mapping[str, Profile]) -> _files.Staged:
    """``save_all``, written in full beside the file but not yet in its place (login and
    logout commit it after their keyring step)."""
    _refuse_symlink(path())
    stored = read()
    entries = {name: stored.entries[name] for name in stored.broken}
    entries.update({name: _entry(profile) for name, profile in profiles.items()})
    return _files.stage_private(path(), _files.dumps({"profiles": entries}))


def _refuse_symlink(file: str) -> None:
    """A config.json that is a symlink (a dotfiles manager's) is read through, but never
    written: the atomic rename would replace the link and leave its target stale, and writing
    through would mean a folder we do not keep private. So: one line, nothing changed."""
    if os.path.islink(file):
        raise ConfigError(
            f"{file} is a symbolic link: writing would replace it by a file and leave its "
            "target stale; put the file itself in its place, or point "
            "XDG_CONFIG_HOME at a folder of its own"
        )


def update_settings(
    profile: str | Profile, integration: str, values: Mapping[str, object] | None
) -> Profile:
    """Save ``integration``'s settings of a stored profile (None or {} removes them), keeping
    every other profile and setting; the updated profile."""
    if isinstance(profile, Profile) and profile.from_environment:
        raise ConfigError(
            "the AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET profile is not stored: it has no "
            "settings to save; name a stored profile"
        )
    name = profile.name if isinstance(profile, Profile) else profile
    with config_lock():  # a login or logout at the same moment must not lose its profile
        stored = read()
        current = stored_profile(stored, name)
        settings = dict(current.settings)
        if values:
            settings[integration] = values
        else:
            settings.pop(integration, None)
        updated = make_profile(**{**current.as_dict(), "settings": settings})
        _save_or_fail({**stored.profiles, name: updated})
    return updated


def _save_or_fail(profiles: Mapping[str, Profile]) -> None:
    """``save_all``; a full disk or a read-only folder as a ConfigError (one line, exit 1)."""
    try:
        save_all(profiles)
    except OSError as exc:
        raise ConfigError(f"cannot write {path()}: {exc.strerror or exc}") from exc


def stored_profile(stored: Stored, name: str) -> Profile:
    """The profile stored as ``name``; ConfigError naming its problem, or saying how to add it."""
    if name in stored.broken:
        raise ConfigError(
            f"profile {shown(name)} in {path()}: {stored.broken[name]}: fix or remove it"
        )
    found = stored.profiles.get(name)
    if found is None:
        raise ConfigError(
            f"no profile {name!r}: run `{PROG} login --profile {name} --client-id ID` first "
            "(or set AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET)"
        )
    return found


def unusable(names: list[str]) -> ConfigError:
    """The error for stored profiles that cannot be read."""
    which = ", ".join(shown(name) for name in names)
    plural = "s" if len(names) > 1 else ""
    pronoun = "them" if plural else "it"
    return ConfigError(
        f"profile{plural} {which} in {path()} cannot be used: fix or remove {pronoun}"
    )


# -- reading ----------------------------------------------------------------------------------


def _read_bytes(file: str) -> bytes | None:
    # O_NONBLOCK: a FIFO in the file's place must not hang every command; it is refused below.
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ConfigError(f"{file} is not a regular file: remove it")
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise ConfigError(f"cannot read {file}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"{file} is larger than {MAX_BYTES >> 20} MiB: fix or remove it")
    return raw


def _entries(raw: bytes | None) -> dict[str, object]:
    if raw is None:
        return {}
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise ConfigError(f"{path()} is nested too deeply to read: fix or remove it") from exc
    except ValueError as exc:  # UnicodeDecodeError included
        raise ConfigError(f"{path()} is not valid JSON ({exc}): fix or remove it") from exc
    if _deeper_than(data, MAX_DEPTH):
        raise ConfigError(f"{path()} nests more than {MAX_DEPTH} levels deep: fix or remove it")
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path()} has no 'profiles' object: fix or remove it")
    return profiles


def _deeper_than(value: object, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` levels (without recursion of our own)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return True
        inner = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        pending.extend((child, depth + 1) for child in inner)
    return False


def _profile_from(name: str, entry: object) -> Profile:
    check_name(name)
    if not isinstance(entry, dict):
        raise ConfigError(f"expected an object, not {type(entry).__name__}")
    fields = {k: v for k, v in _in_current_form(entry).items() if k in _STORED}
    try:
        return make_profile(name=name, **fields)
    except TypeError as exc:  # a required field missing
        raise ConfigError(str(exc)) from exc


def _in_current_form(entry: dict[str, object]) -> dict[str, object]:
    """A 0.1.0 entry in today's form: its git fields moved into settings["git"]."""
    old = {new: entry[key] for key, new in _OLD_GIT_FIELDS if entry.get(key) not in (None, [])}
    settings = entry.get("settings", {})
    if not old or not isinstance(settings, dict) or "git" in settings:
        return entry  # nothing to move; or a newer form, which wins
    return {**entry, "settings": {**settings, "git": old}}


def _entry(profile: Profile) -> dict[str, object]:
    """What the file keeps of ``profile``: what differs from the defaults, for a readable file."""
    fields = profile.as_dict()
    fields["settings"] = as_json(profile.settings)
    return {
        k: v
        for k, v in fields.items()
        if k not in _NOT_STORED and v != Profile._defaults.get(k, _NO_DEFAULT) and v is not None
    }


_NO_DEFAULT = object()
