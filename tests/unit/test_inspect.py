"""`inspect`: what the cached token says, from the cache alone (no request, no keyring), never
the token or its signature; and one safe line per value whatever the cache holds."""

from __future__ import annotations

import json
import re
import time

import pytest
from support.token_endpoint import make_jwt

from credhelper import _files
from credhelper.profiles import config
from credhelper.tokens import cache
from credhelper.tokens.token import Token

SIGNATURE = "bm90LXNpZ25lZA"  # the local endpoint's fake signature, base64url


def store(token: str, issued: float | None = None, lifetime: float = 1800, org: str | None = None):
    now = time.time() if issued is None else issued
    profile = config.load_all()["default"]
    cache.write(profile, Token(access_token=token, issued_at=now, expires_at=now + lifetime, org_id=org))
    return profile


def jwt_with(claims: dict, header: dict | None = None) -> str:
    import base64

    token = make_jwt(claims)
    if header is None:
        return token
    head = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return head + token[token.index("."):]


@pytest.fixture
def no_network(logged_in, memory_keyring, monkeypatch):
    """inspect must need neither: any use of them fails the test."""
    requests = logged_in.token_requests
    monkeypatch.setattr(memory_keyring, "get_password", lambda *a: pytest.fail("keyring used"))
    yield
    assert logged_in.token_requests == requests


def test_a_cached_jwt_described_without_the_token(run_cli, logged_in, no_network) -> None:
    token = jwt_with({"sub": "service-account-x", "scope": "profile email", "azp": "test-client",
                      "iss": "https://login.example/auth/realms/Broker", "orgId": 652605300303530},
                     {"alg": "RS256", "kid": "k-1", "typ": "JWT"})  # fmt: skip
    store(token, org="652605300303530")
    result = run_cli("inspect")
    assert result.code == 0 and result.err == ""
    lines = result.out.splitlines()
    assert lines[:6] == [
        "profile 'default': cached token of client test-client (a JWT)",
        "  org id:    652605300303530",
        "  subject:   service-account-x",
        "  scopes:    profile email",
        "  issuer:    https://login.example/auth/realms/Broker",
        "  key id:    k-1 (RS256)",
    ]
    assert re.fullmatch(r"  issued:    \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(\d\d:\d\d:\d\d UTC\)", lines[6])
    assert lines[8] == "  time left: 29 min 59 s" or lines[8] == "  time left: 30 min 0 s"
    assert lines[9].startswith("  next call: uses this token (renewal due ")
    assert token not in result.out and SIGNATURE not in result.out
    assert token.split(".")[1] not in result.out


def test_json_and_the_core_renewal_rule(run_cli, logged_in, no_network) -> None:
    issued = time.time() - 1600  # 200 s left, less than the 300 s margin: due for renewal
    store(jwt_with({"sub": "s"}), issued=issued)
    row = json.loads(run_cli("inspect", "--json").out)
    assert row["renewsOnNextCall"] is True and row["format"] == "jwt"
    assert row["expiresAt"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(issued + 1800))
    assert row["renewAt"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(issued + 1500))
    assert 190 <= row["secondsLeft"] <= 200 and row["keyId"] is None and row["scopes"] is None
    assert "next call: mints a new token" in run_cli("inspect").out


def test_a_short_lived_token_uses_half_its_life_as_margin(run_cli, logged_in, no_network) -> None:
    store(jwt_with({}), issued=time.time() - 20, lifetime=60)  # margin capped at 30 s
    row = json.loads(run_cli("inspect", "--json").out)
    assert row["renewsOnNextCall"] is False  # 40 s left, more than half of 60


def test_nothing_cached(run_cli, logged_in, no_network) -> None:
    cache.delete(config.load_all()["default"])
    assert run_cli("inspect").out == "profile 'default': no cached token (the next command mints one)\n"
    assert json.loads(run_cli("inspect", "--json").out) == {"profile": "default", "cached": False}


def test_an_opaque_token_says_what_can_be_said(run_cli, logged_in, no_network) -> None:
    store("opaque-token-value", org=None)
    result = run_cli("inspect")
    assert result.out.splitlines()[:2] == [
        "profile 'default': cached token of client test-client (opaque: not a JWT, so only "
        "what the cache holds)",
        "  org id:    none (no X-Axway-Tenant-Id)",
    ]
    assert "opaque-token-value" not in result.out and "key id" not in result.out
    assert json.loads(run_cli("inspect", "--json").out)["format"] == "opaque"


@pytest.mark.parametrize(
    ("claims", "header", "shown"),
    [
        ({"sub": "a\x1b[31mred\nnext\x00line"}, None, "  subject:   a\\x1b[31mred\\nnext\\x00line"),
        ({"sub": "x" * 40000}, None, "  subject:   " + "x" * 197 + "..."),
        ({"sub": {"nested": [1, 2]}}, None, "  subject:   a JSON object"),
        ({"sub": 12, "scope": ["a", "b"]}, None, "  subject:   12"),
        ({"scope": "a\tb " + "c" * 5000}, None, "  scopes:    a b " + "c" * 197 + "..."),
        ({}, {"alg": "RS256", "kid": True}, "  key id:    True (RS256)"),
        ({}, {"alg": ["x"] * 10, "kid": "k\u2028l"}, "  key id:    k\\u2028l (a JSON array)"),
    ],
    ids=["control-characters", "huge", "object", "number", "scope-spaces", "bool-kid", "array-alg"],
)
def test_hostile_claims_are_one_safe_line_each(run_cli, logged_in, no_network, claims, header, shown) -> None:
    store(jwt_with(claims, header or {"alg": "none"}))
    result = run_cli("inspect")
    assert result.code == 0 and result.err == ""
    assert shown in result.out.splitlines(), result.out
    assert all(line.isprintable() for line in result.out.splitlines())
    row = json.loads(run_cli("inspect", "--json").out)
    assert row["cached"] is True


@pytest.mark.parametrize(
    "token",
    ["a.b.c", "eyJ9.eyJ9.x", make_jwt({})[:-3] + "." + "W" * 10 + ".x", "e30.WyJhIl0.x",
     "WwW.e30.x" ],
    ids=["not-base64-json", "broken-json", "four-parts", "payload-is-a-list", "header-not-object"],
)  # fmt: skip
def test_a_token_that_only_looks_like_a_jwt_is_opaque(run_cli, logged_in, no_network, token) -> None:
    store(token)
    result = run_cli("inspect")
    assert result.code == 0 and "(opaque: not a JWT" in result.out.splitlines()[0]


def test_a_hostile_cache_file_is_no_cached_token(run_cli, logged_in, no_network) -> None:
    profile = config.load_all()["default"]
    _files.write_private(cache.path(profile), b'{"format": 1, "access_token": [1], "expires_at": "x"}')
    assert run_cli("inspect").out == "profile 'default': no cached token (the next command mints one)\n"


def test_an_unknown_profile_is_a_usage_error(run_cli) -> None:
    result = run_cli("inspect", "--profile", "nope")
    assert result.code == 1 and result.err.startswith("amplify-credhelper: error: no profile 'nope'")
