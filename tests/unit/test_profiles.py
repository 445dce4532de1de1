from __future__ import annotations

import json
import os
import re
import stat

import pytest

from credhelper import ConfigError, profiles
from credhelper.profiles import make_profile


def test_environment_aliases_resolve_to_the_official_login_services() -> None:
    assert make_profile(name="a", client_id="c", env="production").token_endpoint == (
        "https://login.axway.com/auth/realms/Broker/protocol/openid-connect/token"
    )
    staging = make_profile(name="a", client_id="c", env="dev")
    assert staging.env == "staging"
    assert staging.issuer == "https://login.axwaytest.net/auth/realms/Broker"
    assert make_profile(name="a", client_id="c", env="preprod").platform_base_url == (
        "https://platform.na-us.axwaypreprod.net"
    )


def test_overrides_shape_the_token_url() -> None:
    profile = make_profile(name="a", client_id="c", base_url="https://sso.example.com/", realm="R")
    assert (
        profile.token_endpoint
        == "https://sso.example.com/auth/realms/R/protocol/openid-connect/token"
    )
    verbatim = make_profile(name="a", client_id="c", token_url="https://t.example.com/token")
    assert verbatim.token_endpoint == "https://t.example.com/token"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9", "https://x.example"]
)
def test_https_or_loopback_urls_are_accepted(url: str) -> None:
    assert make_profile(name="a", client_id="c", base_url=url).base_url == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://login.example.com", "secrets only travel over https"),
        ("http://127.0.0.1.example.com", "secrets only travel over https"),
        ("ftp://login.example.com", "expected an https:// URL"),
        ("login.example.com", "expected an https:// URL"),
        ("https://user:pw@login.example.com", "no user, password or #fragment"),
        ("https://[::1", "expected an https:// URL"),
    ],
)
def test_unsafe_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_profile(name="a", client_id="c", token_url=url)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"env": "moon"}, "unknown environment 'moon'"),
        ({"auth_method": "jwt"}, "unknown auth method 'jwt'"),
        ({"refresh_margin": -1}, "bad refresh margin"),
        ({"timeout": 0}, "bad timeout"),
        ({"client_id": "a:b"}, "bad client id"),
        ({"client_id": 5}, "bad client id 5: expected one line of text"),
        ({"env": None}, "bad env None: expected one line of text"),
        ({"base_url": ["x"]}, "bad base url ['x']: expected one line of text"),
        ({"username": "bob\nurl=x"}, "bad username 'bob\\nurl=x': expected one line of text"),
        ({"git_hosts": "git.example.com"}, "bad git hosts 'git.example.com': expected host names"),
        ({"git_hosts": ["a b"]}, "bad git hosts ['a b']: expected host names"),
    ],
)
def test_bad_settings_are_refused(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        make_profile(**{"name": "a", "client_id": "c", **fields})


@pytest.mark.parametrize("name", ["", "-x", "a/b", "@environment", "x" * 65, "a b"])
def test_bad_profile_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="bad profile name"):
        profiles.check_name(name)


def test_config_round_trip_is_private_readable_and_minimal() -> None:
    ci = make_profile(name="ci", client_id="DOSA_1", env="staging", git_hosts=("git.example.com",))
    profiles.save_all({"ci": ci, "default": make_profile(name="default", client_id="DOSA_2")})
    assert profiles.load_all() == {
        "ci": ci,
        "default": make_profile(name="default", client_id="DOSA_2"),
    }
    path = profiles.config_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    with open(path) as handle:
        assert json.load(handle) == {
            "profiles": {
                "ci": {"client_id": "DOSA_1", "env": "staging", "git_hosts": ["git.example.com"]},
                "default": {"client_id": "DOSA_2"},
            }
        }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "is not valid JSON"),
        ("[]", "has no 'profiles' object"),
        (
            '{"profiles": {"x": {"client_id": "c", "env": "moon"}}}',
            "profile 'x' in .*unknown environment",
        ),
        ('{"profiles": {"x y": {"client_id": "c"}}}', "bad profile name"),
    ],
)
def test_a_broken_config_file_is_named_in_the_error(content: str, message: str) -> None:
    os.makedirs(os.path.dirname(profiles.config_path()))
    with open(profiles.config_path(), "w") as handle:
        handle.write(content)
    with pytest.raises(ConfigError, match=message):
        profiles.load_all()


def test_the_config_file_cannot_claim_the_environment_profile() -> None:
    os.makedirs(os.path.dirname(profiles.config_path()))
    with open(profiles.config_path(), "w") as handle:
        json.dump({"profiles": {"x": {"client_id": "c", "from_environment": True}}}, handle)
    assert profiles.load_all()["x"].from_environment is False


def test_unknown_keys_in_the_config_file_are_ignored() -> None:
    os.makedirs(os.path.dirname(profiles.config_path()))
    with open(profiles.config_path(), "w") as handle:
        json.dump({"profiles": {"x": {"client_id": "c", "future": 1}}}, handle)
    assert profiles.load_all()["x"].client_id == "c"


class TestSelect:
    @pytest.fixture(autouse=True)
    def stored(self) -> None:
        profiles.save_all(
            {
                "default": make_profile(name="default", client_id="D"),
                "ci": make_profile(name="ci", client_id="C"),
            }
        )

    def test_default_when_nothing_is_said(self) -> None:
        assert profiles.select(environ={}).client_id == "D"

    def test_amplify_profile_variable(self) -> None:
        assert profiles.select(environ={"AMPLIFY_PROFILE": "ci"}).client_id == "C"

    def test_environment_credentials_define_the_profile(self) -> None:
        env = {
            "AMPLIFY_PROFILE": "ci",
            "AMPLIFY_CLIENT_ID": "E",
            "AMPLIFY_CLIENT_SECRET": "s",
            "AMPLIFY_ENV": "staging",
        }
        chosen = profiles.select(environ=env)
        assert (chosen.client_id, chosen.env, chosen.from_environment) == ("E", "staging", True)

    def test_an_explicit_name_wins_over_everything(self) -> None:
        env = {"AMPLIFY_PROFILE": "default", "AMPLIFY_CLIENT_ID": "E", "AMPLIFY_CLIENT_SECRET": "s"}
        assert profiles.select("ci", environ=env).client_id == "C"

    def test_environment_git_hosts(self) -> None:
        env = {"AMPLIFY_CLIENT_ID": "E", "AMPLIFY_CLIENT_SECRET": "s",
               "AMPLIFY_GIT_HOSTS": "git.example.com, *.corp.example"}
        assert profiles.select(environ=env).git_hosts == ("git.example.com", "*.corp.example")

    def test_a_client_id_without_a_secret_is_not_a_profile(self) -> None:
        assert profiles.select(environ={"AMPLIFY_CLIENT_ID": "E"}).client_id == "D"

    def test_unknown_profile_says_how_to_create_it(self) -> None:
        with pytest.raises(ConfigError) as caught:
            profiles.select("nope", environ={})
        assert str(caught.value) == (
            "no profile 'nope': run `amplify-credhelper login --profile nope --client-id ID` "
            "first (or set AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET)"
        )
