"""No process undoes another's work: real processes race every writer of a shared file against
logins and logouts, a logout against a mint, waiters against a lock held for long; and a lock
file we cannot use, or a keyring that never answers, never ends single flight or hangs us.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import amplify, console_script, login_argv
from support.require import need
from support.stored import keyring_profiles, stored_profiles

pytestmark = pytest.mark.integration

LOGINS, LOGOUTS = 12, 8
TIMEOUT = 180


def _cache_file(home: Path, stem: str = "default") -> Path:
    return home / "config" / "amplify-credhelper" / "tokens" / f"{stem}.json"


def _login(env: dict, endpoint, name: str) -> subprocess.Popen:
    return _start(env, *login_argv(endpoint, "--profile", name), stdin="test-secret")


def _start(env: dict, *argv: str, stdin: str = "") -> subprocess.Popen:
    process = subprocess.Popen([console_script("amplify-credhelper"), *argv], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    process.stdin.write(stdin)
    process.stdin.close()
    return process


def _finish(processes: list[subprocess.Popen]) -> list[tuple[int, str]]:
    return [(p.wait(TIMEOUT), p.stderr.read()) for p in processes]


UPDATE_LOOP = """
from credhelper import update_settings
for i in range(40):
    update_settings("base", "loop", {"n": i})
"""


def _writers(kind: str, env: dict, home: Path) -> list[str]:
    """A loop that rewrites a shared file over and over, as argv."""
    amplify_cli, docker = console_script("amplify-credhelper"), console_script(
        "docker-credential-amplify"
    )
    loops = {
        "update_settings": [sys.executable, "-c", UPDATE_LOOP],
        "setup-docker and erase": ["bash", "-c", (
            f"for i in 1 2 3 4 5 6; do {amplify_cli} setup-docker --profile base "
            f"reg.example.com || exit 1; echo reg.example.com | {docker} erase || exit 1; done"
        )],
        "setup-git": ["bash", "-c", (
            f"for i in 1 2 3 4 5 6; do {amplify_cli} setup-git --profile base git.example.com "
            f"|| exit 1; {amplify_cli} setup-git --unset git.example.com || exit 1; done"
        )],
    }  # fmt: skip
    return loops[kind]


@pytest.mark.parametrize("kind", ["update_settings", "setup-docker and erase", "setup-git"])
def test_logins_and_logouts_beside_a_writer_lose_nothing(
    kind: str, endpoint, subprocess_env, home
) -> None:
    env = {**subprocess_env, "DOCKER_CONFIG": str(home / "docker")}
    if kind == "setup-git":
        need(subprocess.run(["git", "--version"], capture_output=True).returncode == 0, "git")
        (home / "home").mkdir(exist_ok=True)  # where git keeps its global config
    leaving = [f"out{i}" for i in range(LOGOUTS)]
    for name in ["base", *leaving]:
        assert _finish([_login(env, endpoint, name)]) == [(0, "")]
    writer = subprocess.Popen(_writers(kind, env, home), env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    arriving = [f"in{i}" for i in range(LOGINS)]
    racers = [_login(env, endpoint, name) for name in arriving]
    racers += [_start(env, "logout", "--profile", name) for name in leaving]
    results = _finish(racers)
    assert writer.wait(TIMEOUT) == 0, writer.stderr.read()  # its notes on stderr: not failures
    assert [code for code, _ in results] == [0] * len(racers), results
    kept = {"base", *arriving}
    assert set(stored_profiles(home)) == kept  # no login lost, no logout undone
    assert keyring_profiles(home) == kept  # no orphaned secret, none missing


def test_logout_waits_for_a_mint_in_flight_then_removes_its_token(
    endpoint, subprocess_env, home
) -> None:
    assert amplify(subprocess_env, *login_argv(endpoint), stdin="test-secret").returncode == 0
    _cache_file(home).unlink()
    endpoint.delay = 2.0
    minting = _start(subprocess_env, "token")
    _until(lambda: endpoint.arrivals == 2)  # the login's, then this one's: a mint under way
    logout = amplify(subprocess_env, "logout")
    assert (logout.returncode, logout.stderr) == (0, "")
    assert minting.wait(TIMEOUT) == 0  # asked before the logout: it gets its token
    assert not _cache_file(home).exists()  # but the cache does not keep it after logout
    assert keyring_profiles(home) == set()


def test_logout_all_removes_the_environment_profiles_cached_token(
    endpoint, subprocess_env, home
) -> None:
    ci = {**subprocess_env, "AMPLIFY_CLIENT_ID": "test-client",
          "AMPLIFY_CLIENT_SECRET": "test-secret", "AMPLIFY_BASE_URL": endpoint.base_url}  # fmt: skip
    assert amplify(ci, "token").returncode == 0
    assert _cache_file(home, "@environment").exists()
    done = amplify(subprocess_env, "logout", "--all")
    assert (done.returncode, done.stderr) == (0, "")
    assert "cached token removed" in done.stdout
    assert not _cache_file(home, "@environment").exists()


HOLD_LOCK = """
import time
from credhelper.tokens import cache; from credhelper import load_profile
lock = cache.lock(load_profile(), 5)
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_a_waiter_returns_as_soon_as_a_token_lands_while_the_lock_is_still_held(
    endpoint, subprocess_env, home
) -> None:
    assert amplify(subprocess_env, *login_argv(endpoint), stdin="test-secret").returncode == 0
    landed = _cache_file(home).read_bytes()
    _cache_file(home).unlink()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK], env=subprocess_env,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    waiter = None
    try:
        assert holder.stdout.readline() == "locked\n"
        waiter = _start(subprocess_env, "token")
        time.sleep(1.0)
        assert waiter.poll() is None  # nothing cached, a mint under way: it waits
        _land(_cache_file(home), landed)  # what the holder's mint would write
        # The holder keeps the lock for 60 s: a waiter queued on it could not return within
        # 10 s; one that polls the cache returns while the lock is still held.
        assert waiter.wait(10) == 0
        assert holder.poll() is None  # the lock still held when the waiter had its token
        assert endpoint.token_requests == 1  # the login's alone
    finally:
        for process in (holder, waiter):
            if process is not None:
                process.kill()
                process.wait()


