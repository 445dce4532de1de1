"""`amplify-credhelper setup-docker`: the assignments and Docker's config.json, exact output."""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from conftest import CliResult, login_argv
from docker_credential_amplify import assignments, configure
from docker_credential_amplify.assignments import registries_of, serving_profile
from docker_credential_amplify.configure import SETUP_DOCKER, SetupDocker

from credhelper import ConfigError, load_profile
from credhelper.cli import dispatch as cli
from credhelper.commands import CommandParser
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile

REG = "docker.repository.axway.com"
HELM = "helm.repository.axway.com"
WARNING = "amplify-credhelper: warning: "
ERROR = "amplify-credhelper: error: "


@pytest.fixture
def docker_dir(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = home / "docker"
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    # where the installed docker-credential-amplify is, as on a user's PATH
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return folder


@pytest.fixture
def two_profiles(logged_in, run_cli):
    """'default' and 'other', both secret profiles of the local endpoint's test client."""
    result = run_cli("login", "--profile", "other", "--client-id", "test-client", "--base-url",
                     logged_in.base_url, "--secret-stdin", stdin="test-secret\n")  # fmt: skip
    assert result.code == 0, result
    return logged_in


def config_of(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text())


def served_by(registry: str) -> str | None:
    profile = serving_profile(registry)
    return None if profile is None else profile.name


def test_setup_writes_credhelpers_and_assigns(logged_in, run_cli, docker_dir) -> None:
    result = run_cli("setup-docker", "--profile", "default", f"https://{REG}/", HELM)
    assert (result.code, result.out) == (0,
        f"{REG}: served by profile 'default'\n{HELM}: served by profile 'default'\n")  # fmt: skip
    assert config_of(docker_dir) == {"credHelpers": {REG: "amplify", HELM: "amplify"}}
    assert stat.S_IMODE((docker_dir / "config.json").stat().st_mode) == 0o600
    assert registries_of(load_profile("default")) == (REG, HELM)


def test_setup_keeps_every_other_key_its_order_and_the_files_mode(logged_in, run_cli, docker_dir) -> None:
    docker_dir.mkdir()
    before = {"auths": {"ghcr.io": {"auth": "eDp5"}}, "credsStore": "desktop",
              "credHelpers": {"gcr.io": "gcloud"}, "proxies": {"default": {"httpProxy": "p"}},
              "currentContext": "ctx"}  # fmt: skip
    path = docker_dir / "config.json"
    path.write_text(json.dumps(before))
    path.chmod(0o644)
    assert run_cli("setup-docker", REG).code == 0
    after = config_of(docker_dir)
    assert list(after) == list(before)
    assert after == {**before, "credHelpers": {"gcr.io": "gcloud", REG: "amplify"}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in docker_dir.iterdir()] == ["config.json"]  # no temporary file left


def test_setup_is_idempotent_and_does_not_rewrite_an_unchanged_file(logged_in, run_cli, docker_dir) -> None:
    assert run_cli("setup-docker", REG).code == 0
    path = docker_dir / "config.json"
    first = path.read_bytes()
    os.utime(path, (1, 1))
    again = run_cli("setup-docker", REG)
    assert (again.code, again.out) == (0, f"{REG}: served by profile 'default'\n")
    assert path.read_bytes() == first and path.stat().st_mtime == 1
    assert run_cli("setup-docker").code == 0  # without REGISTRY: the profile's own again
    assert path.stat().st_mtime == 1
    assert registries_of(load_profile("default")) == (REG,)


def test_setup_drops_the_password_an_old_docker_login_left(logged_in, run_cli, docker_dir) -> None:
    docker_dir.mkdir()
    saved = base64.b64encode(b"test-client:test-secret").decode()
    (docker_dir / "config.json").write_text(json.dumps(
        {"auths": {f"https://{REG}/v1/": {"auth": saved}, "ghcr.io": {"auth": "eDp5"}}}))  # fmt: skip
    result = run_cli("setup-docker", REG)
    assert result.code == 0
    assert result.err == f"{WARNING}removed the login docker saved for https://{REG}/v1/ in config.json\n"
    assert config_of(docker_dir) == {"auths": {"ghcr.io": {"auth": "eDp5"}}, "credHelpers": {REG: "amplify"}}
    assert saved not in (docker_dir / "config.json").read_text()


def test_setup_says_when_it_takes_a_registry_from_another_helper(logged_in, run_cli, docker_dir) -> None:
    docker_dir.mkdir()
    (docker_dir / "config.json").write_text(json.dumps({"credHelpers": {REG: "pass"}}))
    result = run_cli("setup-docker", REG)
    assert result.err == f"{WARNING}{REG} was sent to docker-credential-pass: now to ours\n"
    assert config_of(docker_dir) == {"credHelpers": {REG: "amplify"}}


def test_docker_hub_gets_the_keys_docker_and_skopeo_look_up(logged_in, run_cli, docker_dir) -> None:
    assert run_cli("setup-docker", "index.docker.io").code == 0
    assert config_of(docker_dir) == {"credHelpers": {"https://index.docker.io/v1/": "amplify", "docker.io": "amplify"}}
    assert run_cli("setup-docker", "--unset", "docker.io").code == 0
    assert config_of(docker_dir) == {}


def test_assigning_moves_a_registry_from_another_profile(two_profiles, run_cli, docker_dir) -> None:
    assert run_cli("setup-docker", "--profile", "default", REG, HELM).code == 0
    result = run_cli("setup-docker", "--profile", "other", REG)
    assert result.out == f"{REG}: served by profile 'other' (moved from profile 'default')\n"
    assert (served_by(REG), served_by(HELM)) == ("other", "default")


def test_unset_removes_only_our_entries_and_the_assignment(logged_in, run_cli, docker_dir) -> None:
    assert run_cli("setup-docker", REG, HELM).code == 0
    config = config_of(docker_dir)
    config["credHelpers"]["gcr.io"] = "gcloud"
    config["auths"] = {}
    (docker_dir / "config.json").write_text(json.dumps(config))
    result = run_cli("setup-docker", "--unset", f"https://{REG}")
    assert (result.code, result.out) == (0, f"{REG}: no longer served by amplify-credhelper (was on profile 'default')\n")
    assert config_of(docker_dir) == {"credHelpers": {HELM: "amplify", "gcr.io": "gcloud"}, "auths": {}}
    assert (served_by(REG), served_by(HELM)) == (None, "default")


def test_unset_without_registry_removes_all_of_ours(two_profiles, run_cli, docker_dir) -> None:
    assert run_cli("setup-docker", "--profile", "default", REG).code == 0
    assert run_cli("setup-docker", "--profile", "other", HELM).code == 0
    result = run_cli("setup-docker", "--unset")
    assert result.out.splitlines() == [
        f"{REG}: no longer served by amplify-credhelper (was on profile 'default')",
        f"{HELM}: no longer served by amplify-credhelper (was on profile 'other')",
    ]
    assert config_of(docker_dir) == {}
    assert (served_by(REG), served_by(HELM)) == (None, None)
    assert run_cli("setup-docker", "--unset").out == "nothing to remove\n"
    assert run_cli("setup-docker", "--unset", REG).out == f"{REG}: nothing to remove\n"


def test_unset_with_a_profile_removes_that_profiles_registries(two_profiles, run_cli, docker_dir) -> None:
    assert run_cli("setup-docker", "--profile", "default", REG).code == 0
    assert run_cli("setup-docker", "--profile", "other", HELM).code == 0
    assert run_cli("setup-docker", "--unset", "--profile", "other").code == 0
    assert config_of(docker_dir) == {"credHelpers": {REG: "amplify"}}
    assert (served_by(REG), served_by(HELM)) == ("default", None)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ftp://reg.example.com"], "not a registry name: 'ftp://reg.example.com' (only http(s):// URLs): expected a name like docker.repository.axway.com"),
        (["http://reg.example.com"], "refusing 'http://reg.example.com': a registry's secret only travels over https (plain http is allowed for 127.0.0.1, ::1 and localhost only)"),
        ([], "no registry given, and profile 'default' has none: name one"),
        (["--profile", "nope", REG], "no profile 'nope': run `amplify-credhelper login --profile nope --client-id ID` first (or set AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET)"),
        (["--bogus"], "unrecognized arguments: --bogus (see `amplify-credhelper setup-docker --help`)"),
    ],
)
def test_bad_setup_is_one_line_and_changes_nothing(logged_in, run_cli, docker_dir, argv, message) -> None:
    result = run_cli("setup-docker", *argv)
    assert (result.code, result.out, result.err) == (1, "", f"amplify-credhelper: error: {message}\n")
    assert not docker_dir.exists()
    assert registries_of(load_profile("default")) == ()


