"""`login --key-id`: the kid a key profile's assertions name (its own, none, or Keycloak's
computed one), kept in the profile; and the clock hint when the login service refuses an
assertion while its Date header is far from our clock."""

from __future__ import annotations

import email.utils
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from support.token_endpoint import Fault

from credhelper.profiles import config
from credhelper.tokens import _assertion

KEY = ec.generate_private_key(ec.SECP256R1())
COMPUTED = _assertion.computed_key_id(KEY)
REFUSED = {"error": "invalid_client", "error_description": "Invalid client or Invalid client credentials"}


@pytest.fixture
def key_file(tmp_path) -> str:
    path = tmp_path / "sa.pem"
    path.write_bytes(KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))  # fmt: skip
    path.chmod(0o600)
    return str(path)


@pytest.fixture
def login(run_cli, endpoint, memory_keyring, key_file):
    endpoint.clients["ec-sa"] = KEY.public_key()

    def run(*options: str):
        return run_cli("login", "--client-id", "ec-sa", "--base-url", endpoint.base_url,
                       "--key-file", key_file, *options)  # fmt: skip

    return run


def sent_kid(endpoint) -> str | None:
    assertion = endpoint.requests[-1]["form"]["client_assertion"]
    return jwt.get_unverified_header(assertion).get("kid")


def stored_entry() -> dict:
    with open(config.path()) as handle:
        return json.load(handle)["profiles"]["default"]


@pytest.mark.parametrize(
    ("options", "kid", "stored"),
    [
        ((), COMPUTED, None),
        (("--key-id", "sa-2026-01"), "sa-2026-01", "sa-2026-01"),
        (("--key-id", "none"), None, ""),
        (("--key-id", "computed"), COMPUTED, None),
    ],
    ids=["default", "own", "none", "computed"],
)
def test_the_key_id_is_stored_and_named_in_every_assertion(
    run_cli, endpoint, login, options, kid, stored
) -> None:
    assert login(*options).code == 0
    assert sent_kid(endpoint) == kid and stored_entry().get("key_id") == stored
    assert run_cli("token", "--refresh").code == 0
    assert sent_kid(endpoint) == kid  # a later mint names the same key


def test_relogin_keeps_the_key_id_until_told_otherwise(run_cli, endpoint, login) -> None:
    assert login("--key-id", "mine").code == 0
    assert login().code == 0 and sent_kid(endpoint) == "mine"
    assert login("--key-id", "computed").code == 0 and sent_kid(endpoint) == COMPUTED
    switched = run_cli("login", "--auth-method", "post", "--client-id", "test-client",
                       "--secret-stdin", stdin="test-secret")  # fmt: skip
    assert switched.code == 0, switched
    assert "key_id" not in stored_entry()  # a secret profile names no key


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "--key-id needs a key id of printable characters, 'none' or 'computed'"),
        ("a\x1bb", "--key-id needs a key id of printable characters, 'none' or 'computed'"),
        ("k" * 257, "bad key id 'kkkk"),
    ],
)
def test_a_bad_key_id_is_a_usage_error(login, endpoint, value, message) -> None:
    result = login("--key-id", value)
    assert result.code == 1 and result.err.startswith(f"amplify-credhelper: error: {message}")
    assert result.err.count("\n") == 1 and endpoint.token_requests == 0


def test_a_hand_edited_key_id_on_a_secret_profile_is_that_profile_problem(run_cli, logged_in) -> None:
    entry = {**stored_entry(), "key_id": "x"}
    with open(config.path(), "w") as handle:
        json.dump({"profiles": {"default": entry}}, handle)
    result = run_cli("token")
    assert result.code == 1 and "a key id goes with auth method 'key' only" in result.err


def _date(offset: float) -> str:
    return email.utils.formatdate(time.time() + offset, usegmt=True)


@pytest.mark.parametrize(
    ("offset", "said"),
    [
        (-120, "this machine's clock is 120 s ahead of the login service's"),
        (300, "this machine's clock is 300 s behind the login service's"),
        (3, None),
        ("Thu, 99 Foo 2026 25:61:61 GMT\x1b", None),
    ],
    ids=["ahead", "behind", "close-enough", "garbage-date"],
)
def test_a_refused_assertion_names_a_distant_clock(login, endpoint, offset, said) -> None:
    date = _date(offset) if isinstance(offset, int) else offset
    endpoint.faults.append(Fault(400, REFUSED, headers={"Date": date}))
    result = login()
    assert result.code == 2 and result.err.count("\n") == 1
    if said is None:
        assert "clock" not in result.err
    else:  # one second of slack: the Date header has one-second steps
        seconds = int(said.split(" s ")[0].rsplit(" ", 1)[1])
        shown = [f"{said.split(f'{seconds} s')[0]}{s} s{said.split(f'{seconds} s')[1]}"
                 for s in (seconds - 1, seconds, seconds + 1)]  # fmt: skip
        assert any(text in result.err for text in shown), result.err
        assert result.err.rstrip().endswith("the clock may be wrong; synchronise it")


def test_a_refused_secret_says_nothing_of_clocks(run_cli, endpoint, memory_keyring) -> None:
    endpoint.faults.append(Fault(401, REFUSED, headers={"Date": _date(-600)}))
    result = run_cli("login", "--client-id", "test-client", "--base-url", endpoint.base_url,
                     "--secret-stdin", stdin="test-secret")  # fmt: skip
    assert result.code == 2 and "clock" not in result.err


@pytest.mark.parametrize(
    ("description", "said"),
    [
        ("Token is not active", True),
        ("Token was issued in the future", True),
        ("Token was issued too far in the past", True),
        ("Unable to load public key", False),
    ],
)
def test_without_a_date_header_a_refusal_of_the_times_names_the_clock(
    login, endpoint, description, said
) -> None:
    endpoint.faults.append(Fault(400, {"error": "invalid_client", "error_description": description},
                                 headers={"Date": "not a date"}))  # fmt: skip
    result = login()
    assert result.code == 2 and result.err.count("\n") == 1
    note = "; the assertion's times were refused: this machine's clock may be wrong; check it\n"
    assert result.err.endswith(note) == said, result.err
