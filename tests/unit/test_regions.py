"""Regions: the table, its composition with environments, and what login, status, token, env,
CI variables and completion make of it."""

from __future__ import annotations

import json

import pytest
from conftest import login_argv

from credhelper import ConfigError, _files
from credhelper.cli import _exec
from credhelper.profiles import config
from credhelper.profiles._regions import SITES, canonical_region
from credhelper.profiles._validate import make_profile

# Each region's URLs in prod, as Axway's agent SDK lists them (FACTS.md section 8).
PROD = {
    "US": ("https://login.axway.com", "https://platform.axway.com", "https://apicentral.axway.com"),
    "EU": ("https://login.axway.com", "https://platform.axway.com",
           "https://central.eu-fr.axway.com"),
    "AP": ("https://login.axway.com", "https://platform.axway.com",
           "https://central.ap-sg.axway.com"),
    "EU2": ("https://login.eu-fr.axway.com", "https://platform.eu-fr.axway.com",
            "https://engage.eu-fr.axway.com"),
}  # fmt: skip
TOKEN_PATH = "/auth/realms/Broker/protocol/openid-connect/token"


def write_config(profiles: dict) -> None:
    """config.json as a hand (or an older version) wrote it."""
    _files.write_private(config.path(), json.dumps({"profiles": profiles}).encode())


def save(**fields: object) -> None:
    config.save_all({"p": make_profile(name="p", client_id="c", **fields)})


def status(run_cli) -> dict:
    result = run_cli("status", "--profile", "p", "--json")
    assert result.code == 0, result
    (row,) = json.loads(result.out)
    return row


@pytest.mark.parametrize(("typed", "region"), [("us", "US"), ("Eu", "EU"), ("AP", "AP"),
                                               ("apac", "AP"), ("APAC", "AP"), ("eu2", "EU2")])  # fmt: skip
def test_region_names_are_read_in_any_case_with_apac_for_ap(typed: str, region: str) -> None:
    assert canonical_region(typed) == region


@pytest.mark.parametrize("typed", ["", "EU3", "europe", "U S", "eu-fr"])
def test_an_unknown_region_lists_the_regions(typed: str) -> None:
    with pytest.raises(ConfigError) as caught:
        canonical_region(typed)
    assert str(caught.value) == f"unknown region {typed!r}: choose one of US, EU, AP, EU2, APAC"


@pytest.mark.parametrize("region", PROD)
def test_status_json_names_each_prod_regions_urls(run_cli, region: str) -> None:
    save(region=region)
    login, platform, central = PROD[region]
    row = status(run_cli)
    assert (row["region"], row["baseUrl"], row["platformUrl"], row["centralUrl"]) == (
        region,
        login,
        platform,
        central,
    )
    assert row["tokenUrl"] == login + TOKEN_PATH


@pytest.mark.parametrize(
    ("env", "region", "login", "central"),
    [
        ("preprod", "EU", "https://login.na-us.axwaypreprod.net",
         "https://engage.eu-fr.axwaypreprod.net"),
        ("preprod", "US", "https://login.na-us.axwaypreprod.net",
         "https://engage.na-us.axwaypreprod.net"),
        ("staging", "US", "https://login.axwaytest.net", None),  # no Central host known there
        ("test", "us", "https://login.axwaytest.net", None),  # aliases compose too
    ],
)  # fmt: skip
def test_region_and_environment_compose(run_cli, env, region, login, central) -> None:
    save(env=env, region=region)
    row = status(run_cli)
    assert (row["baseUrl"], row["centralUrl"]) == (login, central)


@pytest.mark.parametrize(
    ("env", "region", "refused"),
    [("staging", "EU", "EU region in environment 'staging': it has US"),
     ("staging", "EU2", "EU2 region in environment 'staging': it has US"),
     ("preprod", "AP", "AP region in environment 'preprod': it has US, EU"),
     ("preprod", "eu2", "EU2 region in environment 'preprod': it has US, EU"),
     ("dev", "APAC", "AP region in environment 'staging': it has US")],
)  # fmt: skip
def test_a_combination_with_no_known_host_is_refused_with_what_exists(env, region, refused) -> None:
    with pytest.raises(ConfigError) as caught:
        make_profile(name="p", client_id="c", env=env, region=region)
    assert str(caught.value) == (
        f"no known {refused}; for another, give its URLs (base URL, platform URL) and no region"
    )


def test_every_environment_has_its_default_region() -> None:
    assert {env for env, region in SITES if region == "US"} == {"prod", "staging", "preprod"}


def test_a_profile_without_a_region_is_us_or_unknown_with_its_own_login_url(run_cli) -> None:
    save()
    assert (status(run_cli)["region"], status(run_cli)["centralUrl"]) == (
        "US",
        "https://apicentral.axway.com",
    )
    for own in ({"base_url": "https://sso.example.com"}, {"token_url": "https://t.example/tok"}):
        save(**own)
        assert (status(run_cli)["region"], status(run_cli)["centralUrl"]) == ("unknown", None)


def test_explicit_urls_override_the_regions(run_cli) -> None:
    save(region="EU2", base_url="https://sso.example.com", platform_url="https://p.example.com")
    row = status(run_cli)
    assert (row["region"], row["baseUrl"], row["platformUrl"], row["centralUrl"]) == (
        "EU2",
        "https://sso.example.com",
        "https://p.example.com",
        "https://engage.eu-fr.axway.com",
    )


