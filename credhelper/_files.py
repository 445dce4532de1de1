"""Where our files live and how they are written: the one home of platformdirs.

Every file we write is mode 0600 in a 0700 folder, written to a temporary file in the same folder
and renamed into place, so a reader sees the old content or the new, never half of either.
"""

from __future__ import annotations

import json
import os
import stat
import sys

APP_NAME = "amplify-credhelper"


def config_dir() -> str:
    """Our folder, as ``platformdirs.user_config_dir`` names it: platformdirs decides.

    Importing platformdirs costs a cache hit more than all the rest of its work (it loads
    pathlib, tempfile, shutil, random, urllib.parse), so on Linux the common cases are answered
    without it, exactly as it answers them (tests/unit/test_hit_path.py compares the two).
    """
    return _plain_linux_dir("XDG_CONFIG_HOME", "~/.config") or _platformdirs_dir("config")


def state_dir() -> str:
    """Our state folder (the audit log), as ``platformdirs.user_state_dir`` names it; on Linux
    ``$XDG_STATE_HOME/amplify-credhelper``, else ``~/.local/state/amplify-credhelper``."""
    return _plain_linux_dir("XDG_STATE_HOME", "~/.local/state") or _platformdirs_dir("state")


def _platformdirs_dir(kind: str) -> str:
    import platformdirs

    named = {"config": platformdirs.user_config_dir, "state": platformdirs.user_state_dir}
    return named[kind](APP_NAME, appauthor=False)


def _plain_linux_dir(variable: str, default: str) -> str | None:
    """The folder where every platformdirs since 3.0 names the same one, else None.

    That is Linux (not Android) with an absolute ``variable`` ($XDG_CONFIG_HOME), used as it
    is, or with a blank one and an absolute $HOME (then ``default`` there). A relative or ``~``
    value, or no $HOME, is left to platformdirs: versions differ there (4.x ignores a relative
    value and looks up the home folder itself; 3.x used the value).
    """
    environ = os.environ
    if not sys.platform.startswith("linux") or {"ANDROID_DATA", "ANDROID_ROOT"} & environ.keys():
        return None
    xdg = environ.get(variable, "")
    if xdg.startswith("/"):
        return os.path.join(xdg, APP_NAME)
    if xdg.strip() or not environ.get("HOME", "").startswith("/"):
        return None
    return os.path.join(os.path.expanduser(default), APP_NAME)


def ensure_private_dir(path: str) -> None:
    """Create ``path`` as a 0700 folder of ours; a symlink or a file in its place is moved
    aside (never written through, never deleted: a file there may hold what someone keeps)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        move_aside(path)
        os.mkdir(path, 0o700)
    elif stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, 0o700)


def move_aside(path: str) -> str:
    """Rename ``path`` to a name beside it that says it was unusable; that name."""
    aside = f"{path}.unusable-{os.getpid()}-{id(path):x}"
    os.rename(path, aside)
    return aside


def read_private_json(path: str) -> object:
    """The JSON in ``path``, or None when it is missing, unsafe, unreadable or not JSON.

    Unsafe means a symlink, not a regular file, not ours, or open to other users: such a
    file is not trusted, and the next write replaces it. O_NONBLOCK: a FIFO planted in the
    file's place would otherwise block the open until someone writes to it.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:  # a folder opens too (O_RDONLY), but no file object can be made of it: fstat first
        if not is_private_file(os.fstat(fd)):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            return json.loads(handle.read(1 << 20))
    except (OSError, ValueError, RecursionError):  # EIO; not JSON; nested too deep to parse
        return None
    finally:
        os.close(fd)


def is_private_file(info: os.stat_result) -> bool:
    """A regular file of ours that other users cannot read (always true off POSIX)."""
    if not stat.S_ISREG(info.st_mode):
        return False
    if os.name != "posix":
        return True  # the folder's ACLs protect it; st_mode says nothing useful there
    return info.st_uid == os.geteuid() and not stat.S_IMODE(info.st_mode) & 0o077


def write_private(path: str, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, mode 0600, in a private folder."""
    with stage_private(path, data) as staged:
        staged.commit()


def stage_private(path: str, data: bytes) -> Staged:
    """Write ``data`` in full beside ``path``, not yet in its place: see ``Staged``.

    Everything that can fail for want of space or permission (the folder, the temporary
    file, the write, fsync) fails here, so a caller can stage, then do its other steps, then
    commit with a rename that leaves nothing half done.
    """
    import tempfile  # only writers pay for it

    folder = os.path.dirname(path)
    ensure_private_dir(folder)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        remove(tmp)
        raise
    return Staged(path, tmp)


class Staged:
    """A private file written beside its target: ``commit`` renames it into place; leaving
    a ``with`` block without committing removes it, and the target stays as it was."""

    def __init__(self, path: str, tmp: str) -> None:
        self.path, self._tmp = path, tmp
        self._committed = False

    def commit(self) -> None:
        os.replace(self._tmp, self.path)
        self._committed = True
        sync_folder(os.path.dirname(self.path))
        _sweep_stale_temporaries(os.path.dirname(self.path))

    def discard(self) -> None:
        if not self._committed:
            remove(self._tmp)

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()


def _sweep_stale_temporaries(folder: str, age: float = 60.0) -> None:
    """Remove temporary files that a killed writer left behind (they may hold a token).

    Best effort: the write it follows is complete, so a failure here must not undo it."""
    import contextlib  # writers only, like tempfile
    import time

    limit = time.time() - age  # younger ones may still be another writer's, mid-write
    with contextlib.suppress(OSError), os.scandir(folder) as entries:  # closed, even on error
        for entry in entries:
            stale = entry.stat(follow_symlinks=False).st_mtime < limit
            if entry.name.startswith(".tmp-") and stale:
                remove(entry.path)


def sync_folder(folder: str) -> None:
    """Make a rename in ``folder`` durable: without this, a power cut right after "Logged in"
    can bring back the folder as it was before the rename (POSIX leaves a rename's durability
    to an fsync of its folder). Where folders cannot be opened (Windows), there is nothing to do."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # EINVAL on file systems that cannot sync a folder: nothing to do
        import errno

        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(fd)


def remove(path: str) -> bool:
    """Delete ``path`` if it is there; True when something was deleted."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def dumps(value: object) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()
