"""Each profile owns its secret: two profiles of one client and one token URL, in every pairing
of a client secret, a private key kept in the keyring and a kept key file; and the entries
0.1.0 shared between such profiles, migrated without losing anything or sending a wrong one."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from support.token_endpoint import TokenEndpoint

from credhelper.profiles import config

CLIENT = "test-client"
EC_KEY = ec.generate_private_key(ec.SECP256R1())
PEM = EC_KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
KINDS = ("secret", "key", "keyfile")  # keyfile: --key-file with --keep-key-file
PAIRS = [(first, second) for first in KINDS for second in KINDS]


@pytest.fixture
def endpoint() -> TokenEndpoint:
    """One service account that takes its secret or its key, as Amplify's may."""
    with TokenEndpoint(clients={CLIENT: ("test-secret", EC_KEY.public_key())}) as server:
        yield server


@pytest.fixture
def key_file(tmp_path: Path) -> str:
    path = tmp_path / "sa.pem"
    path.write_text(PEM)
    path.chmod(0o600)
    return str(path)


@pytest.fixture
def login(run_cli, endpoint, memory_keyring, key_file):
    def run(profile: str, kind: str) -> None:
        argv = ["login", "--profile", profile, "--client-id", CLIENT, "--base-url",
                endpoint.base_url]  # fmt: skip
        if kind == "secret":
            argv.append("--secret-stdin")
        else:
            argv += ["--key-file", key_file, *(["--keep-key-file"] if kind == "keyfile" else [])]
        result = run_cli(*argv, stdin="test-secret\n")
        assert result.code == 0, result

    return run


def _sent(request: dict) -> str:
    """What a token request proved itself with: 'secret', 'key', or what else it carried."""
    if request["form"].get("client_assertion"):
        return "key"
    authorization = request["authorization"] or ""
    pair = base64.b64decode(authorization.removeprefix("Basic ")).decode()
    secret = unquote_plus(pair.partition(":")[2])
    return "secret" if secret == "test-secret" else f"something else ({secret[:20]!r}...)"


@pytest.fixture
def refresh(run_cli, endpoint):
    """A new token for ``profile``, read from its own credential: what that request sent."""

    def run(profile: str) -> str:
        result = run_cli("token", "--refresh", "--profile", profile)
        assert result.code == 0, result
        return _sent(endpoint.requests[-1])

    return run


def _sends(kind: str) -> str:
    return "secret" if kind == "secret" else "key"


def _own(endpoint: TokenEndpoint, profile: str) -> tuple[str, str]:
    return "amplify-credhelper:" + endpoint.token_url, f"{CLIENT}:profile:{profile}"


def _legacy(endpoint: TokenEndpoint) -> tuple[str, str]:
    return "amplify-credhelper:" + endpoint.token_url, CLIENT


# -- two profiles of one client -------------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_each_profile_sends_its_own_credential(login, refresh, first, second) -> None:
    login("a", first)
    login("b", second)
    assert (refresh("a"), refresh("b")) == (_sends(first), _sends(second))


@pytest.mark.parametrize("gone", ["a", "b"])
@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_logging_out_either_leaves_the_other_working(
    run_cli, login, refresh, memory_keyring, first, second, gone
) -> None:
    login("a", first)
    login("b", second)
    kept, kind = ("b", second) if gone == "a" else ("a", first)
    assert run_cli("logout", "--profile", gone).code == 0
    assert refresh(kept) == _sends(kind)
    assert run_cli("logout", "--profile", kept).code == 0
    assert memory_keyring.entries == {} and config.load_all() == {}


@pytest.mark.parametrize("again", ["a", "b"])
@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_a_second_login_of_either_leaves_the_other_alone(
    login, refresh, first, second, again
) -> None:
    login("a", first)
    login("b", second)
    login(again, first if again == "a" else second)
    assert (refresh("a"), refresh("b")) == (_sends(first), _sends(second))


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_logout_all_removes_every_entry(run_cli, login, memory_keyring, first, second) -> None:
    login("a", first)
    login("b", second)
    result = run_cli("logout", "--all")
    assert result.code == 0 and result.out.count("Logged out") == 2
    assert memory_keyring.entries == {} and config.load_all() == {}