def _land(path: Path, data: bytes) -> None:
    """Write the cache file as a mint does: private, renamed into place."""
    staged = path.with_name(".tmp-test")
    staged.write_bytes(data)
    staged.chmod(0o600)
    staged.replace(path)


def _unusable_lock(kind: str, path: Path) -> None:
    if kind == "a folder":
        path.mkdir()
        (path / "inside").write_text("x")  # not empty: it cannot simply be removed
    else:  # a file another user left, as a sudo run does
        path.write_text("")
        os.chown(path, 12345, 12345)
        path.chmod(0o644)


@pytest.mark.parametrize("kind", ["a folder", "another user's file"])
def test_a_lock_file_we_cannot_use_keeps_single_flight(
    kind: str, endpoint, subprocess_env, home
) -> None:
    need(os.geteuid() == 0, "root, to give a file to another user")
    assert amplify(subprocess_env, *login_argv(endpoint), stdin="test-secret").returncode == 0
    _cache_file(home).unlink()
    lock = _cache_file(home).with_suffix(".lock")
    lock.unlink(missing_ok=True)
    _unusable_lock(kind, lock)
    results = _finish([_start(subprocess_env, "token") for _ in range(30)])
    assert results == [(0, "")] * 30
    assert endpoint.token_requests == 2  # the login's and one mint for all thirty
    assert lock.is_file() and lock.stat().st_uid == os.geteuid()


def test_a_keyring_that_never_answers_fails_every_waiter_at_its_deadline(
    endpoint, subprocess_env, home
) -> None:
    assert amplify(subprocess_env, *login_argv(endpoint), stdin="test-secret").returncode == 0
    _cache_file(home).unlink()
    stuck = {**subprocess_env, "PYTHON_KEYRING_BACKEND": "fake_keyring.BlockingKeyring",
             "AMPLIFY_KEYRING_TIMEOUT": "1"}  # fmt: skip
    started = time.monotonic()
    results = _finish([_start(stuck, "token") for _ in range(5)])
    assert time.monotonic() - started < 30  # not 60 s per waiter, nor forever
    said = (
        "amplify-credhelper: error: cannot read the secret from the keyring: "
        "fake_keyring.BlockingKeyring did not answer within 1 s"
    )
    assert [(code, err.startswith(said), err.count("\n")) for code, err in results] == [
        (4, True, 1)
    ] * 5, results
    assert endpoint.token_requests == 1  # the login's


def _until(condition, seconds: float = 20.0) -> None:
    ends = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < ends, "timed out"
        time.sleep(0.02)
