"""Login and logout cut short, in real processes: a signal (SIGINT, and those whose default
ends the process: SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, a real-time one) or a keyring deadline while the keyring answers slowly (``SlowAfter``: the change is made at
once, the answer comes late, as over a slow D-Bus). Whatever cuts it short, a secret never
outlives its profile and a profile never loses its secret; and a logout racing a mint revokes
the token it removed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import amplify, console_script, login_argv

from credhelper.profiles import config
from credhelper.tokens import _core, cache

pytestmark = pytest.mark.integration  # real processes, real signals, a slow keyring: seconds each

SLOW = 1.5  # seconds SlowAfter takes to answer after making its change


@pytest.fixture
def env(subprocess_env: dict[str, str], endpoint) -> dict[str, str]:
    assert amplify(subprocess_env, *login_argv(endpoint), stdin="test-secret").returncode == 0
    return subprocess_env


def _slow(env: dict[str, str], **extra: str) -> dict[str, str]:
    return {**env, "PYTHON_KEYRING_BACKEND": "fake_keyring.SlowAfter",
            "AMPLIFY_TEST_KEYRING_SLOW": str(SLOW), **extra}  # fmt: skip


def _secrets(env: dict[str, str]) -> list[str]:
    """The profiles' own entries in the file keyring (user names end in ':profile:NAME')."""
    try:
        entries = json.loads(Path(env["AMPLIFY_TEST_KEYRING_FILE"]).read_text())
    except FileNotFoundError:
        return []
    return sorted(key.split(":profile:")[1] for key in entries if ":profile:" in key)


def _start(env: dict[str, str], *argv: str, stdin: str = "") -> subprocess.Popen[str]:
    with _not_ignored(signal.SIGINT, signal.SIGQUIT, *_ENDING):
        process = subprocess.Popen([console_script("amplify-credhelper"), *argv], env=env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stdin is not None
    process.stdin.write(stdin)
    process.stdin.close()
    return process


@contextlib.contextmanager
def _not_ignored(*signals: int):
    """A child inherits an ignored signal as ignored, and login rightly keeps a disposition it
    did not set: under a runner that ignores SIGINT or SIGQUIT (a shell's background job) the
    test would send a signal nobody hears. So the child starts from the defaults, as a user's."""
    ignored = [number for number in signals if signal.getsignal(number) == signal.SIG_IGN]
    for number in ignored:
        signal.signal(number, signal.SIG_DFL)
    try:
        yield
    finally:
        for number in ignored:
            signal.signal(number, signal.SIG_IGN)


def _await(condition, seconds: float = 30.0) -> None:
    ends = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < ends, "the condition never came"
        time.sleep(0.01)


def _ended(process: subprocess.Popen[str]) -> tuple[int, str]:
    assert process.stderr is not None
    return process.wait(60), process.stderr.read()


_ENDING = {s: s.name for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                                signal.SIGUSR2, signal.SIGALRM)}  # fmt: skip
_ENDING[signal.SIGRTMIN + 2] = "SIGRTMIN+2"  # type: ignore[index]  (a number, with no name)
_SAID = {
    signal.SIGINT: "amplify-credhelper: interrupted\n",
    **{s: f"amplify-credhelper: {name} received: nothing was changed\n"
       for s, name in _ENDING.items()},
}  # fmt: skip
_CODE = {s: 128 + s for s in _SAID}


@pytest.mark.parametrize("sig", list(_SAID), ids=lambda s: _ENDING.get(s, "SIGINT"))
def test_a_signal_during_login_leaves_no_orphan_secret(
    subprocess_env, endpoint, sig: signal.Signals
) -> None:
    login = _start(_slow(subprocess_env), *login_argv(endpoint), stdin="test-secret")
    _await(lambda: _secrets(subprocess_env) == ["default"])  # kept; the answer is still coming
    login.send_signal(sig)
    assert _ended(login) == (_CODE[sig], _SAID[sig])
    assert (_secrets(subprocess_env), config.load_all()) == ([], {})