def test_the_ci_profile_and_key_profiles_cannot_be_set_up(logged_in, run_cli, docker_dir, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "ci-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "ci-secret")
    result = run_cli("setup-docker", REG)
    assert result.err == ("amplify-credhelper: error: setup-docker needs a stored profile: name one "
                          "with --profile (the AMPLIFY_CLIENT_ID/_SECRET profile serves AMPLIFY_DOCKER_REGISTRIES)\n")  # fmt: skip
    config.save_all({**config.load_all(), "k": make_profile(name="k", client_id="key-client", auth_method="key")})
    result = run_cli("setup-docker", "--profile", "k", REG)
    assert result.err == ("amplify-credhelper: error: profile 'k' uses a private key: registries take "
                          "a client id and secret, so assign them to a secret profile\n")  # fmt: skip


def test_a_broken_config_json_stops_before_anything_changes(logged_in, run_cli, docker_dir) -> None:
    docker_dir.mkdir()
    (docker_dir / "config.json").write_text('{"credHelpers": ')
    result = run_cli("setup-docker", REG)
    assert result.err == f"amplify-credhelper: error: {docker_dir / 'config.json'} is not a JSON object: fix it, then run this again\n"
    assert registries_of(load_profile("default")) == ()
    (docker_dir / "config.json").write_text('{"credHelpers": []}')
    assert "its 'credHelpers' is not a JSON object" in run_cli("setup-docker", REG).err


def test_a_failed_write_puts_the_assignments_back(two_profiles, run_cli, docker_dir, monkeypatch) -> None:
    assert run_cli("setup-docker", "--profile", "default", REG).code == 0

    def fail(path, config):
        raise ConfigError(f"cannot write {path}: No space left on device")

    monkeypatch.setattr(configure.dockerconfig, "save", fail)
    result = run_cli("setup-docker", "--profile", "other", REG, HELM)
    assert result.code == 1
    assert result.err == f"amplify-credhelper: error: cannot write {docker_dir / 'config.json'}: No space left on device\n"
    assert (served_by(REG), served_by(HELM)) == ("default", None)


def test_a_symlinked_config_json_is_written_through(logged_in, run_cli, docker_dir, home) -> None:
    target = home / "dotfiles" / "docker.json"
    target.parent.mkdir()
    target.write_text("{}")
    docker_dir.mkdir()
    (docker_dir / "config.json").symlink_to(target)
    assert run_cli("setup-docker", REG).code == 0
    assert (docker_dir / "config.json").is_symlink()
    assert json.loads(target.read_text()) == {"credHelpers": {REG: "amplify"}}


def test_the_docker_config_folder_is_passed_in_and_the_path_checked(logged_in, tmp_path) -> None:
    command = SetupDocker(docker_config_dir=str(tmp_path / "d"), which=lambda name: None)
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["setup-docker", REG], io.StringIO(), out, err, integrations=[command])
    assert (code, out.getvalue()) == (0, f"{REG}: served by profile 'default'\n")
    assert json.loads((tmp_path / "d" / "config.json").read_text()) == {"credHelpers": {REG: "amplify"}}
    assert err.getvalue() == (f"{WARNING}docker-credential-amplify is not on PATH, so no client can "
                              "run it: add the folder it is installed in to PATH\n")  # fmt: skip


