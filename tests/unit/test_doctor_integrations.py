"""`doctor` on each profile's git and Docker settings, through each integration's own check
(``Command.doctor_checks``: the core reads no integration's settings), and `login` warning when
it turns a profile that serves registries into a key profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import login_argv
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from credhelper import ConfigError
from credhelper.cli._doctor import integration_checks
from credhelper.commands import Command
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile

REG = "docker.example.com"
KEY_FAIL = (
    f"  FAIL registries: {REG} assigned, but profile 'default' logs in with a private key and a "
    "registry takes a client secret: assign them to a secret profile with `amplify-credhelper "
    "setup-docker --profile P REGISTRY`, or remove them with `amplify-credhelper setup-docker "
    "--unset --profile default`"
)


@pytest.fixture
def docker_config(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DOCKER_CONFIG", str(home / "docker"))
    return home / "docker"


def _key_file(endpoint, tmp_path: Path) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    endpoint.clients["test-client"] = key.public_key()
    path = tmp_path / "sa.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))  # fmt: skip
    return str(path)


def _with_settings(**settings: object) -> None:
    """The 'default' profile as a hand edit (or an older version) left its settings."""
    stored = config.load_all()["default"].as_dict()
    config.save_all({"default": make_profile(**{**stored, "settings": settings})})


def test_good_settings_are_ok_rows(run_cli, logged_in, docker_config) -> None:
    assert run_cli("setup-docker", "--profile", "default", REG).code == 0
    _with_settings(git={"hosts": ["git.example.com", "*.example.org"]},
                   docker={"registries": [REG]})  # fmt: skip
    result = run_cli("doctor")
    assert result.code == 0, result
    assert result.out.splitlines()[5:7] == [  # by integration: setup-docker, setup-git
        f"  ok   registries: {REG}, served with the client secret",
        "  ok   git hosts: git.example.com, *.example.org",
    ]


def test_registries_on_a_key_profile_fail_with_what_to_do(
    run_cli, logged_in, docker_config, tmp_path, memory_keyring
) -> None:
    assert run_cli("setup-docker", "--profile", "default", REG).code == 0
    switched = run_cli("login", "--key-file", _key_file(logged_in, tmp_path))
    assert switched.code == 0 and switched.out.startswith("Logged in")
    assert switched.err == "amplify-credhelper: warning: " + KEY_FAIL[len("  FAIL "):] + "\n"
    result = run_cli("doctor")
    assert result.code == 1
    assert KEY_FAIL in result.out.splitlines()
    assert result.out.endswith("1 problem found: see the FAIL lines.\n")


def test_a_login_that_keeps_a_secret_says_nothing_more(run_cli, logged_in, docker_config) -> None:
    assert run_cli("setup-docker", "--profile", "default", REG).code == 0
    again = run_cli(*login_argv(logged_in), stdin="test-secret")
    assert (again.code, again.err) == (0, "")


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("*", "bad git host '*': a wildcard alone would hand the token to any host: name the "
              "domain"),
        ("http://git.example.com", "refusing git host 'http://git.example.com': tokens only "
         "travel over https (plain http is allowed for 127.0.0.1, ::1 and localhost only)"),
        ("git.example.com/org", "bad git host 'git.example.com/org': no path: git matches host "
         "and port alone"),
    ],
)  # fmt: skip
def test_a_git_host_the_host_rule_refuses_fails(run_cli, logged_in, host, why) -> None:
    _with_settings(git={"hosts": ["git.example.com", host]})
    result = run_cli("doctor")
    assert result.code == 1
    assert (
        f"  FAIL git hosts: profile 'default': {why}; give the hosts again: "
        "`amplify-credhelper login --profile default --git-host HOST`"
    ) in result.out.splitlines()


def test_unreadable_registries_fail(run_cli, logged_in) -> None:
    _with_settings(docker={"registries": "docker.example.com"})
    result = run_cli("doctor")
    assert result.code == 1
    assert (
        "  FAIL registries: profile 'default': its docker registries are not a list of names; "
        "assign them again with `amplify-credhelper setup-docker`"
    ) in result.out.splitlines()


def test_the_ci_profile_s_git_hosts_point_at_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "ci")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "s")
    monkeypatch.setenv("AMPLIFY_GIT_HOSTS", "*")
    from git_credential_amplify.configure import SETUP_GIT

    from credhelper import load_profile

    assert SETUP_GIT.doctor_checks(load_profile()) == [(
        "FAIL", "git hosts", "AMPLIFY_GIT_HOSTS: bad git host '*': a wildcard alone would hand "
        "the token to any host: name the domain; correct AMPLIFY_GIT_HOSTS")]  # fmt: skip


class _Broken(Command):
    name = "setup-broken"
    help = "a plug-in whose doctor check fails"

    def run(self, args, io) -> int:
        return 0

    def doctor_checks(self, profile: object) -> list[tuple[str, str, str]]:
        raise ConfigError("its settings are unreadable")


class _Silent(Command):
    name = "setup-silent"
    help = "a plug-in with no doctor checks of its own"

    def run(self, args, io) -> int:
        return 0


def test_an_integration_check_that_fails_is_one_row_and_the_default_is_none() -> None:
    profile = make_profile(name="p", client_id="c")
    assert integration_checks(profile, [_Silent(), _Broken(), _Silent()]) == [
        ("FAIL", "setup-broken", "its settings are unreadable")
    ]
