"""Revocation at logout (RFC 7009) against the local token endpoint: each client authentication,
what logout says in each case, and the discovery documents it must not trust with the secret.
Whatever happens to the revocation, logout removes the profile and exits 0."""

from __future__ import annotations

import re
import time

import pytest
from conftest import login_argv
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from support.token_endpoint import Fault, TokenEndpoint

from credhelper.profiles import config
from credhelper.tokens import _revoke

STAYS = r"the token stays valid until \d\d:\d\d\.\n"
REMOVED = "Logged out: profile 'default' removed with its secret and cached token; "


def logout(run_cli, *argv: str):
    result = run_cli("logout", *argv)
    assert result.code == 0, result
    assert config.load_all() == {}  # the local removal happens whatever the revocation did
    return result


@pytest.mark.parametrize("method", ["basic", "post"])
def test_a_secret_profile_revokes_with_its_own_client_authentication(
    run_cli, endpoint, memory_keyring, method
) -> None:
    assert run_cli(*login_argv(endpoint, "--auth-method", method), stdin="test-secret").code == 0
    assert logout(run_cli).out == REMOVED + "token revoked.\n"
    assert endpoint.discoveries == 1
    revocation = endpoint.requests[-1]
    assert revocation["revoke"] and endpoint.revoked == [endpoint.issued[0]]
    assert revocation["form"]["token_type_hint"] == "access_token"
    sent_basic = revocation["authorization"] is not None
    assert (sent_basic, "client_secret" in revocation["form"]) == (method == "basic", method == "post")


def test_a_key_profile_revokes_with_a_fresh_client_assertion(
    run_cli, endpoint, memory_keyring, tmp_path
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    endpoint.clients["ec-sa"] = key.public_key()
    pem = tmp_path / "sa.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))  # fmt: skip
    login = ["login", "--client-id", "ec-sa", "--base-url", endpoint.base_url, "--key-file", str(pem)]
    assert run_cli(*login).code == 0
    assert logout(run_cli).out == (
        "Logged out: profile 'default' removed with its private key and cached token; "
        "token revoked.\n"
    )
    assertions = [r["form"]["client_assertion"] for r in endpoint.requests]
    assert endpoint.requests[-1]["revoke"] and len(set(assertions)) == 2  # never one reused
    assert endpoint.revoked == [endpoint.issued[0]] and endpoint.refusals == []


def test_logout_all_revokes_every_profile(run_cli, logged_in) -> None:
    assert run_cli(*login_argv(logged_in, "--profile", "second"), stdin="test-secret").code == 0
    out = logout(run_cli, "--all").out
    assert out.count("; token revoked.\n") == 2
    assert sorted(logged_in.revoked) == sorted(logged_in.issued)


def test_nothing_cached_says_nothing_of_revocation(run_cli, logged_in) -> None:
    from credhelper.tokens import cache

    cache.delete(config.load_all()["default"])
    requests = len(logged_in.requests)
    assert logout(run_cli).out == "Logged out: profile 'default' removed with its secret and cached token.\n"
    assert len(logged_in.requests) == requests and logged_in.discoveries == 0  # no request at all


@pytest.mark.parametrize(
    "discovery",
    [None, {"issuer": None, "token_endpoint": None}],
    ids=["no-discovery-document", "no-revocation-endpoint"],
)
def test_no_revocation_offered(run_cli, logged_in, discovery) -> None:
    logged_in.discovery = discovery
    out = logout(run_cli).out
    assert re.fullmatch(re.escape(REMOVED + "the login service offers no revocation: ") + STAYS, out)
    assert logged_in.revoked == []


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault(503), "HTTP 503"),
        (Fault(401, {"error": "invalid_client", "error_description": "Invalid\x1b[31m client"}),
         "HTTP 401, invalid_client: Invalid\\x1b[31m client"),
        (Fault(400, b"<html>\x00</html>"), "HTTP 400"),
    ],
    ids=["5xx", "refused", "not-json"],
)  # fmt: skip
def test_a_failed_revocation_is_tried_once_and_said(run_cli, logged_in, fault, reason) -> None:
    logged_in.faults.append(fault)
    out = logout(run_cli).out
    assert re.fullmatch(re.escape(f"{REMOVED}revocation failed ({reason}): ") + STAYS, out), out
    assert sum(1 for r in logged_in.requests if r.get("fault")) == 1  # one attempt, no retry
    assert logged_in.issued[0] not in out