def test_setup_docker_is_a_command_of_the_cli_with_the_common_options(logged_in, run_cli, docker_dir) -> None:
    listed = run_cli("--help")
    assert listed.code == 0
    assert f" setup-docker {SETUP_DOCKER.help} setup-git " in " ".join(listed.out.split())
    assert SETUP_DOCKER.settings_key == assignments.KEY == "docker"
    result = run_cli("setup-docker", "-p", "default", "--verbose", REG)
    assert (result.code, result.out) == (0, f"{REG}: served by profile 'default'\n")


# -- login --registry --------------------------------------------------------------------------


def login(run_cli, endpoint, *extra: str, profile: str = "default") -> CliResult:
    argv = login_argv(endpoint, "--profile", profile, *extra)
    if any(arg.startswith("--key-file") for arg in extra):
        argv.remove("--secret-stdin")
    return run_cli(*argv, stdin="test-secret\n")


def test_login_takes_registries_through_the_command(logged_in) -> None:
    parser = CommandParser(prog="amplify-credhelper login")
    parser.add_argument("--profile")
    parser.add_argument("--key-file")
    SETUP_DOCKER.add_login_options(parser)
    args = parser.parse_args(["--registry", f"https://{REG}/", "--registry", HELM])
    assert SETUP_DOCKER.login_settings(args, {"registries": ("old.example.com",), "x": 1}) == {
        "registries": [REG, HELM], "x": 1}  # fmt: skip
    assert SETUP_DOCKER.login_settings(parser.parse_args([]), {"registries": ()}) is None
    with pytest.raises(ConfigError, match="^not a registry name: 'a b'"):
        SETUP_DOCKER.login_settings(parser.parse_args(["--registry", "a b"]), {})


