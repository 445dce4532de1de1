"""Private-key service accounts against a real Keycloak: every way Keycloak registers a client's
key (certificate, public key, inline JWKS with RSA and EC, JWKS URL, two keys), and the
assertions it refuses, through the installed command."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from conftest import amplify
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from support.keycloak_realm import ORG_ID
from test_keycloak import AGAIN, REFUSED, assert_nothing_saved

pytestmark = pytest.mark.integration

SHIM = Path(__file__).parents[1] / "support" / "keycloak_shim"
PKCS1 = serialization.PrivateFormat.TraditionalOpenSSL  # RSA PRIVATE KEY / EC PRIVATE KEY
PKCS8 = serialization.PrivateFormat.PKCS8
CHECK_KEY = (
    "check the client id and the private key (is its public key registered for this client?)"
)


def write_key(path: Path, key, fmt=PKCS8, passphrase: bytes | None = None) -> Path:
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())  # fmt: skip
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, fmt, encryption))
    path.chmod(0o600)
    return path


def key_login(env, keycloak, client_id: str, key_file: Path, *options: str, stdin: str = ""):
    return amplify(env, "login", "--client-id", client_id, "--base-url", keycloak.base_url,
                   "--key-file", str(key_file), *options, stdin=stdin)  # fmt: skip


def bent(env: dict[str, str], **settings: str) -> dict[str, str]:
    """``env`` with the shim that skews the clock or fixes the jti (tests/support/keycloak_shim)."""
    return {**env, "PYTHONPATH": f"{SHIM}{os.pathsep}{env['PYTHONPATH']}", **settings}


@pytest.mark.parametrize(
    ("client_id", "key_name", "fmt"),
    [
        ("cert-sa", "cert-sa", PKCS1),
        ("cert-sa", "cert-sa", PKCS8),
        ("pubkey-sa", "pubkey-sa", PKCS8),
        ("jwks-rsa-sa", "jwks-rsa-sa", PKCS8),
        ("jwks-ec-sa", "jwks-ec-sa", PKCS1),
        ("jwks-ec-sa", "jwks-ec-sa", PKCS8),
        ("jwks-url-sa", "jwks-url-sa", PKCS8),
        ("two-keys-sa", "two-keys-sa/1", PKCS8),
        ("two-keys-sa", "two-keys-sa/2", PKCS8),
    ],
    ids=["certificate-pkcs1", "certificate", "public-key", "jwks-rsa", "jwks-ec-sec1", "jwks-ec",
         "jwks-url", "two-keys-first", "two-keys-second"],
)  # fmt: skip
def test_each_registration_logs_in_and_mints_again(
    keycloak, subprocess_env, tmp_path, client_id, key_name, fmt
) -> None:
    key_file = write_key(tmp_path / "sa.pem", keycloak.realm.keys[key_name], fmt)
    before = keycloak.logins(client_id)
    done = key_login(subprocess_env, keycloak, client_id, key_file, "--json")
    assert done.returncode == 0, done.stderr + keycloak.server.log_tail()
    shape = json.loads(done.stdout)
    assert shape["org"]["id"] == ORG_ID
    os.remove(key_file)  # the keyring holds the key now
    refreshed = amplify(subprocess_env, "token", "--refresh")  # a second, fresh assertion
    assert refreshed.returncode == 0, refreshed.stderr
    assert refreshed.stdout.strip() not in ("", shape["auth"]["tokens"]["access_token"])
    assert keycloak.logins(client_id) == before + 2


def test_an_encrypted_key_with_its_passphrase_on_stdin(keycloak, subprocess_env, tmp_path) -> None:
    key = keycloak.realm.keys["cert-sa"]
    key_file = write_key(tmp_path / "sa.pem", key, passphrase=b"correct horse")
    done = key_login(subprocess_env, keycloak, "cert-sa", key_file, "--key-passphrase-stdin",
                     stdin="correct horse\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    os.remove(key_file)
    assert amplify(subprocess_env, "token", "--refresh").returncode == 0


def test_a_kept_key_file_is_read_at_each_token(keycloak, subprocess_env, tmp_path) -> None:
    key_file = write_key(tmp_path / "sa.pem", keycloak.realm.keys["jwks-ec-sa"], PKCS1)
    done = key_login(subprocess_env, keycloak, "jwks-ec-sa", key_file, "--keep-key-file")
    assert done.returncode == 0, done.stderr
    assert amplify(subprocess_env, "token", "--refresh").returncode == 0
    assert f"(private key file {key_file})" in amplify(subprocess_env, "status").stdout
    os.remove(key_file)
    gone = amplify(subprocess_env, "token", "--refresh")
    assert (gone.returncode, gone.stderr) == (
        1,
        f"amplify-credhelper: error: cannot read the key file {key_file}: "
        "No such file or directory\n",
    )


def _refusal(status: int, error: str, description: str) -> str:
    return f"{REFUSED} (HTTP {status}, {error}: {description}): {CHECK_KEY}, {AGAIN}"


def test_a_key_keycloak_does_not_hold_exits_2(keycloak, subprocess_env, home, tmp_path) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    done = key_login(subprocess_env, keycloak, "cert-sa", write_key(tmp_path / "x.pem", stranger))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == _refusal(400, "invalid_client", "Unable to load public key")
    assert_nothing_saved(subprocess_env, home)


def test_a_jwks_key_without_a_kid_is_not_found(keycloak, subprocess_env, home, tmp_path) -> None:
    """The assertion always names its key (a two-key client needs it), so a JWKS must name its
    keys too: one registered without a kid is refused, in Keycloak's words."""
    key_file = write_key(tmp_path / "sa.pem", keycloak.realm.keys["jwks-rsa-sa"])
    done = key_login(subprocess_env, keycloak, "jwks-no-kid-sa", key_file)
    assert (done.returncode, done.stderr) == (
        2, _refusal(400, "invalid_client", "Unable to load public key"))  # fmt: skip
    assert_nothing_saved(subprocess_env, home)


