"""`doctor`: one line per check, exit 1 when something is wrong, never a secret or a token."""

from __future__ import annotations

import re

import keyring
import pytest
from support.fake_keyring import LockedKeyring
from support.token_endpoint import Fault

from credhelper import load_profile
from credhelper.profiles import _keyring, config
from credhelper.profiles._validate import make_profile
from credhelper.tokens import cache

NO_SECRET_NOTE = (
    "No problems found. Only a new token proves the secret itself: "
    "`amplify-credhelper token --refresh --profile P >/dev/null`.\n"
)


def lines(text: str) -> list[str]:
    return text.splitlines()


def test_a_healthy_profile_passes_every_check(run_cli, logged_in) -> None:
    result = run_cli("doctor")
    assert (result.code, result.err) == (0, ""), result
    url = logged_in.token_url
    backend = "support.fake_keyring.MemoryKeyring"
    assert lines(result.out)[:4] == [
        "profile 'default': client test-client",
        f"  ok   keyring: {backend} can be read",
        "  ok   secret: in the keyring",
        f"  ok   token URL: {url} answers (HTTP 401 to a request without credentials)",
    ]
    cached = lines(result.out)[4]
    assert re.fullmatch(
        r"  ok   cached token: valid for (29 min \d+ s|30 min 0 s), org 652605300303530", cached
    )
    assert result.out.endswith(NO_SECRET_NOTE)


def test_the_token_url_is_asked_without_any_credentials(run_cli, logged_in) -> None:
    run_cli("doctor")
    asked = logged_in.requests[-1]
    assert asked == {"form": {"grant_type": "client_credentials"}, "authorization": None}
    assert len(logged_in.issued) == 1  # the login's: doctor mints nothing


def test_nothing_secret_is_ever_shown(run_cli, logged_in) -> None:
    result = run_cli("doctor")
    assert "test-secret" not in result.out + result.err
    assert logged_in.issued[0] not in result.out + result.err


def test_a_missing_secret_fails_and_says_what_to_do(run_cli, logged_in, memory_keyring) -> None:
    memory_keyring.entries.clear()
    result = run_cli("doctor")
    assert result.code == 1
    assert (
        "  FAIL secret: none in the keyring for client test-client: "
        "run `amplify-credhelper login --profile default`"
    ) in lines(result.out)
    assert result.out.endswith("1 problem found: see the FAIL lines.\n")


def test_an_unusable_keyring_fails_with_the_ways_out(run_cli, logged_in) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        result = run_cli("doctor")
    finally:
        keyring.set_keyring(previous)
    assert result.code == 1
    out = lines(result.out)
    assert out[1].startswith("  FAIL keyring: cannot read the secret from the keyring (")
    assert out[1].endswith(_keyring.WAYS_OUT)
    assert out[2] == "  --   secret: not checked: the keyring is unusable"


def test_a_login_service_that_is_down_fails(run_cli, logged_in) -> None:
    logged_in.faults.extend([Fault(503), Fault(503), Fault(503)])
    result = run_cli("doctor")
    assert result.code == 1
    [line] = [x for x in lines(result.out) if "token URL" in x]
    assert line.startswith(f"  FAIL token URL: no token from the login service at {logged_in.token_url}")
    assert line.endswith("HTTP 503; check the network and the URL, or try again later")


def test_a_url_that_is_no_token_endpoint_fails(run_cli, logged_in) -> None:
    logged_in.faults.append(Fault(404))
    result = run_cli("doctor")
    assert result.code == 1
    assert (
        f"  FAIL token URL: {logged_in.token_url} answered HTTP 404, where a token endpoint "
        "answers 400 or 401: check the URL (log in again with --base-url, --realm or --token-url)"
    ) in lines(result.out)


def test_an_unreachable_login_service_fails(run_cli, memory_keyring) -> None:
    from support.token_endpoint import TokenEndpoint

    with TokenEndpoint() as gone:
        login = ["login", "--client-id", "test-client", "--base-url", gone.base_url]
        assert run_cli(*login, "--secret-stdin", stdin="test-secret").code == 0
    result = run_cli("doctor")
    assert result.code == 1
    assert "  FAIL token URL: no token from the login service at " in result.out
    assert "cannot connect" in result.out


