"""The profile value, its URLs and its checks, and the one rule that chooses the profile in use."""

from __future__ import annotations

import re

import pytest

from credhelper import ConfigError, is_loopback, load_profile
from credhelper.profiles._urls import origin
from credhelper.profiles._validate import check_name, make_profile


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
    "url",
    ["http://127.0.0.1:8080", "http://localhost", "http://LOCALHOST", "http://[::1]:9",
     "https://x.example"],
)  # fmt: skip
def test_https_or_loopback_urls_are_accepted(url: str) -> None:
    assert make_profile(name="a", client_id="c", base_url=url).base_url == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://login.example.com", "secrets only travel over https"),
        ("http://127.0.0.1.example.com", "secrets only travel over https"),
        ("http://[::2]:80", "plain http is allowed for 127.0.0.1, ::1 and localhost only"),
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
        ({"realm": "R\nx"}, "bad realm 'R\\nx': expected one line of text"),
        ({"refresh_margin": True}, "bad refresh margin True"),
        ({"refresh_margin": 300.0}, "bad refresh margin 300.0"),
        ({"refresh_margin": 86401}, "bad refresh margin 86401"),
        ({"timeout": float("nan")}, "bad timeout nan"),
        ({"timeout": float("inf")}, "bad timeout inf"),
        ({"timeout": 301}, "bad timeout 301"),
        ({"timeout": "10"}, "bad timeout '10'"),
        ({"key_file": "/k.pem"}, "a key file goes with auth method 'key' only"),
        ({"auth_method": "key", "key_file": "k.pem"}, "bad key file 'k.pem': expected an absolute path"),
    ],
)
def test_bad_settings_are_refused(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        make_profile(**{"name": "a", "client_id": "c", **fields})


@pytest.mark.parametrize("name", ["", "-x", "a/b", "@environment", "x" * 65, "a b"])
def test_bad_profile_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="bad profile name"):
        check_name(name)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True), ("127.0.0.1:8080", True), ("localhost", True), ("LocalHost:1", True),
        ("::1", True), ("[::1]", True), ("[::1]:9000", True),
        ("127.0.0.2", False), ("127.0.0.1.example.com", False), ("localhost.example.com", False),
        ("[::1", False), ("[::2]:1", False), ("::2", False), ("", False), ("example.com:127", False),
    ],
)  # fmt: skip
def test_is_loopback_is_the_one_rule_for_plain_http(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_profile_is_a_read_only_value() -> None:
    profile = make_profile(name="a", client_id="c", settings={"git": {"hosts": ["h"]}})
    with pytest.raises(AttributeError, match="immutable"):
        profile.client_id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        profile.settings["git"] = {}  # type: ignore[index]
    assert profile.settings["git"]["hosts"] == ("h",)  # arrays read as tuples: nothing to change
    assert profile == make_profile(name="a", client_id="c", settings={"git": {"hosts": ("h",)}})


class TestLoadProfile:
    """The one selection rule: the name; else the AMPLIFY_CLIENT_ID/_SECRET pair; else
    $AMPLIFY_PROFILE; else 'default'."""

    @pytest.fixture(autouse=True)
    def stored(self) -> None:
        from credhelper.profiles import config

        config.save_all(
            {
                "default": make_profile(name="default", client_id="D"),
                "ci": make_profile(name="ci", client_id="C"),
            }
        )

    @pytest.fixture
    def ci_variables(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AMPLIFY_CLIENT_ID", "E")
        monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "s")

    def test_default_when_nothing_is_said(self) -> None:
        assert load_profile().client_id == "D"

    def test_amplify_profile_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AMPLIFY_PROFILE", "ci")
        assert load_profile().client_id == "C"

    def test_environment_credentials_define_the_profile(self, ci_variables, monkeypatch) -> None:
        monkeypatch.setenv("AMPLIFY_PROFILE", "ci")
        monkeypatch.setenv("AMPLIFY_ENV", "staging")
        chosen = load_profile()
        assert (chosen.client_id, chosen.env, chosen.from_environment) == ("E", "staging", True)
        assert chosen.settings == {}  # integrations read their own variables for it

    def test_an_explicit_name_wins_over_everything(self, ci_variables, monkeypatch) -> None:
        monkeypatch.setenv("AMPLIFY_PROFILE", "default")
        assert load_profile("ci").client_id == "C"

    def test_a_profile_given_is_returned_as_it_is(self, ci_variables) -> None:
        given = make_profile(name="x", client_id="X")
        assert load_profile(given) is given

    def test_a_client_id_without_a_secret_is_not_a_profile(self, monkeypatch) -> None:
        monkeypatch.setenv("AMPLIFY_CLIENT_ID", "E")
        assert load_profile().client_id == "D"

    def test_unknown_profile_says_how_to_create_it(self) -> None:
        with pytest.raises(ConfigError) as caught:
            load_profile("nope")
        assert str(caught.value) == (
            "no profile 'nope': run `amplify-credhelper login --profile nope --client-id ID` "
            "first (or set AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET)"
        )

    def test_a_bad_name_is_refused_before_any_lookup(self, monkeypatch) -> None:
        monkeypatch.setenv("AMPLIFY_PROFILE", "a/b")
        with pytest.raises(ConfigError, match="bad profile name 'a/b'"):
            load_profile()

    def test_list_profiles_puts_the_environment_first(self, ci_variables) -> None:
        from credhelper import list_profiles

        assert [p.name for p in list_profiles()] == ["(environment)", "ci", "default"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Login.Axway.COM/auth", ("https", "login.axway.com", 443)),
        ("https://login.axway.com:443", ("https", "login.axway.com", 443)),
        ("https://login.axway.com:8443/x", ("https", "login.axway.com", 8443)),
        ("http://127.0.0.1/t", ("http", "127.0.0.1", 80)),
        ("http://[::1]:8080/t", ("http", "::1", 8080)),
    ],
)
def test_an_origin_is_scheme_host_and_port_with_the_default_filled_in(url, expected) -> None:
    # The one rule the redirect policy, the 401 judge and the revocation URL check all use.
    assert origin(url) == expected