def test_an_older_config_file_without_regions_loads(run_cli) -> None:
    write_config(
        {
            "p": {"client_id": "c"},
            "q": {"client_id": "d", "env": "staging"},
            "own": {"client_id": "e", "base_url": "https://sso.example"},
        }
    )  # as 0.2.0 did
    profiles = config.load_all()
    assert [(p.region, p.region_name, p.login_base_url) for p in profiles.values()] == [
        (None, "US", "https://login.axway.com"),
        (None, "US", "https://login.axwaytest.net"),
        (None, "unknown", "https://sso.example"),
    ]


def test_the_region_is_stored_canonical_and_only_when_given(run_cli) -> None:
    config.save_all({"a": make_profile(name="a", client_id="c", region="apac"),
                     "b": make_profile(name="b", client_id="c")})  # fmt: skip
    with open(config.path()) as stored:
        entries = json.load(stored)["profiles"]
    assert (entries["a"].get("region"), "region" in entries["b"]) == ("AP", False)


def test_a_hand_edited_bad_region_breaks_that_profile_alone(run_cli) -> None:
    write_config(
        {
            "ok": {"client_id": "c", "region": "eu"},
            "bad": {"client_id": "c", "region": "moon"},
            "nested": {"client_id": "c", "region": ["EU"]},
        }
    )
    stored = config.read()
    assert stored.profiles["ok"].region == "EU"
    assert stored.broken["bad"] == "unknown region 'moon': choose one of US, EU, AP, EU2, APAC"
    assert stored.broken["nested"] == "bad region ['EU']: expected one line of text"


# -- the command line ---------------------------------------------------------------------------


def test_login_region_is_saved_and_named_by_token_json(run_cli, endpoint, memory_keyring) -> None:
    result = run_cli(*login_argv(endpoint, "--region", "apac", "--json"), stdin="test-secret\n")
    assert result.code == 0, result
    assert config.load_all()["default"].region == "AP"
    for shown in (json.loads(result.out), json.loads(run_cli("token", "--json").out)):
        assert (shown["auth"]["region"], shown["auth"]["centralUrl"]) == (
            "AP",
            "https://central.ap-sg.axway.com",
        )


def test_login_refuses_an_unknown_combination_before_any_request(
    run_cli, endpoint, memory_keyring
) -> None:
    argv = login_argv(endpoint, "--env", "staging", "--region", "EU2")
    result = run_cli(*argv, stdin="test-secret\n")
    assert result.code == 1
    assert result.err.startswith(
        "amplify-credhelper: error: no known EU2 region in environment 'staging': it has US;"
    )
    assert (endpoint.token_requests, config.load_all()) == (0, {})


def test_login_refuses_an_unknown_region_with_the_choices(run_cli, endpoint) -> None:
    result = run_cli(*login_argv(endpoint, "--region", "mars"), stdin="test-secret\n")
    assert result.code == 1
    assert "argument --region: invalid choice: 'MARS' (choose from " in result.err
    assert all(f"'{region}'" in result.err for region in ("US", "EU", "AP", "EU2"))
    assert endpoint.token_requests == 0


def test_env_exports_the_central_url(run_cli, endpoint, memory_keyring) -> None:
    assert run_cli(*login_argv(endpoint, "--region", "EU2"), stdin="test-secret\n").code == 0
    lines = run_cli("env").out.splitlines()
    assert lines[1:] == [
        "export AMPLIFY_TENANT_ID='652605300303530'",
        "export AMPLIFY_CENTRAL_URL='https://engage.eu-fr.axway.com'",
    ]


@pytest.mark.parametrize(("value", "central"), [("eu", "https://central.eu-fr.axway.com"),
                                                ("", "https://apicentral.axway.com")])  # fmt: skip
def test_amplify_region_sets_the_ci_profiles_region(run_cli, monkeypatch, value, central) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "ci")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "s")
    monkeypatch.setenv("AMPLIFY_REGION", value)
    (row,) = json.loads(run_cli("status", "--json").out)
    assert row["centralUrl"] == central


def test_a_bad_amplify_region_is_a_one_line_error(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "ci")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "s")
    monkeypatch.setenv("AMPLIFY_REGION", "EU2")
    monkeypatch.setenv("AMPLIFY_ENV", "staging")
    result = run_cli("token")
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith(
        "amplify-credhelper: error: no known EU2 region in environment 'staging': it has US;"
    )
    assert result.err.count("\n") == 1


def test_completion_offers_the_regions(run_cli) -> None:
    script = run_cli("completion", "bash").out
    assert "US EU AP EU2" in script or "'US' 'EU' 'AP' 'EU2'" in script


@pytest.mark.parametrize(
    ("region", "central"),
    [("EU2", "https://engage.eu-fr.axway.com"), (None, None)],  # None: own base URL, unknown
)
def test_exec_gives_cmd_the_central_url_or_none(
    run_cli, endpoint, memory_keyring, monkeypatch, region, central
) -> None:
    extra = ("--region", region) if region else ()
    assert run_cli(*login_argv(endpoint, *extra), stdin="test-secret\n").code == 0
    monkeypatch.setenv("AMPLIFY_CENTRAL_URL", "https://another-region.example")  # inherited
    calls = []
    monkeypatch.setattr(_exec.EXEC, "_execute", lambda argv, env: calls.append(env) or 0)
    assert run_cli("exec", "--", "true").code == 0
    assert calls[0].get("AMPLIFY_CENTRAL_URL") == central
