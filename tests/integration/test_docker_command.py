"""The installed docker-credential-amplify as clients run it: a process, stdin, stdout, exit code."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest
from conftest import amplify, console_script, login_argv

pytestmark = pytest.mark.integration

REG = "docker.repository.axway.com"


def helper(env: dict[str, str], *argv: str, stdin: str = "", python: list[str] | None = None):
    program = [*(python or []), console_script("docker-credential-amplify"), *argv]
    return subprocess.run(program, input=stdin, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def docker_env(subprocess_env, home, endpoint) -> dict[str, str]:
    env = {**subprocess_env, "DOCKER_CONFIG": str(home / "docker")}
    assert amplify(env, *login_argv(endpoint), stdin="test-secret\n").returncode == 0
    done = amplify(env, "setup-docker", REG)
    assert done.returncode == 0, done.stderr
    return env


def test_get_answers_from_the_keyring_and_imports_no_httpx(docker_env) -> None:
    done = helper(docker_env, "get", stdin=f"https://{REG}/\n", python=[sys.executable, "-X", "importtime"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ServerURL": f"https://{REG}/", "Username": "test-client", "Secret": "test-secret"}
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "keyring" in imported  # the measurement works: the secret came from the keyring
    assert not {name for name in imported if name.split(".")[0] in ("httpx", "httpcore")}
    assert "hmac" not in imported  # only `store` compares secrets


def test_the_protocols_answers_as_a_client_sees_them(docker_env) -> None:
    not_found = helper(docker_env, "get", stdin="ghcr.io")
    assert (not_found.returncode, not_found.stdout, not_found.stderr) == (1, "credentials not found in native keychain\n", "")
    listed = helper(docker_env, "list", stdin="unused")
    assert (listed.returncode, json.loads(listed.stdout)) == (0, {REG: "test-client"})
    number = importlib.metadata.version("amplify-credhelper")
    for action in ("version", "--version"):
        version = helper(docker_env, action)
        assert (version.returncode, version.stdout, version.stderr) == (
            0, f"docker-credential-amplify (amplify-credhelper) {number}\n", "")  # fmt: skip
    usage = helper(docker_env)
    assert (usage.returncode, usage.stdout) == (1, "usage: docker-credential-amplify get|store|erase|list|version\n")


def test_amplify_credhelper_runs_the_setup_docker_entry_point(docker_env, home) -> None:
    done = amplify(docker_env, "setup-docker", "--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: amplify-credhelper setup-docker [-h] [--profile P] [-v] [--unset]")
    assert json.loads((home / "docker" / "config.json").read_text()) == {"credHelpers": {REG: "amplify"}}


def test_login_registry_then_setup_docker_serves_it_through_the_installed_commands(
    subprocess_env, home, endpoint
) -> None:
    env = {**subprocess_env, "DOCKER_CONFIG": str(home / "docker")}
    listed = amplify(env, "--help")
    assert "setup-docker" in listed.stdout.split() and "setup-git" in listed.stdout.split()
    assert "--registry REGISTRY" in amplify(env, "login", "--help").stdout
    done = amplify(env, *login_argv(endpoint, "--profile", "agents", "--registry", f"https://{REG}/"),
                   stdin="test-secret\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not (home / "docker").exists()  # login keeps the profile, nothing of Docker's
    served = helper(env, "get", stdin=REG)  # assigned: answered once credHelpers sends it here
    assert json.loads(served.stdout)["Username"] == "test-client"
    done = amplify(env, "setup-docker", "-p", "agents", "-v")
    assert (done.returncode, done.stdout) == (0, f"{REG}: served by profile 'agents'\n"), done.stderr
    assert json.loads((home / "docker" / "config.json").read_text()) == {"credHelpers": {REG: "amplify"}}
    [status] = json.loads(amplify(env, "status", "--profile", "agents", "--json").stdout)
    assert status["settings"] == {"docker": {"registries": [REG]}}
    again = amplify(env, *login_argv(endpoint, "--registry", REG), stdin="test-secret\n")
    assert (again.returncode, again.stderr) == (1,
        f"amplify-credhelper: error: {REG} is served by profile 'agents': log in without --registry "
        f"{REG}, then move it with `amplify-credhelper setup-docker {REG}`\n")  # fmt: skip


_SIGNAL_AT_FSYNC = """\
import os, signal
_k, _seen, _fsync = int(os.environ["SIGNAL_AT_FSYNC"]), [0], os.fsync
def _step(fd):
    _seen[0] += 1
    if _seen[0] - 1 == _k:
        os.kill(os.getpid(), signal.SIGTERM)
    return _fsync(fd)
os.fsync = _step
"""


def test_setup_docker_killed_at_any_write_changes_nothing(docker_env, home, tmp_path) -> None:
    """The hostile tester's case: SIGTERM while a file is written (here at the K-th fsync of the
    process, by a sitecustomize): all put back, no temporary file left, one line."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(_SIGNAL_AT_FSYNC)
    files = [home / "docker", home / "config" / "amplify-credhelper"]
    state = lambda: {str(p): p.read_bytes() for d in files for p in sorted(d.iterdir()) if p.is_file() and p.suffix != ".lock"}  # noqa: E731
    before = state()
    for k in range(50):
        env = {**docker_env, "SIGNAL_AT_FSYNC": str(k),
               "PYTHONPATH": f"{tmp_path / 'site'}:{docker_env['PYTHONPATH']}"}  # fmt: skip
        done = amplify(env, "setup-docker", "h.example.com")
        if done.returncode == 0:
            break
        assert (done.returncode, done.stdout) == (143, ""), (k, done.stderr)
        assert done.stderr == "amplify-credhelper: SIGTERM received: nothing was changed\n", k
        assert state() == before, k
    assert k > 0 and json.loads((home / "docker" / "config.json").read_text())["credHelpers"] == {
        REG: "amplify", "h.example.com": "amplify"}  # fmt: skip