def test_a_new_client_id_retires_the_old_entry(run_cli, endpoint, memory_keyring) -> None:
    endpoint.clients["other-client"] = "other-secret"
    for client, secret in ((CLIENT, "test-secret"), ("other-client", "other-secret")):
        argv = ["login", "--profile", "a", "--client-id", client, "--base-url", endpoint.base_url]
        assert run_cli(*argv, "--secret-stdin", stdin=secret).code == 0
    service = "amplify-credhelper:" + endpoint.token_url
    assert memory_keyring.entries == {(service, "other-client:profile:a"): "other-secret"}


def test_a_hand_edited_token_url_never_gets_the_secret(
    run_cli, login, memory_keyring, endpoint
) -> None:
    login("a", "secret")
    with TokenEndpoint() as elsewhere:
        _write_config({"a": {"client_id": CLIENT, "base_url": elsewhere.base_url}})
        result = run_cli("token", "--refresh", "--profile", "a")
        assert elsewhere.token_requests == 0
    assert (result.code, result.err) == (
        1,
        "amplify-credhelper: error: no secret for profile 'a' in the keyring: run "
        "`amplify-credhelper login --profile a`\n",
    )


# -- the entries 0.1.0 wrote -----------------------------------------------------------------


def _write_config(stored: dict[str, dict]) -> None:
    """config.json as 0.1.0 wrote it."""
    path = config.path()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    Path(path).write_text(json.dumps({"profiles": stored}))
    os.chmod(path, 0o600)


def _old_profiles(endpoint: TokenEndpoint, **kinds: str) -> None:
    _write_config(
        {
            name: {"client_id": CLIENT, "base_url": endpoint.base_url,
                   **({"auth_method": "key"} if kind == "key" else {})}  # fmt: skip
            for name, kind in kinds.items()
        }
    )


def test_a_0_1_0_entry_moves_to_its_profile_on_first_use(
    run_cli, refresh, endpoint, memory_keyring
) -> None:
    _old_profiles(endpoint, a="secret")
    memory_keyring.entries[_legacy(endpoint)] = "test-secret"
    assert refresh("a") == "secret"
    assert memory_keyring.entries == {_own(endpoint, "a"): "test-secret"}
    assert refresh("a") == "secret"  # from its own entry now


def test_a_shared_0_1_0_entry_stays_until_no_profile_needs_it(
    refresh, endpoint, memory_keyring
) -> None:
    _old_profiles(endpoint, a="secret", b="secret")
    memory_keyring.entries[_legacy(endpoint)] = "test-secret"
    assert refresh("a") == "secret"
    assert set(memory_keyring.entries) == {_legacy(endpoint), _own(endpoint, "a")}
    assert refresh("b") == "secret"
    assert memory_keyring.entries == {
        _own(endpoint, "a"): "test-secret",
        _own(endpoint, "b"): "test-secret",
    }


def test_logging_out_a_0_1_0_profile_keeps_the_entry_another_needs(
    run_cli, refresh, endpoint, memory_keyring
) -> None:
    _old_profiles(endpoint, a="secret", b="secret")
    memory_keyring.entries[_legacy(endpoint)] = "test-secret"
    assert run_cli("logout", "--profile", "a").code == 0
    assert memory_keyring.entries == {_legacy(endpoint): "test-secret"}
    assert refresh("b") == "secret"
    assert run_cli("logout", "--profile", "b").code == 0
    assert memory_keyring.entries == {}


def test_a_second_login_drops_the_0_1_0_entry_once_unneeded(
    login, endpoint, memory_keyring
) -> None:
    _old_profiles(endpoint, a="secret")
    memory_keyring.entries[_legacy(endpoint)] = "test-secret"
    login("a", "secret")
    assert memory_keyring.entries == {_own(endpoint, "a"): "test-secret"}


