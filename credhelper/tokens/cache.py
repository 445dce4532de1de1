"""The token cache: one private JSON file per profile, and a lock file beside it.

Reading needs no lock: files are replaced atomically, so a reader sees a whole old token or a
whole new one. The lock only makes minting single-flight across processes. Each entry records
the client id and token URL it was minted for, so a profile changed behind our back never gets
a token meant for another account.
"""

from __future__ import annotations

import os
import time

from .. import _files
from ..errors import shown
from .token import MAX_LIFETIME, Token, is_bearer_token, is_org_id

TYPE_CHECKING = False
if TYPE_CHECKING:
    import contextlib

    from filelock import BaseFileLock

    from ..profiles.profile import Profile

FORMAT = 1
CLOCK_SLACK = 60.0  # seconds a clock may step back (NTP) before a cached token is doubted


def _path(profile: Profile, suffix: str = ".json") -> str:
    # '@' cannot start a profile name, so the environment profile never meets a stored one.
    stem = "@environment" if profile.from_environment else profile.name
    return os.path.join(_files.config_dir(), "tokens", stem + suffix)


def path(profile: Profile) -> str:
    """Where ``profile``'s token is cached."""
    return _path(profile)


def read(profile: Profile) -> Token | None:
    """The cached token for ``profile``, or None: missing, unsafe, corrupt or someone else's."""
    entry = _files.read_private_json(_path(profile))
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return None
    if (
        entry.get("client_id") != profile.client_id
        or entry.get("token_url") != profile.token_endpoint
    ):
        return None
    access_token, org_id = entry.get("access_token"), entry.get("org_id")
    if not isinstance(access_token, str) or not is_bearer_token(access_token):
        return None
    # The org id lands in a header and in `export AMPLIFY_TENANT_ID=...`: digits only.
    if not (org_id is None or is_org_id(org_id)):
        return None
    issued_at, expires_at = _seconds(entry.get("issued_at")), _seconds(entry.get("expires_at"))
    if issued_at is None or expires_at is None or not _plausible(issued_at, expires_at):
        return None
    return Token(
        access_token=access_token, expires_at=expires_at, issued_at=issued_at, org_id=org_id
    )


def _seconds(value: object) -> float | None:
    """A Unix time from the file, or None: NaN, infinity, a string, a bool, before 1970 or
    beyond year 5138 (a hand-edited file, or a bug)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer of hundreds of digits
        return None
    return seconds if 0 <= seconds < 1e11 else None  # NaN and infinity are in no range


def _plausible(issued_at: float, expires_at: float) -> bool:
    """A lifetime a login service could have given, minted no later than now.

    A token issued "in the future" means the clock was set back since: its expiry, counted
    on the old clock, would make an expired token look fresh, so it is not trusted.
    """
    return 0 < expires_at - issued_at <= MAX_LIFETIME and issued_at <= time.time() + CLOCK_SLACK


def write(profile: Profile, token: Token) -> None:
    entry = {
        "format": FORMAT,
        "client_id": profile.client_id,
        "token_url": profile.token_endpoint,
        "access_token": token.access_token,
        "expires_at": token.expires_at,
        "issued_at": token.issued_at,
        "org_id": token.org_id,
    }
    _write(_path(profile), _files.dumps(entry))


def delete(profile: Profile) -> bool:
    _files.remove(_cleared(_path(profile, ".failed")))
    return _files.remove(_cleared(_path(profile)))


def _write(path: str, data: bytes) -> None:
    _files.write_private(_cleared(path), data)


def _cleared(path: str) -> str:
    """``path``, with whatever unusable stood there (a folder, which neither a rename nor an
    unlink replaces) moved aside as an unusable lock file is: a cache file is ours to replace."""
    from .._locks import move_aside_if_unusable

    if os.path.isdir(path):  # a lstat's worth on a miss; the cache hit never comes here
        move_aside_if_unusable(path)
    return path


def record_failure(profile: Profile, exit_code: int, message: str) -> None:
    """What the last failed mint said (never a secret), for the processes that waited on it."""
    entry = {"format": FORMAT, "at": time.time(), "exit_code": exit_code, "message": message}
    _write(_path(profile, ".failed"), _files.dumps(entry))


def failure_since(profile: Profile, since: float) -> tuple[int, str] | None:
    """(exit code, message) of a mint that failed at ``since`` or later, if one did."""
    entry = _files.read_private_json(_path(profile, ".failed"))
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return None
    at, code, message = _seconds(entry.get("at")), entry.get("exit_code"), entry.get("message")
    # Written before the lock was released, so by now; later than now: the clock moved.
    if at is None or not since <= at <= time.time() or code not in (2, 3, 4):
        return None
    # Ours, but read from a file: shown as any outside text is, one line.
    return (code, shown(message, 2000, quoted=False)) if isinstance(message, str) else None


def lock(profile: Profile, timeout: float) -> BaseFileLock:
    """The cross-process lock for minting ``profile``'s token (see ``_locks``); OSError
    when its folder cannot be made."""
    from .._locks import file_lock

    found = file_lock(_path(profile, ".lock"))
    found.timeout = timeout
    return found


def mint_lock_held(profile: Profile) -> contextlib.AbstractContextManager[None]:
    """Hold ``profile``'s mint lock: wait for a mint in flight to end (logout)."""
    from .._locks import held

    return held(_path(profile, ".lock"), busy=f"a token for {profile.name!r} has been minting")


def delete_environment_token() -> bool:
    """Remove the environment profile's cached token, whatever the variables say now (the
    clean-up step of a persistent CI runner); True if there was one."""
    from .._locks import held

    folder = os.path.join(_files.config_dir(), "tokens")
    stem = os.path.join(folder, "@environment")
    if not os.path.isdir(folder):
        return False
    with held(stem + ".lock", busy="the environment profile's token has been minting"):
        _files.remove(_cleared(stem + ".failed"))
        return _files.remove(_cleared(stem + ".json"))