def test_no_cached_token_is_a_note_not_a_failure(run_cli, logged_in) -> None:
    run_cli("logout")
    assert run_cli(*["login", "--base-url", logged_in.base_url, "--client-id", "test-client",
                     "--secret-stdin"], stdin="test-secret").code == 0  # fmt: skip
    cache.delete(load_profile("default"))
    result = run_cli("doctor")
    assert result.code == 0, result
    assert "  --   cached token: none: the next command mints one" in lines(result.out)


def test_the_environment_profile_needs_no_keyring(run_cli, endpoint, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("AMPLIFY_BASE_URL", endpoint.base_url)
    result = run_cli("doctor")
    assert result.code == 0, result
    assert lines(result.out)[:2] == [
        "profile '(environment)': client test-client",
        "  ok   secret: from AMPLIFY_CLIENT_SECRET (no keyring needed)",
    ]


def test_every_profile_is_checked_and_each_failure_counted(run_cli, logged_in, memory_keyring) -> None:
    login = ["login", "--profile", "ci", "--base-url", logged_in.base_url, "--client-id", "other"]
    logged_in.clients["other"] = "other-secret"
    assert run_cli(*login, "--secret-stdin", stdin="other-secret").code == 0
    memory_keyring.entries.clear()
    result = run_cli("doctor")
    assert result.code == 1
    assert [x for x in lines(result.out) if x.startswith("profile")] == [
        "profile 'ci': client other",
        "profile 'default': client test-client",
    ]
    assert result.out.endswith("2 problems found: see the FAIL lines.\n")
    only = run_cli("doctor", "--profile", "ci")
    assert only.out.startswith("profile 'ci': client other\n")
    assert "'default'" not in only.out


def test_no_profiles_says_how_to_add_one(run_cli, memory_keyring) -> None:
    result = run_cli("doctor")
    assert (result.code, result.out, result.err) == (
        1,
        "",
        "amplify-credhelper: error: no profiles: run `amplify-credhelper login --client-id ID` "
        "to add one\n",
    )


@pytest.mark.parametrize("mode", [0o644, None], ids=["readable-by-others", "missing"])
def test_a_kept_key_file_is_checked(run_cli, home, mode) -> None:
    key = home / "key.pem"
    if mode is not None:
        key.write_text("-----BEGIN PRIVATE KEY-----\n")
        key.chmod(mode)
    stored = make_profile(name="k", client_id="c", auth_method="key", key_file=str(key),
                                   token_url="http://127.0.0.1:9/token")  # fmt: skip
    config.save_all({"k": stored})
    result = run_cli("doctor", "--profile", "k")
    assert result.code == 1
    check = lines(result.out)[1]
    if mode is None:
        assert check == f"  FAIL private key: cannot read the key file {key}: No such file or directory"
    else:
        assert check == (
            f"  FAIL private key: refusing the key file {key}: it must be yours and readable by "
            f"you alone (chmod 600 {key}), or log in without --keep-key-file"
        )


def test_a_stored_profile_that_cannot_be_read_is_a_failure_among_the_others(run_cli, logged_in) -> None:
    with open(config.path()) as file:
        text = file.read()
    with open(config.path(), "w") as file:
        file.write(text.replace('"profiles": {', '"profiles": {"bad": {"client_id": 7}, ', 1))
    result = run_cli("doctor")
    assert result.code == 1
    assert lines(result.out)[:2] == [
        "profile 'bad': cannot be used",
        f"  FAIL config: bad client id 7: expected one line of text: fix or remove it in {config.path()}",
    ]
    assert lines(result.out)[2] == "profile 'default': client test-client"
    assert result.out.endswith("1 problem found: see the FAIL lines.\n")


def test_a_bad_environment_profile_fails_and_the_stored_ones_are_still_checked(
    run_cli, logged_in, monkeypatch
) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("AMPLIFY_AUTH_METHOD", "key")
    result = run_cli("doctor")
    assert result.code == 1
    assert lines(result.out)[:3] == [
        "the AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET profile",
        "  FAIL config: AMPLIFY_AUTH_METHOD=key: AMPLIFY_CLIENT_SECRET holds a secret, not a key; "
        "log in with `amplify-credhelper login --key-file PATH` instead",
        "profile 'default': client test-client",
    ]
