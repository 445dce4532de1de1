"""Revocation at logout (RFC 7009) and key ids (login --key-id) against the real Keycloak,
through the installed command: Keycloak's own introspection says a token is active before the
logout and inactive after it, for a secret sent each way and for a key."""

from __future__ import annotations

import json

import pytest
from conftest import amplify
from support.keycloak_realm import OWN_KID
from test_keycloak import login
from test_keycloak_keys import CHECK_KEY, key_login, write_key

pytestmark = pytest.mark.integration


def cached_token(env) -> str:
    token = amplify(env, "token")
    assert token.returncode == 0, token.stderr
    return token.stdout.strip()


def assert_revoked_at_logout(keycloak, env, removed: str) -> None:
    token = cached_token(env)
    checker = keycloak.checker()
    assert token in checker.issued  # introspection: active
    done = amplify(env, "logout")
    assert (done.returncode, done.stdout, done.stderr) == (
        0, f"Logged out: profile 'default' removed with its {removed}; token revoked.\n", "")  # fmt: skip
    assert token not in checker.issued  # introspection: no longer active


@pytest.mark.parametrize("method", ["basic", "post"])
def test_a_secret_profile_revokes_its_token_at_logout(keycloak, subprocess_env, method) -> None:
    secret = keycloak.realm.secrets["secret-sa"]
    done = login(subprocess_env, keycloak, "secret-sa", secret, "--auth-method", method)
    assert done.returncode == 0, done.stderr + keycloak.server.log_tail()
    assert_revoked_at_logout(keycloak, subprocess_env, "secret and cached token")


def test_a_key_profile_revokes_its_token_at_logout(keycloak, subprocess_env, tmp_path) -> None:
    key_file = write_key(tmp_path / "sa.pem", keycloak.realm.keys["cert-sa"])
    done = key_login(subprocess_env, keycloak, "cert-sa", key_file)
    assert done.returncode == 0, done.stderr + keycloak.server.log_tail()
    assert_revoked_at_logout(keycloak, subprocess_env, "private key and cached token")


def test_logout_all_revokes_every_profile_and_the_environment_one(keycloak, subprocess_env) -> None:
    secret = keycloak.realm.secrets["secret-sa"]
    for profile in ("one", "two"):
        assert login(subprocess_env, keycloak, "secret-sa", secret, "--profile", profile).returncode == 0
    ci = {**subprocess_env, "AMPLIFY_CLIENT_ID": "secret-sa", "AMPLIFY_CLIENT_SECRET": secret,
          "AMPLIFY_BASE_URL": keycloak.base_url}  # fmt: skip
    tokens = [amplify(subprocess_env, "token", "--profile", p).stdout.strip() for p in ("one", "two")]
    tokens.append(cached_token(ci))
    checker = keycloak.checker()
    assert all(token in checker.issued for token in tokens)
    done = amplify(ci, "logout", "--all")
    assert done.returncode == 0 and done.stdout.count("; token revoked.\n") == 3, done.stdout
    assert not any(token in checker.issued for token in tokens)


def test_a_jwks_client_with_its_own_key_id_logs_in_with_key_id(
    keycloak, subprocess_env, tmp_path
) -> None:
    key_file = write_key(tmp_path / "sa.pem", keycloak.realm.keys["own-kid-sa"])
    computed = key_login(subprocess_env, keycloak, "own-kid-sa", key_file)  # Keycloak's own kid
    assert computed.returncode == 2 and "Unable to load public key" in computed.stderr
    assert CHECK_KEY in computed.stderr
    done = key_login(subprocess_env, keycloak, "own-kid-sa", key_file, "--key-id", OWN_KID)
    assert done.returncode == 0, done.stderr + keycloak.server.log_tail()
    again = amplify(subprocess_env, "token", "--refresh")  # the stored key id, at a later mint
    assert again.returncode == 0, again.stderr
    shown = json.loads(amplify(subprocess_env, "inspect", "--json").stdout)
    assert shown["clientId"] == "own-kid-sa" and shown["renewsOnNextCall"] is False
    assert shown["issuer"] == f"{keycloak.base_url}/auth/realms/Broker"
    assert shown["algorithm"] == "RS256" and shown["keyId"]  # the realm's signing key
    assert_revoked_at_logout(keycloak, subprocess_env, "private key and cached token")
