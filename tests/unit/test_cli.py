"""The command line in-process: exact output, exit codes, and nothing secret where it should not be."""

from __future__ import annotations

import json

import pytest
from conftest import login_argv

from credhelper.profiles import config

ORG = "652605300303530"


def test_login_then_token_costs_one_request(run_cli, logged_in) -> None:
    result = run_cli("token")
    assert result.code == 0 and result.err == ""
    assert result.out == logged_in.issued[0] + "\n"
    assert logged_in.token_requests == 1


def test_login_says_what_it_did_and_never_the_secret(run_cli, endpoint, memory_keyring) -> None:
    result = run_cli(*login_argv(endpoint, "--profile", "ci"), stdin="test-secret\r\n")
    assert result.code == 0, result
    assert result.out.startswith(
        f"Logged in: profile 'ci', client test-client, org {ORG}; token valid for 29 min"
    )
    assert "test-secret" not in result.out + result.err
    assert list(memory_keyring.entries.values()) == ["test-secret"]


def test_client_secret_on_the_command_line_warns(run_cli, endpoint, memory_keyring) -> None:
    result = run_cli(
        "login",
        "--client-id",
        "test-client",
        "--base-url",
        endpoint.base_url,
        "--client-secret",
        "test-secret",
    )
    assert result.code == 0
    assert result.err == (
        "amplify-credhelper: warning: --client-secret is visible to other users of this machine "
        "(ps, shell history): prefer --secret-stdin or the prompt\n"
    )


def test_login_takes_the_secret_from_the_environment(
    run_cli, endpoint, memory_keyring, monkeypatch
) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    assert run_cli("login", "--client-id", "test-client", "--base-url", endpoint.base_url).code == 0


def test_login_without_a_secret_source_is_a_usage_error(run_cli, endpoint, memory_keyring) -> None:
    result = run_cli("login", "--client-id", "x", "--base-url", endpoint.base_url)
    assert (result.code, result.err) == (
        1,
        "amplify-credhelper: error: no client secret: pipe it with --secret-stdin, or set AMPLIFY_CLIENT_SECRET\n",
    )
    assert endpoint.token_requests == 0


def test_a_refused_login_exits_2_and_saves_nothing(run_cli, endpoint, memory_keyring) -> None:
    result = run_cli(*login_argv(endpoint), stdin="wrong")
    assert result.code == 2
    assert result.err.startswith(
        "amplify-credhelper: error: the login service refused the client credentials (HTTP 401"
    )
    assert result.err.count("\n") == 1
    assert config.load_all() == {} and memory_keyring.entries == {}


def test_relogin_keeps_the_stored_settings(run_cli, logged_in) -> None:
    result = run_cli(
        "login", "--git-host", "git.example.com", "--secret-stdin", stdin="test-secret"
    )
    assert result.code == 0, result
    stored = config.load_all()["default"]
    assert (stored.client_id, stored.base_url, stored.settings) == (
        "test-client",
        logged_in.base_url,
        {"git": {"hosts": ("git.example.com",)}},
    )


def test_header_and_env_lines(run_cli, logged_in) -> None:
    token = logged_in.issued[0]
    assert run_cli("header").out == f"Authorization: Bearer {token}\nX-Axway-Tenant-Id: {ORG}\n"
    assert run_cli("env").out == (
        f"export AMPLIFY_TOKEN='{token}'\nexport AMPLIFY_TENANT_ID='{ORG}'\nunset AMPLIFY_CENTRAL_URL\n"
    )


def test_env_unsets_the_tenant_when_the_org_is_unknown(run_cli, logged_in) -> None:
    logged_in.org_id = None
    run_cli("token", "--refresh")
    assert (
        run_cli("env").out
        == f"export AMPLIFY_TOKEN='{logged_in.issued[1]}'\nunset AMPLIFY_TENANT_ID\n"
        "unset AMPLIFY_CENTRAL_URL\n"
    )
    assert run_cli("header").out == f"Authorization: Bearer {logged_in.issued[1]}\n"


def test_token_json_has_the_official_cli_shape(run_cli, logged_in) -> None:
    shape = json.loads(run_cli("token", "--json").out)
    assert shape["auth"]["tokens"]["access_token"] == logged_in.issued[0]
    assert shape["org"] == {"id": int(ORG), "org_id": int(ORG)}
    assert shape["auth"]["clientId"] == "test-client"
    assert (shape["auth"]["baseUrl"], shape["auth"]["realm"], shape["auth"]["env"]) == (
        logged_in.base_url,
        "Broker",
        "prod",
    )
    assert (
        1790 * 1000
        < shape["auth"]["expires"]["access"] - int(__import__("time").time() * 1000)
        <= 1800 * 1000
    )


def test_login_json(run_cli, endpoint, memory_keyring) -> None:
    result = run_cli(*login_argv(endpoint, "--json"), stdin="test-secret")
    assert json.loads(result.out)["auth"]["tokens"]["access_token"] == endpoint.issued[0]


def test_token_refresh(run_cli, logged_in) -> None:
    assert run_cli("token", "--refresh").out == logged_in.issued[1] + "\n"


