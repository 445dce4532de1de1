"""The local audit log: one JSON line for each event that matters, never a token or a secret.

Events: ``login``, ``mint``, ``revocation``, ``logout``, ``forget`` (a token a server refused,
dropped from the cache: git's erase, the API's 401) and ``secret`` (a client secret handed to a
tool: ``docker-credential-amplify``). A cache hit is no event: it writes nothing and loads
nothing of this module. Each line holds the fields of ``FIELDS``; a token is named by
``fingerprint`` (the first 12 hex digits of its SHA-256), a secret by nothing at all.

Who asked is ``errors.asked_by``, which each entry point sets (the command's name, ``git``,
``docker``, ``httpie``); a Python program using the API leaves it at ``api``.

The file, ``audit.log`` in the state folder, is 0600 in a 0700 folder. Each line is one
write(2) to the file opened with O_APPEND: the kernel puts each write at the end as a whole, so
processes writing at once never interleave or overwrite lines (a line stays under 4 KiB).
At ``MAX_BYTES`` the file becomes ``audit.log.1`` (replacing the one before), under a lock, so
of many processes finding it full one renames it. A log that cannot be written never fails the
command: one warning per process says so, then the command goes on.
"""

from __future__ import annotations

import json
import os
import time
import warnings

from .. import _files, errors
from ..errors import CredentialsRejected
from .token import Token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from ..profiles.profile import Profile

    _T = TypeVar("_T")

FIELDS = ("time", "event", "profile", "client_id", "login_host", "asked_by", "outcome", "error",
          "expires_at", "fingerprint")  # fmt: skip
MAX_BYTES = 1 << 20  # then one rotation: at most about 2 MiB on disk
FIELD_LIMIT = 120  # characters of any one value: a line stays far below 4 KiB, even escaped
_warned = False


class AuditWarning(UserWarning):
    """The audit log could not be written; the command itself went on."""


def path() -> str:
    return os.path.join(_files.state_dir(), "audit.log")


def audited(event: str, profile: Profile, call: Callable[[], _T], token: Token | None = None) -> _T:
    """``call()``, logged as ``event`` with its outcome: the token it returns (else ``token``)
    is named by its expiry and fingerprint; a failure by its error's class."""
    try:
        result = call()
    except BaseException as exc:
        outcome = "refused" if isinstance(exc, CredentialsRejected) else "failed"
        record(event, profile, outcome, token, error=type(exc).__name__)
        raise
    record(event, profile, "ok", result if isinstance(result, Token) else token)
    return result


def record(event: str, profile: Profile, outcome: str, token: Token | None = None,
           error: str | None = None) -> None:  # fmt: skip
    """Append one line; a failure to is one warning, never the caller's failure."""
    try:
        _append(line(event, profile, outcome, token, error))
    except Exception as exc:  # noqa: BLE001  (whatever it is, the command must go on)
        _warn_once(exc)


def line(event: str, profile: Profile, outcome: str, token: Token | None,
         error: str | None) -> bytes:  # fmt: skip
    values = (_utc(time.time()), event, profile.name, profile.client_id,
              _host(profile.login_base_url), errors.asked_by, outcome, error,
              None if token is None else _utc(token.expires_at),
              None if token is None else fingerprint(token.access_token))  # fmt: skip
    entry = {k: v[:FIELD_LIMIT] if isinstance(v, str) else v for k, v in zip(FIELDS, values)}
    return (json.dumps(entry, separators=(",", ":")) + "\n").encode()


def fingerprint(token: str) -> str:
    """Enough to tell tokens apart in the log and match one a user holds; useless to use."""
    import hashlib  # writers only: it loads OpenSSL's hashes

    return hashlib.sha256(token.encode()).hexdigest()[:12]


def _utc(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _host(url: str) -> str:
    return url.partition("://")[2].partition("/")[0]


def _append(data: bytes) -> None:
    file = path()
    _files.ensure_private_dir(os.path.dirname(file))
    if _size(file) >= MAX_BYTES:
        _rotate(file)
    fd = _open_private(file)
    try:
        os.write(fd, data)  # one write: O_APPEND places it whole at the end
    finally:
        os.close(fd)


def _open_private(file: str) -> int:
    """``file`` opened to append, created 0600; OSError for anything but a file of ours (a
    symlink, a FIFO: O_NONBLOCK makes one without a reader fail instead of hang)."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    fd = os.open(file, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0), 0o600)
    info = os.fstat(fd)
    if os.name == "posix" and info.st_uid == os.geteuid() and info.st_mode & 0o077:
        os.fchmod(fd, 0o600)  # our own file, left open to others: close it to them
        info = os.fstat(fd)
    if not _files.is_private_file(info):
        os.close(fd)
        raise OSError(f"{file} is not a private file of ours")
    return fd


def _size(file: str) -> int:
    try:
        return os.lstat(file).st_size
    except FileNotFoundError:
        return 0


def _rotate(file: str) -> None:
    from .. import _locks

    with _locks.held(file + ".lock", "another process is rotating the audit log", timeout=5.0):
        if _size(file) >= MAX_BYTES:  # not if another process rotated it while we waited
            os.replace(file, file + ".1")


def _warn_once(exc: Exception) -> None:
    global _warned
    if _warned:
        return
    _warned = True
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    warnings.warn(f"cannot write the audit log {path()} ({why[:200]}): going on without it",
                  AuditWarning, stacklevel=4)  # fmt: skip


def entries(profile: str | None = None) -> tuple[list[dict[str, object]], int]:
    """The logged events, oldest first (the rotated file's, then the current one's), of
    ``profile`` or all; and how many lines could not be read as an event."""
    found: list[dict[str, object]] = []
    unreadable = 0
    file = path()
    for text in (_log_bytes(file + ".1"), _log_bytes(file)):
        for raw in text.splitlines():
            entry = _parsed(raw)
            if entry is None:
                unreadable += 1
            elif profile is None or entry.get("profile") == profile:
                found.append(entry)
    return found, unreadable


def _log_bytes(file: str) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(file, flags)
    except FileNotFoundError:
        return b""
    try:
        handle = os.fdopen(fd, "rb")
    except OSError as exc:  # a folder in its place: fdopen names the descriptor, we the file
        os.close(fd)  # fdopen leaves it open when it refuses
        raise OSError(exc.errno, exc.strerror, file) from exc
    with handle:
        return handle.read(2 * MAX_BYTES)  # a file grown past any cap is read in part


def _parsed(raw: bytes) -> dict[str, object] | None:
    if len(raw) > 8 * FIELD_LIMIT * len(FIELDS):  # longer than any line we write
        return None
    try:
        entry = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return entry if isinstance(entry, dict) else None