def test_an_unknown_key_client_exits_2(keycloak, subprocess_env, home, tmp_path) -> None:
    key_file = write_key(tmp_path / "sa.pem", keycloak.realm.keys["cert-sa"])
    done = key_login(subprocess_env, keycloak, "nobody", key_file)
    assert (done.returncode, done.stderr) == (
        2, _refusal(401, "invalid_client", "Invalid client or Invalid client credentials"))  # fmt: skip
    assert_nothing_saved(subprocess_env, home)


@pytest.mark.parametrize(
    ("shift", "description"),
    # Keycloak also refuses an iat over 60 s old ("Token was issued too far in the past"), but
    # our assertion's exp comes with it: an old one is refused as expired first.
    [(-120, "Token is not active"), (60, "Token was issued in the future")],
    ids=["expired", "from-the-future"],
)  # fmt: skip
def test_an_assertion_from_a_skewed_clock_exits_2(
    keycloak, subprocess_env, home, tmp_path, shift, description
) -> None:
    key_file = write_key(tmp_path / "sa.pem", keycloak.realm.keys["cert-sa"])
    env = bent(subprocess_env, AMPLIFY_TEST_CLOCK_SHIFT=str(shift))
    done = key_login(env, keycloak, "cert-sa", key_file)
    # Keycloak sends no Date header (measured, 26.7.3), so the skew cannot be measured: its
    # description names the assertion's times, and the message says the clock may be wrong.
    assert (done.returncode, done.stderr) == (2, _refusal(400, "invalid_client", description)[:-1]
        + "; the assertion's times were refused: this machine's clock may be wrong; check it\n")
    assert_nothing_saved(subprocess_env, home)


def test_a_replayed_assertion_exits_2(keycloak, subprocess_env, home, tmp_path) -> None:
    key_file = write_key(tmp_path / "sa.pem", keycloak.realm.keys["pubkey-sa"])
    env = bent(subprocess_env, AMPLIFY_TEST_FIXED_JTI=str(uuid.uuid4()))
    assert key_login(env, keycloak, "pubkey-sa", key_file).returncode == 0
    assert amplify(env, "logout", "--all").returncode == 0
    again = key_login(env, keycloak, "pubkey-sa", key_file)  # the same jti, sent again
    assert (again.returncode, again.stderr) == (
        2, _refusal(400, "invalid_client", "Token reuse detected"))  # fmt: skip
    assert_nothing_saved(subprocess_env, home)
