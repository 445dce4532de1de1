"""Docker's ``config.json``: our ``credHelpers`` entries in it, and nothing else changed.

Every other key stays as it was, in its order, and the file keeps its mode; the new content
replaces the file atomically (a reader sees the old file or the new one), written through a
symlinked ``config.json`` to its target as docker/cli does. A run that changes nothing does
not write at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat

from credhelper import ConfigError

from .names import BadRegistry, config_keys, normalise

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

HELPER = "amplify"  # credHelpers values name the program docker-credential-<value>
_MAX_SIZE = 16 << 20


def config_path(folder: str | None = None) -> str:
    """``FOLDER/config.json``; FOLDER defaults to $DOCKER_CONFIG, else ``~/.docker``."""
    folder = folder or os.environ.get("DOCKER_CONFIG") or os.path.expanduser("~/.docker")
    return os.path.join(folder, "config.json")


def read(path: str) -> dict[str, object]:
    """The config's top-level object; ``{}`` when there is no file."""
    try:
        with open(path, "rb", opener=_without_waiting) as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ConfigError(f"{path} is not a regular file: remove it")
            raw = handle.read(_MAX_SIZE + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    if len(raw) > _MAX_SIZE:
        raise ConfigError(f"{path} is larger than {_MAX_SIZE >> 20} MiB: {_FIX}")
    try:
        config = json.loads(raw)
    except RecursionError as exc:
        raise ConfigError(f"{path} is nested too deeply to read: {_FIX}") from exc
    except ValueError:
        config = None
    if not isinstance(config, dict):
        raise ConfigError(f"{path} is not a JSON object: {_FIX}")
    for key in ("credHelpers", "auths"):
        if not isinstance(config.get(key, {}), dict):
            raise ConfigError(f"{path}: its {key!r} is not a JSON object: fix it first")
    return config


_FIX = "fix it, then run this again"


def _without_waiting(path: str, flags: int) -> int:
    # O_NONBLOCK: a FIFO in the file's place would block the open until someone writes to it.
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def point_at_us(config: dict[str, object], registries: Iterable[str]) -> list[str]:
    """Send each of ``registries`` to this helper; what the user should know, one a line."""
    helpers = _section(config, "credHelpers")
    notes = []
    for registry in registries:
        for key in config_keys(registry):
            before = helpers.get(key)
            if before not in (None, HELPER):
                notes.append(f"{key} was sent to docker-credential-{before}: now to ours")
            helpers[key] = HELPER
        notes += _drop_saved_logins(config, registry)
    return notes


def remove_ours(config: dict[str, object], registries: Collection[str] | None) -> list[str]:
    """Remove our entries (for ``registries`` only, unless None); the keys removed."""
    helpers = config.get("credHelpers")
    if not isinstance(helpers, dict):
        return []
    removed = [
        key
        for key, value in helpers.items()
        if value == HELPER and (registries is None or _registry_of(key) in registries)
    ]
    for key in removed:
        del helpers[key]
    if removed and not helpers:
        del config["credHelpers"]  # ours alone made it: leave no empty object behind
    return removed


def save(path: str, config: dict[str, object]) -> None:
    """Replace the file atomically with ``config``, keeping its mode (new files: 0600)."""
    _replace(path, (json.dumps(config, indent="\t", ensure_ascii=False) + "\n").encode())


def snapshot(path: str) -> bytes | None:
    """The file's bytes as they are (None: no file), for ``restore`` after a failed run."""
    try:
        with open(path, "rb", opener=_without_waiting) as handle:
            return handle.read(_MAX_SIZE + 1)
    except FileNotFoundError:
        return None


def restore(path: str, data: bytes | None) -> None:
    """Put the file back as ``snapshot`` found it; no write if it is so already."""
    try:
        now = snapshot(path)
    except OSError:
        now = b""  # unreadable now: written back all the same
    if now == data:
        return
    if data is None:
        _remove(os.path.realpath(path))
    else:
        _replace(path, data)


def _replace(path: str, data: bytes) -> None:
    """Write ``data`` beside the file, then rename it into place; the temporary file is removed
    on any failure, and on an ending signal too when the caller turned it into an exception."""
    import tempfile

    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        mode = _mode_of(target)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".config.json.")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        _sync_folder(folder)
    except OSError as exc:
        _remove(tmp)
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc
    except BaseException:
        _remove(tmp)
        raise


def _drop_saved_logins(config: dict[str, object], registry: str) -> list[str]:
    """Remove ``auths`` entries for ``registry``: an old ``docker login`` left the password
    there (base64 is no protection), and credHelpers now answers for it."""
    auths = config.get("auths")
    if not isinstance(auths, dict):
        return []
    stale = [key for key in auths if _registry_of(key) == registry]
    for key in stale:
        del auths[key]
    return [f"removed the login docker saved for {key} in config.json" for key in stale]


def _section(config: dict[str, object], key: str) -> dict[str, object]:
    section = config.setdefault(key, {})
    assert isinstance(section, dict)  # read() checked it
    return section


def _registry_of(key: str) -> str | None:
    try:
        return normalise(key)
    except BadRegistry:
        return None


def _sync_folder(folder: str) -> None:
    """fsync the folder after the rename, so a power cut cannot bring back the old file (the
    core does the same for its files; integrations use only its public face)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _mode_of(path: str) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o600


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