def test_a_hanging_login_service_costs_the_deadline_at_most(
    run_cli, logged_in, monkeypatch
) -> None:
    monkeypatch.setattr(_revoke, "DEADLINE", 0.3)
    logged_in.faults.append(Fault(200, {}, delay=4.0))
    started = time.monotonic()
    out = logout(run_cli).out
    assert time.monotonic() - started < 3.0
    assert re.fullmatch(re.escape(REMOVED + "revocation failed (") + r"[^()]+\): " + STAYS, out), out


def test_a_hanging_discovery_document_costs_the_deadline_at_most(
    run_cli, logged_in, monkeypatch
) -> None:
    monkeypatch.setattr(_revoke, "DEADLINE", 0.3)
    logged_in.discovery = Fault(200, {}, delay=4.0)
    started = time.monotonic()
    out = logout(run_cli).out
    assert time.monotonic() - started < 3.0 and "revocation failed (the discovery document: " in out
    assert not any(r.get("revoke") for r in logged_in.requests)


@pytest.mark.parametrize(
    ("discovery", "reason"),
    [
        (Fault(200, b"x" * (2 << 20)), "larger than 1024 KiB"),
        (Fault(200, b"\xff\xfenot json"), "the discovery document is not a JSON object"),
        (Fault(200, b"[" * 100000 + b"]" * 100000), "the discovery document is not a JSON object"),
        (Fault(500), "the discovery document: HTTP 500"),
        (Fault(403), "the discovery document answered HTTP 403"),
        ({"revocation_endpoint": ["https://a"]}, "revocation_endpoint is not a URL"),
        ({"revocation_endpoint": "http://example.com/revoke"},
         "refusing revocation endpoint 'http://example.com/revoke': secrets only travel over https"),
        ({"revocation_endpoint": "https://example.com/revoke"},
         "the revocation endpoint is on https://example.com:443, not on the token URL's"),
        ({"revocation_endpoint": "https://u:p@example.com/\nrevoke"}, "bad revocation endpoint"),
    ],
    ids=["huge", "not-json", "deep", "5xx", "403", "not-a-string", "plain-http", "other-origin",
         "control-characters"],
)  # fmt: skip
def test_a_hostile_discovery_document_gets_neither_token_nor_secret(
    run_cli, logged_in, discovery, reason
) -> None:
    logged_in.discovery = discovery
    out = logout(run_cli).out
    assert out.startswith(REMOVED + "revocation failed (") and reason in out, out
    assert out.count("\n") == 1 and re.search(STAYS + r"\Z", out)
    assert not any(r.get("revoke") for r in logged_in.requests)


def test_another_loopback_port_is_another_origin(run_cli, logged_in) -> None:
    with TokenEndpoint() as elsewhere:
        logged_in.discovery = {"revocation_endpoint": elsewhere.revocation_url}
        out = logout(run_cli).out
        assert elsewhere.requests == [] and "not on the token URL's" in out


def test_the_keyring_failing_is_a_reason_not_a_crash(run_cli, logged_in, memory_keyring) -> None:
    memory_keyring.entries.clear()  # the secret is gone: nothing to authenticate with
    result = run_cli("logout")
    assert result.out.startswith(REMOVED + "revocation failed (no secret for profile 'default'")
    assert logged_in.revoked == []


def test_a_logout_that_fails_locally_revokes_nothing(run_cli, logged_in, monkeypatch) -> None:
    from credhelper.errors import ConfigError
    from credhelper.tokens import _transaction

    def refuse(profile) -> None:
        raise ConfigError("cannot write config.json: Read-only file system")

    monkeypatch.setattr(_transaction, "remove_profile", refuse)
    result = run_cli("logout")
    assert result.code == 1 and result.out == ""
    assert logged_in.revoked == [] and "default" in config.load_all()


@pytest.mark.parametrize(("seconds", "shown"), [(3.97009, "4"), (0.5, "0.5"), (0.28, "0.3"),
                                                (30.0, "30")])  # fmt: skip
def test_what_remains_of_the_deadline_is_shown_rounded(seconds, shown) -> None:
    from credhelper.tokens import _http

    assert _http._rounded(seconds) == shown  # logout's line said "within 3.97009 s"
