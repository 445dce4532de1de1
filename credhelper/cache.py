"""The token cache: one private JSON file per profile, and a lock file beside it.

Reading needs no lock: files are replaced atomically, so a reader sees a whole old token or a
whole new one. The lock only makes minting single-flight across processes. Each entry records
the client id and token URL it was minted for, so a profile changed behind our back never gets
a token meant for another account.
"""

from __future__ import annotations

import os

from . import _files
from .tokens import Token, is_bearer_token, is_org_id

TYPE_CHECKING = False
if TYPE_CHECKING:
    from filelock import BaseFileLock

    from .profiles import Profile

FORMAT = 1


def _path(profile: Profile, suffix: str = ".json") -> str:
    # '@' cannot start a profile name, so the environment profile never meets a stored one.
    stem = "@environment" if profile.from_environment else profile.name
    return os.path.join(_files.config_dir(), "tokens", stem + suffix)


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
    try:
        token = Token(
            access_token=entry["access_token"],
            expires_at=_seconds(entry["expires_at"]),
            issued_at=_seconds(entry["issued_at"]),
            org_id=entry.get("org_id"),
        )
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if not is_bearer_token(token.access_token) or not _is_org_id(token.org_id):
        return None
    return token


def _seconds(value: object) -> float:
    """A Unix time from the file: a finite number, not a bool (a hand-edited file, or a bug)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("not a number")
    seconds = float(value)  # OverflowError for an integer beyond a float's range
    if not 0 <= seconds < 1e11:  # NaN and infinity are in no range
        raise ValueError("not a time")
    return seconds


def _is_org_id(value: object) -> bool:
    # It lands in a header and in `export AMPLIFY_TENANT_ID=...`: digits only, as minted.
    return value is None or is_org_id(value)


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
    _files.write_private(_path(profile), _files.dumps(entry))


def delete(profile: Profile) -> bool:
    return _files.remove(_path(profile))


def lock(profile: Profile, timeout: float) -> BaseFileLock:
    """A cross-process lock for minting ``profile``'s token (a context manager).

    filelock uses flock() on Unix, which the kernel releases when the holder dies, so a
    process killed while minting never blocks the others.
    """
    import filelock  # only a cache miss pays for it

    path = _path(profile, ".lock")
    _files.ensure_private_dir(os.path.dirname(path))
    return filelock.FileLock(path, timeout=timeout, mode=0o600)
