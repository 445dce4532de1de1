"""A profile with its own token URL talks to that URL's origin only: logout's discovery and
revocation, a key profile's client assertion, doctor. A second loopback server stands in for
the default login service (the profile's base URL points at it, so nothing depends on DNS):
it must see no request at all."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from support.token_endpoint import TokenEndpoint

STAYS = r"the token stays valid until \d\d:\d\d\.\n"


@pytest.fixture
def default_host() -> TokenEndpoint:
    """What the default login service would be: never to be asked."""
    with TokenEndpoint(clients={"test-client": ("test-secret",)}) as server:
        yield server


def _login(run_cli, default_host, token_url: str, *extra: str, stdin: str = "test-secret"):
    argv = ["login", "--client-id", "test-client", "--base-url", default_host.base_url,
            "--token-url", token_url, *extra]  # fmt: skip
    result = run_cli(*argv, *([] if "--key-file" in extra else ["--secret-stdin"]), stdin=stdin)
    assert result.code == 0, result
    return result


def test_a_token_url_of_no_known_shape_is_not_revoked_elsewhere(
    run_cli, endpoint, default_host, memory_keyring
) -> None:
    _login(run_cli, default_host, endpoint.plain_token_url)
    result = run_cli("logout")
    assert result.code == 0, result
    assert result.out.startswith(
        "Logged out: profile 'default' removed with its secret and cached token; revocation not "
        "attempted: the issuer of a custom token URL is unknown, the token stays valid until "
    )
    assert (default_host.hits, endpoint.discoveries, endpoint.revoked) == (0, 0, [])


def test_a_keycloak_shaped_token_url_revokes_at_its_own_realm(
    run_cli, endpoint, default_host, memory_keyring
) -> None:
    _login(run_cli, default_host, endpoint.token_url)
    result = run_cli("logout")
    assert result.code == 0 and result.out.endswith("; token revoked.\n"), result
    assert (endpoint.discoveries, endpoint.revoked) == (1, [endpoint.issued[0]])
    assert default_host.hits == 0


@pytest.mark.parametrize("shape", ["plain", "keycloak"])
def test_a_key_profile_asserts_to_its_own_server(
    run_cli, endpoint, default_host, memory_keyring, tmp_path, shape
) -> None:
    import jwt

    key = ec.generate_private_key(ec.SECP256R1())
    endpoint.clients["test-client"] = key.public_key()
    pem = tmp_path / "sa.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))  # fmt: skip
    token_url = endpoint.plain_token_url if shape == "plain" else endpoint.token_url
    _login(run_cli, default_host, token_url, "--key-file", str(pem), stdin="")
    sent = endpoint.requests[0]["form"]["client_assertion"]
    audience = jwt.decode(sent, options={"verify_signature": False})["aud"]
    assert audience == (token_url if shape == "plain" else endpoint.issuer)
    assert endpoint.refusals == [] and default_host.hits == 0


def test_doctor_asks_the_token_url_only(run_cli, endpoint, default_host, memory_keyring) -> None:
    _login(run_cli, default_host, endpoint.plain_token_url)
    result = run_cli("doctor")
    assert endpoint.plain_token_url in result.out, result
    assert default_host.hits == 0
