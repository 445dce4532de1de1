"""A login in flight undoes no other process's work: real processes save settings (an erase,
setup-docker, another login) while a login waits for its token, and logins race for one
registry; each test counts what is left.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from conftest import console_script, login_argv
from support.stored import keyring_profiles, stored_profiles

pytestmark = pytest.mark.integration

TIMEOUT = 180
REGISTRY = "r.example.com"


def _start(env: dict, program: str, *argv: str, stdin: str = "") -> subprocess.Popen:
    process = subprocess.Popen([console_script(program), *argv], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    process.stdin.write(stdin)
    process.stdin.close()
    return process


def _login(env: dict, endpoint, *extra: str) -> subprocess.Popen:
    return _start(env, "amplify-credhelper", *login_argv(endpoint, *extra), stdin="test-secret")


def _done(process: subprocess.Popen) -> tuple[int, str]:
    return process.wait(TIMEOUT), process.stderr.read()


def _until(condition, seconds: float = 30.0) -> None:
    ends = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < ends, "timed out"
        time.sleep(0.02)


@pytest.fixture
def docker_env(subprocess_env: dict, home: Path) -> dict:
    return {**subprocess_env, "DOCKER_CONFIG": str(home / "docker")}


def _while_a_login_waits(
    env: dict, endpoint, login: list[str], *other: str, stdin: str = REGISTRY
) -> tuple:
    """Start a login that waits for its token, run ``other`` meanwhile; both results."""
    endpoint.delay = 2.0
    before = endpoint.arrivals
    waiting = _login(env, endpoint, "--profile", "p", *login)
    _until(lambda: endpoint.arrivals > before)  # it has read the config and asked
    program, *argv = other
    meanwhile = _start(env, program, *argv, stdin=stdin)
    return _done(meanwhile), _done(waiting)


def _setup(env: dict, endpoint) -> None:
    assert _done(_login(env, endpoint, "--profile", "p", "--registry", REGISTRY)) == (0, "")
    setup = _start(env, "amplify-credhelper", "setup-docker", "--profile", "p")
    assert setup.wait(TIMEOUT) == 0, setup.stderr.read()


def test_a_docker_logout_during_a_login_stays_done(docker_env, endpoint, home) -> None:
    _setup(docker_env, endpoint)
    erased, login = _while_a_login_waits(
        docker_env, endpoint, ["--refresh-margin", "60"], "docker-credential-amplify", "erase"
    )
    assert erased[0] == 0 and "no longer served by profile 'p'" in erased[1], erased
    assert login == (0, "")
    assert stored_profiles(home)["p"] == {
        "client_id": "test-client", "base_url": endpoint.base_url, "refresh_margin": 60,
    }  # fmt: skip
    get = _start(docker_env, "docker-credential-amplify", "get", stdin=REGISTRY)
    assert (get.wait(TIMEOUT), get.stdout.read()) == (1, "credentials not found in native keychain\n")


def test_a_registry_assigned_during_a_login_stays(docker_env, endpoint, home) -> None:
    _setup(docker_env, endpoint)
    _start(docker_env, "amplify-credhelper", "setup-docker", "--unset").wait(TIMEOUT)
    assignment, login = _while_a_login_waits(
        docker_env, endpoint, ["--git-host", "g1"],
        "amplify-credhelper", "setup-docker", "--profile", "p", REGISTRY,
    )  # fmt: skip
    assert assignment[0] == 0, assignment
    assert login == (0, "")
    assert stored_profiles(home)["p"]["settings"] == {
        "docker": {"registries": [REGISTRY]}, "git": {"hosts": ["g1"]},
    }  # fmt: skip


def test_two_logins_of_one_profile_keep_each_ones_option(docker_env, endpoint, home) -> None:
    _setup(docker_env, endpoint)
    second, first = _while_a_login_waits(
        docker_env, endpoint, ["--refresh-margin", "100"],
        "amplify-credhelper", *login_argv(endpoint, "--profile", "p", "--git-host", "g2"),
        stdin="test-secret",
    )  # fmt: skip
    assert (first, second[0]) == ((0, ""), 0), second
    stored = stored_profiles(home)["p"]
    assert (stored["refresh_margin"], stored["settings"]["git"]) == (100, {"hosts": ["g2"]})


def test_logins_racing_for_one_registry_let_one_have_it(docker_env, endpoint, home) -> None:
    endpoint.delay = 1.0  # every login reads the config before any saves
    racers = [
        _login(docker_env, endpoint, "--profile", f"p{i}", "--registry", "shared.example.com")
        for i in range(8)
    ]
    results = [_done(process) for process in racers]
    assert sorted(code for code, _ in results) == [0] + [1] * 7, results
    winners = {
        name for name, entry in stored_profiles(home).items()
        if "shared.example.com" in entry.get("settings", {}).get("docker", {}).get("registries", [])
    }  # fmt: skip
    assert len(winners) == 1 and set(stored_profiles(home)) == winners
    assert keyring_profiles(home) == winners  # no secret left by a refused login
    said = f"shared.example.com is served by profile {next(iter(winners))!r}"
    assert [said in err for code, err in results if code == 1] == [True] * 7, results
