"""Cross-process locks: the one home of filelock.

Two kinds share this code. The config lock (``config.locked``) is taken by every
read-modify-write of a file that several of our processes change: config.json (login, logout,
``update_settings``), Docker's config.json (setup-docker, ``docker-credential-amplify erase``)
and git's global config (setup-git). Each token cache file has a mint lock, which makes minting
single-flight (``_core``) and lets logout wait for a mint in flight.

filelock uses flock() on Unix, which the kernel releases when the holder dies, so a process
killed while holding a lock never blocks the others. A lock file we cannot use (a folder in its
place, another user's file left by a ``sudo`` run) is moved aside, as a cache file that is not
ours is replaced: going on without the lock would end single flight for that profile for good.
"""

from __future__ import annotations

import contextlib
import os
import stat
from _thread import get_ident

from . import _files, _log
from .errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from filelock import BaseFileLock

LOCK_TIMEOUT = 60.0  # seconds a writer waits for another one's read-modify-write

# One lock object per file and thread: filelock counts re-entries per object, so a thread that
# holds the config lock (setup-docker) can call update_settings, which takes it again.
_locks: dict[tuple[str, int], BaseFileLock] = {}


def file_lock(path: str) -> BaseFileLock:
    """This thread's lock on ``path``, the file made usable first (OSError if it cannot be)."""
    _files.ensure_private_dir(os.path.dirname(path))
    move_aside_if_unusable(path)
    key = (path, get_ident())
    lock = _locks.get(key)
    if lock is None:
        import filelock  # only writers and cache misses pay for it

        lock = _locks.setdefault(key, filelock.FileLock(path, mode=0o600))
    return lock


@contextlib.contextmanager
def held(
    path: str, busy: str, timeout: float = LOCK_TIMEOUT, in_turn: bool = False
) -> Iterator[None]:
    """Hold the lock on ``path``, waiting at most ``timeout`` seconds (then ConfigError:
    ``busy``, then "try again"); ``in_turn``: as long as the lock changes hands, each holder
    keeping it at most ``timeout`` seconds (``acquire_in_turn``). Where no lock file can be had
    at all (a read-only folder), go on: the write that follows then fails with its own clear
    error."""
    try:
        lock = file_lock(path)
        if in_turn:
            acquire_in_turn(lock, path, timeout)
        else:
            lock.acquire(timeout=timeout)
    except TimeoutError as exc:  # filelock.Timeout, itself an OSError: test it first
        raise ConfigError(f"{busy} for {timeout:.0f} s: try again") from exc
    except OSError as exc:
        _log.debug("no lock %s (%s): going on unlocked", path, exc.strerror or exc)
        yield
        return
    try:
        if in_turn and lock.lock_counter == 1:
            _stamp_holder(path)
        yield
    finally:
        lock.release()


TURN_POLL = 1.0  # seconds between looks at who holds a lock waited for in turn


def acquire_in_turn(lock: BaseFileLock, path: str, timeout: float) -> None:
    """Acquire ``lock``, waiting while it passes from holder to holder: a queue of writers,
    each quick, may take longer than ``timeout`` in all (8 logins with a slow keyring). Give
    up (TimeoutError) only when one holder has kept it ``timeout`` seconds: each holder stamps
    the lock file when it takes the lock, so a new stamp is a new holder."""
    import time

    seen, since = _holder_stamp(path), time.monotonic()
    while True:
        try:
            lock.acquire(timeout=TURN_POLL)
            return
        except TimeoutError:
            now = _holder_stamp(path)
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since >= timeout:
                raise


def _stamp_holder(path: str) -> None:
    """Write who holds the lock into its file (flock ignores the content): this process and a
    counter of its own, so that a waiter sees each new holder."""
    global _turns
    _turns += 1
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.write(fd, f"{os.getpid()} {_turns}\n".encode())
        finally:
            os.close(fd)
    except OSError as exc:  # waiters then count from their start: the old bound
        _log.debug("cannot stamp the lock %s (%s)", path, exc.strerror or exc)


_turns = 0


def _holder_stamp(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(64)
    except OSError:
        return b""


def move_aside_if_unusable(path: str) -> None:
    """Move ``path`` out of the way when it is not a regular file of ours (a lock file, or a
    cache file that a rename or unlink could not replace: a folder).

    The check and the move happen under a lock on the folder (ours, 0700), so of many
    processes finding the same bad file one moves it, and none ever moves a good lock file
    that another process created and holds meanwhile.
    """
    if os.name != "posix" or _usable(path):
        return
    import fcntl

    folder = os.open(os.path.dirname(path), os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # held for an lstat and a rename: never long
        if not _usable(path):
            aside = _files.move_aside(path)
            _log.debug("moved the unusable lock file %s aside to %s", path, aside)
    finally:
        os.close(folder)  # releases the folder's lock


def _usable(path: str) -> bool:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True  # filelock creates it
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()