def test_login_registry_assigns_and_setup_docker_then_writes_them(logged_in, run_cli, docker_dir) -> None:
    result = login(run_cli, logged_in, "--registry", f"https://{REG}/v2/", "--registry", HELM)
    assert result.code == 0, result
    assert load_profile("default").settings["docker"] == {"registries": (REG, HELM)}
    assert not docker_dir.exists()  # login keeps the profile; Docker's file is setup-docker's
    result = run_cli("setup-docker")
    assert result.out == f"{REG}: served by profile 'default'\n{HELM}: served by profile 'default'\n"
    assert config_of(docker_dir) == {"credHelpers": {REG: "amplify", HELM: "amplify"}}
    again = login(run_cli, logged_in, "--registry", HELM)  # given again: the list is replaced
    assert again.code == 0, again
    assert registries_of(load_profile("default")) == (HELM,)
    assert login(run_cli, logged_in).code == 0  # not given: left as it is
    assert registries_of(load_profile("default")) == (HELM,)


def test_login_keeps_other_docker_settings_and_the_git_ones(logged_in, run_cli) -> None:
    config.update_settings("default", "docker", {"registries": [REG], "future": {"a": [1]}})
    result = login(run_cli, logged_in, "--registry", HELM, "--git-host", "git.example.com")
    assert result.code == 0, result
    settings = load_profile("default").settings
    assert settings["docker"] == {"registries": (HELM,), "future": {"a": (1,)}}
    assert settings["git"] == {"hosts": ("git.example.com",)}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--registry", "http://reg.example.com"], "refusing 'http://reg.example.com': a registry's secret only travels over https (plain http is allowed for 127.0.0.1, ::1 and localhost only)"),
        (["--registry", "a b"], "not a registry name: 'a b': expected a name like docker.repository.axway.com"),
        (["--key-file=key.pem", "--registry", REG], "--registry goes with a client secret: a registry takes a client id and secret, and a key profile has no secret to give"),
        (["--registry", HELM, "--registry", REG], f"{REG} is served by profile 'default': log in without --registry {REG}, then move it with `amplify-credhelper setup-docker --profile other {REG}`"),
    ],
)
def test_a_bad_login_registry_is_one_line_and_saves_nothing(two_profiles, run_cli, docker_dir, argv, message) -> None:
    assert run_cli("setup-docker", "--profile", "default", REG).code == 0
    before = Path(config.path()).read_bytes()
    requests = two_profiles.token_requests
    result = login(run_cli, two_profiles, *argv, profile="other")
    assert (result.code, result.out, result.err) == (1, "", f"{ERROR}{message}\n")
    assert Path(config.path()).read_bytes() == before
    assert two_profiles.token_requests == requests  # refused before any token request


@pytest.mark.parametrize(("content", "why"), [
    (b" " * (1 << 20) + b"{}", "is larger than 1 MiB"),
    (b"[" * 100000 + b"]" * 100000, "is nested too deeply to read"),
])  # fmt: skip
def test_a_config_json_too_large_or_deep_says_so(logged_in, run_cli, docker_dir, monkeypatch,
                                                 content, why) -> None:  # fmt: skip
    from docker_credential_amplify import dockerconfig

    monkeypatch.setattr(dockerconfig, "_MAX_SIZE", 1 << 20)  # 16 MiB in use: the same test
    docker_dir.mkdir()
    (docker_dir / "config.json").write_bytes(content)
    result = run_cli("setup-docker", REG)
    assert result.err == (f"amplify-credhelper: error: {docker_dir / 'config.json'} {why}: "
                          "fix it, then run this again\n")  # fmt: skip
    assert registries_of(load_profile("default")) == ()