def test_status_lists_profiles_without_secrets_or_tokens(run_cli, logged_in) -> None:
    result = run_cli("status")
    assert result.code == 0
    assert result.out.startswith(
        f"default: client test-client, {logged_in.token_url} (basic), token valid for 29 min"
    )
    assert result.out.endswith(f", org {ORG}\n")
    rows = json.loads(run_cli("status", "--json").out)
    assert [(r["profile"], r["token"]["valid"], r["token"]["orgId"]) for r in rows] == [
        ("default", True, int(ORG))
    ]
    everything = result.out + json.dumps(rows)
    assert logged_in.issued[0] not in everything and "test-secret" not in everything


def test_status_with_nothing_stored(run_cli) -> None:
    assert (
        run_cli("status").out
        == "No profiles: run `amplify-credhelper login --client-id ID` to add one.\n"
    )


def test_logout_removes_secret_token_and_profile(run_cli, logged_in, memory_keyring) -> None:
    result = run_cli("logout")
    assert (result.code, result.out) == (
        0,
        "Logged out: profile 'default' removed with its secret and cached token; token revoked.\n",
    )
    assert logged_in.revoked == [logged_in.issued[0]]
    assert memory_keyring.entries == {} and config.load_all() == {}
    assert run_cli("token").code == 1


def test_logout_all(run_cli, logged_in) -> None:
    run_cli(*login_argv(logged_in, "--profile", "second"), stdin="test-secret")
    assert run_cli("logout", "--all").out.count("Logged out") == 2
    assert config.load_all() == {}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["token", "--profile", "nope"], "no profile 'nope': run"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["token", "--bogus"], "unrecognized arguments: --bogus"),
        (["login", "--secret-stdin"], "login needs --client-id (or AMPLIFY_CLIENT_ID)"),
        (
            ["login", "--client-id", "c", "--base-url", "http://example.com", "--secret-stdin"],
            "secrets only travel over https",
        ),
        (["login", "--profile", "a/b", "--client-id", "c"], "bad profile name 'a/b'"),
        (["logout", "--all", "--profile", "x"], "logout takes --profile or --all, not both"),
    ],
)
def test_usage_errors_exit_1_with_one_line(run_cli, argv: list[str], message: str) -> None:
    result = run_cli(*argv, stdin="s")
    assert result.code == 1
    assert result.err.startswith("amplify-credhelper: error: ") and message in result.err
    assert result.err.count("\n") == 1 and result.out == ""


def test_help_lists_commands_and_exit_codes(run_cli) -> None:
    result = run_cli("--help")
    assert result.code == 0
    for word in (
        "login",
        "token",
        "header",
        "env",
        "status",
        "logout",
        "exit codes:",
        "3  the login service is unreachable",
        "4  no usable keyring",
    ):
        assert word in result.out


def test_an_unexpected_failure_is_one_line_without_traceback(
    run_cli, logged_in, monkeypatch
) -> None:
    monkeypatch.setattr("credhelper.tokens._core.get_token", lambda *a, **k: 1 / 0)
    result = run_cli("token")
    assert (result.code, result.err) == (
        1,
        "amplify-credhelper: internal error: ZeroDivisionError (run with --verbose for details)\n",
    )
    assert "Traceback" in run_cli("token", "--verbose").err


def test_verbose_tells_the_story_without_secrets(run_cli, logged_in) -> None:
    from credhelper.tokens import cache

    cache.delete(config.load_all()["default"])
    err = run_cli("token", "--verbose").err
    assert "cache miss for profile default" in err
    assert f"POST {logged_in.token_url}: HTTP 200" in err
    assert "cache hit for profile default" in run_cli("token", "-v").err
    assert "test-secret" not in err and logged_in.issued[1] not in err


def test_status_of_one_profile_and_the_ci_profile_first(run_cli, logged_in, monkeypatch) -> None:
    from credhelper import update_settings
    from credhelper.tokens import cache

    update_settings("default", "demo", {"level": 3, "names": ["a", "b"], "on": True})
    cache.delete(config.load_all()["default"])
    one = run_cli("status", "--profile", "default")
    assert (one.code, one.out) == (0, (
        f"default: client test-client, {logged_in.token_url} (basic), no cached token, "
        "demo level 3, demo names a b, demo on true\n"))  # fmt: skip
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "ci-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "ci-secret")
    rows = json.loads(run_cli("status", "--json").out)
    assert [(r["profile"], r["clientId"], r["settings"]) for r in rows] == [
        ("(environment)", "ci-client", {}),
        ("default", "test-client", {"demo": {"level": 3, "names": ["a", "b"], "on": True}}),
    ]


def test_logout_of_the_ci_profile_revokes_and_forgets_its_cached_token(
    run_cli, endpoint, monkeypatch
) -> None:
    from credhelper import load_profile
    from credhelper.tokens import cache

    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("AMPLIFY_BASE_URL", endpoint.base_url)
    assert run_cli("token").code == 0
    result = run_cli("logout")
    assert (result.code, result.out) == (0, (
        "Logged out: the AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET profile's cached token removed "
        "(the variables stay set); token revoked.\n"))  # fmt: skip
    assert endpoint.revoked == endpoint.issued and cache.read(load_profile()) is None
    again = run_cli("logout")  # nothing cached: nothing to revoke, nothing said of it
    assert again.out.endswith("(the variables stay set).\n") and len(endpoint.revoked) == 1


def test_no_command_prints_the_help_and_exits_1(run_cli) -> None:
    result = run_cli()
    assert result.code == 1 and result.out.startswith("usage: amplify-credhelper [-h] [--version] COMMAND ...")
