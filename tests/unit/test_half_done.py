"""A failed step leaves things as they were: login and logout on a read-only or full file
system (a small tmpfs mounted for the test), a keyring or a rename failing midway, Ctrl-C.

Mounting needs root (CI runs as root): elsewhere these tests skip, except under tests/run
(AMPLIFY_TEST_REQUIRE_ALL=1), where a skip is a failure.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import login_argv
from keyring.errors import KeyringLocked
from support.require import need
from support.token_endpoint import TokenEndpoint

from credhelper import CacheWarning, _files, forget_token
from credhelper.profiles import config
from credhelper.tokens import _core, cache


class SmallFileSystem:
    """A tmpfs of 256 KiB: read-only or full on demand."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def remount(self, mode: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{mode}", str(self.root)], check=True)

    def fill(self) -> None:
        with open(self.root / "filler", "wb", buffering=0) as handle:
            try:
                while True:
                    handle.write(b"\0" * 4096)
                    handle.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC


@pytest.fixture
def small_fs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SmallFileSystem:
    need(os.geteuid() == 0 and shutil.which("mount") is not None, "root, to mount a tmpfs")
    root = tmp_path / "fs"
    root.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs",
                           str(root)], capture_output=True, text=True)  # fmt: skip
    need(done.returncode == 0, f"a tmpfs mount ({done.stderr.strip()})")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root))
    try:
        yield SmallFileSystem(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], check=True)


@pytest.fixture
def endpoint() -> TokenEndpoint:
    with TokenEndpoint(clients={"test-client": ("test-secret", "new-secret")}) as server:
        yield server


def _snapshot(memory_keyring) -> tuple[dict, bytes | None, list[str]]:
    """The keyring, config.json and what else is in the config folder (lock files are made
    once and stay, as the cache's do)."""
    path = Path(config.path())
    folder = path.parent
    return (
        dict(memory_keyring.entries),
        path.read_bytes() if path.exists() else None,
        sorted(p.name for p in folder.iterdir() if p.suffix != ".lock") if folder.exists() else [],
    )


def _error(path: str, why: str) -> str:
    return f"amplify-credhelper: error: cannot write {path}: {why}\n"


# -- a read-only or full config folder -------------------------------------------------------


@pytest.mark.parametrize("state", ["ro", "full"])
def test_login_where_nothing_can_be_written_saves_nothing(
    run_cli, small_fs, endpoint, memory_keyring, state
) -> None:
    small_fs.fill() if state == "full" else small_fs.remount("ro")
    result = run_cli(*login_argv(endpoint), stdin="test-secret")
    why = "No space left on device" if state == "full" else "Read-only file system"
    assert (result.code, result.err) == (1, _error(config.path(), why))
    assert memory_keyring.entries == {}


@pytest.mark.parametrize("state", ["ro", "full"])
def test_a_second_login_where_nothing_can_be_written_changes_nothing(
    run_cli, small_fs, endpoint, memory_keyring, state
) -> None:
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    before = _snapshot(memory_keyring)
    small_fs.fill() if state == "full" else small_fs.remount("ro")
    result = run_cli(*login_argv(endpoint, "--timeout", "5"), stdin="new-secret")
    assert result.code == 1 and result.err.startswith("amplify-credhelper: error: cannot write ")
    assert _snapshot(memory_keyring)[:2] == before[:2]
    assert run_cli("token").code == 0  # the old login serves on


@pytest.mark.parametrize("state", ["ro", "full"])
def test_logout_where_nothing_can_be_written_keeps_the_profile_and_its_secret(
    run_cli, small_fs, endpoint, memory_keyring, state
) -> None:
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    before = _snapshot(memory_keyring)
    small_fs.fill() if state == "full" else small_fs.remount("ro")
    result = run_cli("logout")
    why = "No space left on device" if state == "full" else "Read-only file system"
    assert (result.code, result.err) == (1, _error(config.path(), why))
    assert _snapshot(memory_keyring) == before
    token = run_cli("token", "--refresh")  # the secret is still there to mint with
    assert token.code == 0 and endpoint.token_requests == 2


def test_token_from_a_read_only_folder_still_comes_with_a_warning(
    run_cli, small_fs, endpoint, memory_keyring, monkeypatch
) -> None:
    monkeypatch.setattr(_core, "LOCK_TIMEOUT", 3.0)  # a lock file that cannot be made never waits
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    small_fs.remount("ro")
    result = run_cli("token", "--refresh")
    assert (result.code, result.err) == (
        0,
        "amplify-credhelper: warning: cannot cache the token (Read-only file system): each "
        "call will ask for a new one\n",
    )


def test_forgetting_a_token_in_a_read_only_folder_warns_and_keeps_it(
    run_cli, small_fs, endpoint, memory_keyring
) -> None:
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    token = cache.read(config.load_all()["default"])
    small_fs.remount("ro")
    with pytest.warns(CacheWarning, match=r"cannot forget the refused token \(Read-only file"):
        assert forget_token(token) is False


# -- a step failing midway, without a special file system --------------------------------------


@pytest.fixture
def failing_rename(monkeypatch: pytest.MonkeyPatch):
    """Make renaming onto config.json fail with ``error`` (an OSError or KeyboardInterrupt)."""

    def arm(error: BaseException) -> None:
        real = os.replace

        def replace(src: str, dst: str) -> None:
            if os.path.basename(dst) == "config.json":
                raise error
            real(src, dst)

        monkeypatch.setattr(_files.os, "replace", replace)

    return arm