@pytest.mark.parametrize("sig", list(_SAID), ids=lambda s: _ENDING.get(s, "SIGINT"))
def test_a_signal_during_logout_keeps_profile_secret_and_token(env, sig: signal.Signals) -> None:
    token = amplify(env, "token").stdout
    logout = _start(_slow(env), "logout")
    _await(lambda: _secrets(env) == [])  # deleted; the answer is still coming
    logout.send_signal(sig)
    assert _ended(logout) == (_CODE[sig], _SAID[sig])
    assert _secrets(env) == ["default"] and "default" in config.load_all()
    assert amplify(env, "token").stdout == token  # the cached token stayed too


def test_a_keyring_delete_past_its_deadline_is_undone(env) -> None:
    done = amplify(_slow(env, AMPLIFY_KEYRING_TIMEOUT="0.5"), "logout")
    assert done.returncode == 4 and "did not answer within 0.5 s" in done.stderr, done
    assert _secrets(env) == ["default"] and "default" in config.load_all()
    assert amplify(env, "token", "--refresh").returncode == 0  # the secret still works


def test_a_keyring_write_past_its_deadline_is_undone(subprocess_env, endpoint) -> None:
    done = amplify(_slow(subprocess_env, AMPLIFY_KEYRING_TIMEOUT="0.5"), *login_argv(endpoint),
                   stdin="test-secret")  # fmt: skip
    assert done.returncode == 4 and "did not answer within 0.5 s" in done.stderr, done
    assert (_secrets(subprocess_env), config.load_all()) == ([], {})


def test_the_handlers_are_put_back_and_a_chosen_one_kept(logged_in) -> None:
    chosen = signal.signal(signal.SIGHUP, lambda *_: None)
    try:
        hup = signal.getsignal(signal.SIGHUP)
        _core.logout(config.load_all()["default"], repr)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        assert signal.getsignal(signal.SIGHUP) is hup
    finally:
        signal.signal(signal.SIGHUP, chosen)


def test_logout_from_another_thread_sets_no_handler(logged_in) -> None:
    failures: list[BaseException] = []

    def run() -> None:
        try:
            _core.logout(config.load_all()["default"], repr)
        except BaseException as exc:  # noqa: BLE001  (handed to the test's thread)
            failures.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(30)
    assert failures == [] and config.load_all() == {}


@pytest.mark.parametrize("cached", [True, False], ids=["warm", "cold"])
def test_logout_during_a_mint_revokes_the_token_minted(env, endpoint, cached: bool) -> None:
    if not cached:
        os.remove(cache.path(config.load_all()["default"]))
    endpoint.delay = 3.0
    mint = _start(env, "token", "--refresh")
    _await(lambda: endpoint.arrivals == 2)  # the login's, then this one: it holds the lock
    logout = _start(env, "logout")
    assert mint.stdout is not None and logout.stdout is not None
    assert mint.wait(60) == 0
    fresh = mint.stdout.read().strip()
    assert _ended(logout)[0] == 0 and logout.stdout.read().endswith("; token revoked.\n")
    assert fresh == endpoint.issued[1] and endpoint.revoked == [fresh]


def test_logout_of_the_environment_profile_during_a_mint_revokes_the_token_minted(
    subprocess_env, endpoint
) -> None:
    env = {**subprocess_env, "AMPLIFY_CLIENT_ID": "test-client",
           "AMPLIFY_CLIENT_SECRET": "test-secret", "AMPLIFY_BASE_URL": endpoint.base_url}  # fmt: skip
    endpoint.delay = 3.0
    mint = _start(env, "token")
    _await(lambda: endpoint.arrivals == 1)  # the mint holds the lock
    logout = _start(env, "logout")
    assert mint.stdout is not None and logout.stdout is not None
    assert mint.wait(60) == 0
    fresh = mint.stdout.read().strip()
    assert _ended(logout)[0] == 0 and logout.stdout.read().endswith("; token revoked.\n")
    assert fresh == endpoint.issued[0] and endpoint.revoked == [fresh]