def test_a_secret_profile_never_sends_the_key_a_0_1_0_login_wrote_over_its_secret(
    run_cli, refresh, login, endpoint, memory_keyring
) -> None:
    _old_profiles(endpoint, a="secret", k="key")
    memory_keyring.entries[_legacy(endpoint)] = PEM  # `login --profile k --key-file` in 0.1.0
    result = run_cli("token", "--refresh", "--profile", "a")
    assert (result.code, result.err) == (
        1,
        "amplify-credhelper: error: the keyring holds a private key, not the secret, for "
        "profile 'a' (a login of another profile of this client overwrote it): run "
        "`amplify-credhelper login --profile a` again\n",
    )
    assert endpoint.token_requests == 0 and PEM not in result.err
    assert refresh("k") == "key"  # the key is k's: it moves there, and a cannot use it
    assert memory_keyring.entries == {_own(endpoint, "k"): PEM}
    login("a", "secret")
    assert (refresh("a"), refresh("k")) == ("secret", "key")


def test_a_key_profile_whose_entry_holds_a_secret_is_refused_too(
    run_cli, endpoint, memory_keyring
) -> None:
    _old_profiles(endpoint, k="key")
    memory_keyring.entries[_legacy(endpoint)] = "test-secret"
    result = run_cli("token", "--profile", "k")
    assert (result.code, result.err) == (
        1,
        "amplify-credhelper: error: the keyring holds a client secret, not the private key, "
        "for profile 'k' (a login of another profile of this client overwrote it): run "
        "`amplify-credhelper login --profile k --key-file PATH` again\n",
    )
    assert endpoint.token_requests == 0


def test_a_keyring_that_cannot_copy_still_serves_the_0_1_0_secret(
    refresh, endpoint, memory_keyring, monkeypatch
) -> None:
    from keyring.errors import PasswordSetError

    def refuse(*args: str) -> None:
        raise PasswordSetError("read-only collection")

    _old_profiles(endpoint, a="secret")
    memory_keyring.entries[_legacy(endpoint)] = "test-secret"
    monkeypatch.setattr(memory_keyring, "set_password", refuse)
    assert refresh("a") == "secret"
    assert memory_keyring.entries == {_legacy(endpoint): "test-secret"}  # nothing lost


def test_a_0_1_0_entry_stays_while_a_profile_cannot_be_read(
    refresh, endpoint, memory_keyring
) -> None:
    # b has a hand-edited mistake: once fixed, it may need the shared entry too.
    _write_config(
        {
            "a": {"client_id": CLIENT, "base_url": endpoint.base_url},
            "b": {"client_id": CLIENT, "base_url": endpoint.base_url, "timeout": "soon"},
        }
    )
    memory_keyring.entries[_legacy(endpoint)] = "test-secret"
    assert refresh("a") == "secret"
    assert memory_keyring.entries == {
        _legacy(endpoint): "test-secret",
        _own(endpoint, "a"): "test-secret",
    }


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", "1e-9", "601", " "])
def test_an_unusable_keyring_timeout_is_refused_in_one_line(run_cli, logged_in, monkeypatch,
                                                            value) -> None:  # fmt: skip
    monkeypatch.setenv("AMPLIFY_KEYRING_TIMEOUT", value)
    result = run_cli("token", "--refresh")
    assert (result.code, result.err) == (1, "amplify-credhelper: error: AMPLIFY_KEYRING_TIMEOUT="
                                         f"{value!r}: expected seconds from 0.1 to 600\n")  # fmt: skip


@pytest.mark.parametrize(("value", "seconds"), [("", 20.0), ("0.5", 0.5), ("600", 600.0)])
def test_a_usable_keyring_timeout_is_taken(monkeypatch, value, seconds) -> None:
    from credhelper.profiles import _keyring

    monkeypatch.setenv("AMPLIFY_KEYRING_TIMEOUT", value)
    assert _keyring.deadline() == seconds