EIO = OSError(errno.EIO, os.strerror(errno.EIO))


@pytest.mark.parametrize("relogin", [False, True])
@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (EIO, 1, "cannot write {config}: Input/output error"),
        (KeyboardInterrupt(), 130, None),
    ],
)
def test_a_login_whose_last_step_fails_puts_the_old_secret_back(
    run_cli, endpoint, memory_keyring, failing_rename, relogin, error, code, message
) -> None:
    if relogin:
        assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    before = _snapshot(memory_keyring)
    failing_rename(error)
    result = run_cli(*login_argv(endpoint, "--timeout", "5"), stdin="new-secret")
    expected = (
        f"amplify-credhelper: error: {message.format(config=config.path())}\n"
        if message
        else "amplify-credhelper: interrupted\n"
    )
    assert (result.code, result.err) == (code, expected)
    assert _snapshot(memory_keyring) == before  # no temporary file left either


def test_a_keyring_refusing_the_secret_leaves_the_config_as_it_was(
    run_cli, endpoint, memory_keyring, monkeypatch
) -> None:
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    before = _snapshot(memory_keyring)

    def locked(*args: str) -> None:
        raise KeyringLocked("the collection is locked")

    monkeypatch.setattr(memory_keyring, "set_password", locked)
    result = run_cli(*login_argv(endpoint, "--timeout", "5"), stdin="new-secret")
    assert result.code == 4
    assert result.err.startswith(
        "amplify-credhelper: error: cannot store the secret in the keyring (KeyringLocked: "
    )
    assert _snapshot(memory_keyring) == before


def test_a_logout_whose_last_step_fails_puts_the_secret_back(
    run_cli, endpoint, memory_keyring, failing_rename
) -> None:
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    before = _snapshot(memory_keyring)[:2]
    failing_rename(EIO)
    result = run_cli("logout")
    assert (result.code, result.err) == (1, _error(config.path(), "Input/output error"))
    assert _snapshot(memory_keyring)[:2] == before
    assert run_cli("token", "--refresh").code == 0


def test_a_logout_the_keyring_refuses_changes_nothing(
    run_cli, endpoint, memory_keyring, monkeypatch
) -> None:
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    before = _snapshot(memory_keyring)

    def locked(*args: str) -> None:
        raise KeyringLocked("the collection is locked")

    monkeypatch.setattr(memory_keyring, "delete_password", locked)
    result = run_cli("logout")
    assert result.code == 4
    assert _snapshot(memory_keyring) == before  # the cached token too
    assert run_cli("token").code == 0 and endpoint.token_requests == 1


def test_a_cached_token_that_cannot_be_removed_stops_the_logout(
    run_cli, endpoint, memory_keyring, monkeypatch
) -> None:
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    before = _snapshot(memory_keyring)

    def busy(profile: object) -> bool:
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))

    monkeypatch.setattr(cache, "delete", busy)
    result = run_cli("logout")
    path = cache.path(config.load_all()["default"])
    assert (result.code, result.err) == (
        1,
        f"amplify-credhelper: error: cannot remove {path}: Device or resource busy\n",
    )
    assert _snapshot(memory_keyring) == before


# -- the integrations' writers, and the standard streams ----------------------------------------


@pytest.mark.parametrize("state", ["ro", "full"])
@pytest.mark.parametrize("where", ["our config", "docker's config"])
def test_setup_docker_where_nothing_can_be_written_fails_in_one_line(
    run_cli, small_fs, endpoint, memory_keyring, monkeypatch, tmp_path, state, where
) -> None:
    docker = tmp_path / "docker"
    if where == "docker's config":  # ours elsewhere, Docker's on the small file system
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
        docker = small_fs.root / "docker"
    monkeypatch.setenv("DOCKER_CONFIG", str(docker))
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    written = Path(config.path()) if where == "our config" else docker / "config.json"
    before = Path(config.path()).read_bytes()
    small_fs.fill() if state == "full" else small_fs.remount("ro")
    result = run_cli("setup-docker", "registry.example.com")
    why = "No space left on device" if state == "full" else "Read-only file system"
    assert (result.code, result.err) == (1, _error(str(written), why))
    assert Path(config.path()).read_bytes() == before  # the assignment was put back


@pytest.mark.parametrize("state", ["ro", "full"])
def test_docker_erase_where_nothing_can_be_written_fails_in_one_line(
    run_cli, small_fs, endpoint, memory_keyring, monkeypatch, tmp_path, state
) -> None:
    from docker_credential_amplify.helper import ProfileRegistries
    from docker_credential_amplify.protocol import handle

    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    assert run_cli("setup-docker", "registry.example.com").code == 0
    small_fs.fill() if state == "full" else small_fs.remount("ro")
    out, err = io.BytesIO(), io.StringIO()
    code = handle("erase", io.BytesIO(b"registry.example.com\n"), out, err, ProfileRegistries())
    why = "No space left on device" if state == "full" else "Read-only file system"
    said = f"docker-credential-amplify: error: cannot write {config.path()}: {why}\n"
    assert (code, err.getvalue()) == (1, said)
