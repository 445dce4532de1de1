"""Key-based service accounts against a second, certified implementation: oidc-provider with
clients registered for private_key_jwt from a JWKS, driven through the installed command.

Keycloak (test_keycloak_keys.py) is the reference for every key registration, format and
refusal; this stays because oidc-provider is stricter where Keycloak lets things through: it
takes `aud` only as the issuer (Keycloak also takes the token URL, or a one-element list), wants
`exp` and `jti`, and matches the `kid` exactly. RSA and EC each once."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import console_script
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from support.keycloak_realm import jwk
from support.oidc import run_oidc_provider

pytestmark = pytest.mark.integration

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
PKCS1 = serialization.PrivateFormat.TraditionalOpenSSL  # RSA PRIVATE KEY / EC PRIVATE KEY
PKCS8 = serialization.PrivateFormat.PKCS8


def _client(client_id: str, key) -> dict:
    # The key named as Keycloak names an uploaded one: the assertion's kid must match it here.
    return {
        "client_id": client_id,
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [jwk(key)]},
    }


CLIENTS = [_client("rsa-sa", RSA_KEY), _client("ec-sa", EC_KEY)]


@pytest.fixture(scope="module")
def oidc(tmp_path_factory):
    with run_oidc_provider(tmp_path_factory.mktemp("oidc"), CLIENTS) as server:
        yield server


@pytest.fixture
def amplify(subprocess_env):
    def run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [console_script("amplify-credhelper"), *argv],
            input=stdin,
            capture_output=True,
            text=True,
            env=subprocess_env,
            timeout=60,
        )

    return run


@pytest.fixture
def login(amplify, oidc):
    base_url = oidc.issuer.removesuffix("/auth/realms/Broker")

    def run(client_id: str, key_file: Path, *options: str, stdin: str = ""):
        return amplify(
            "login",
            "--client-id",
            client_id,
            "--base-url",
            base_url,
            "--key-file",
            str(key_file),
            *options,
            stdin=stdin,
        )

    return run


def _write(path: Path, key, fmt=PKCS8) -> Path:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    )
    path.chmod(0o600)
    return path


@pytest.mark.parametrize(
    ("client_id", "key", "fmt"),
    [
        ("rsa-sa", RSA_KEY, PKCS8),
        ("ec-sa", EC_KEY, PKCS1),
    ],
    ids=["rsa-pkcs8", "ec-sec1"],
)
def test_a_key_logs_in_and_mints_again_without_its_file(
    amplify, login, oidc, tmp_path, client_id, key, fmt
) -> None:
    key_file = _write(tmp_path / "sa.pem", key, fmt)
    result = login(client_id, key_file, "--json")
    assert result.returncode == 0, result.stderr + _server_log(oidc)
    first = json.loads(result.stdout)["auth"]["tokens"]["access_token"]
    os.remove(key_file)  # the keyring holds the key now
    # A second assertion: oidc-provider refuses a jti it has seen, so this proves a fresh one.
    refreshed = amplify("token", "--refresh")
    assert refreshed.returncode == 0, refreshed.stderr + _server_log(oidc)
    assert refreshed.stdout.strip() not in ("", first)
    assert amplify("token").stdout == refreshed.stdout  # cached
    [row] = json.loads(amplify("status", "--json").stdout)
    assert (row["clientId"], row["authMethod"], row["usesKey"]) == (client_id, "key", True)


def _server_log(oidc) -> str:
    log = Path(oidc.process.args[2]).with_name("oidc-provider.log")
    return "\n--- oidc-provider.log ---\n" + log.read_text(errors="replace")[-2000:]
