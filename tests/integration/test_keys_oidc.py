"""Key-based service accounts against a real, certified OAuth server: oidc-provider with clients
registered for private_key_jwt from a JWKS, driven through the installed command."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jwt
import pytest
from conftest import console_script
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from support.oidc import run_oidc_provider

pytestmark = pytest.mark.integration

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
PKCS1 = serialization.PrivateFormat.TraditionalOpenSSL  # RSA PRIVATE KEY / EC PRIVATE KEY
PKCS8 = serialization.PrivateFormat.PKCS8


def _client(client_id: str, jwk: dict) -> dict:
    return {
        "client_id": client_id,
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [jwk]},
    }


CLIENTS = [
    _client("rsa-sa", jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY.public_key(), as_dict=True)),
    _client("ec-sa", jwt.algorithms.ECAlgorithm.to_jwk(EC_KEY.public_key(), as_dict=True)),
]


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


def _write(path: Path, key, fmt=PKCS8, passphrase: bytes | None = None) -> Path:
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, fmt, encryption))
    path.chmod(0o600)
    return path


@pytest.mark.parametrize(
    ("client_id", "key", "fmt"),
    [
        ("rsa-sa", RSA_KEY, PKCS1),
        ("rsa-sa", RSA_KEY, PKCS8),
        ("ec-sa", EC_KEY, PKCS1),
        ("ec-sa", EC_KEY, PKCS8),
    ],
    ids=["rsa-pkcs1", "rsa-pkcs8", "ec-sec1", "ec-pkcs8"],
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


def test_an_encrypted_key_with_its_passphrase_on_stdin(amplify, login, oidc, tmp_path) -> None:
    key_file = _write(tmp_path / "sa.pem", RSA_KEY, passphrase=b"correct horse")
    result = login("rsa-sa", key_file, "--key-passphrase-stdin", stdin="correct horse\n")
    assert result.returncode == 0, result.stderr + _server_log(oidc)
    os.remove(key_file)
    assert amplify("token", "--refresh").returncode == 0


def test_a_kept_key_file_is_read_at_each_token(amplify, login, oidc, tmp_path) -> None:
    key_file = _write(tmp_path / "sa.pem", EC_KEY, PKCS1)
    result = login("ec-sa", key_file, "--keep-key-file")
    assert result.returncode == 0, result.stderr + _server_log(oidc)
    assert amplify("token", "--refresh").returncode == 0
    assert f"(private key file {key_file})" in amplify("status").stdout
    os.remove(key_file)
    gone = amplify("token", "--refresh")
    assert (gone.returncode, gone.stderr) == (
        1,
        f"amplify-credhelper: error: cannot read the key file {key_file}: "
        "No such file or directory\n",
    )


def test_a_key_the_server_does_not_know_exits_2(amplify, login, tmp_path) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    result = login("rsa-sa", _write(tmp_path / "other.pem", stranger))
    assert result.returncode == 2
    assert result.stderr.startswith(
        "amplify-credhelper: error: the login service refused the client credentials (HTTP 401, "
        "invalid_client"
    )
    assert "check the client id and the private key" in result.stderr
    assert result.stderr.count("\n") == 1
    assert amplify("status").stdout.startswith("No profiles")


def _server_log(oidc) -> str:
    log = Path(oidc.process.args[2]).with_name("oidc-provider.log")
    return "\n--- oidc-provider.log ---\n" + log.read_text(errors="replace")[-2000:]
