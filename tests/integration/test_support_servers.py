"""The test servers themselves work: oidc-provider mints tokens the way Keycloak would, and the
private Secret Service really stores what keyring gives it. Uses httpx, PyJWT and keyring directly
(not credhelper), so a failure here points at the test setup, not at our code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from support.oidc import OidcServer, run_oidc_provider
from support.secret_service import run_secret_service

pytestmark = pytest.mark.integration

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
CLIENTS = [
    {"client_id": "basic-sa", "client_secret": "basic-secret",
     "token_endpoint_auth_method": "client_secret_basic"},
    {"client_id": "post-sa", "client_secret": "post-secret",
     "token_endpoint_auth_method": "client_secret_post"},
    {"client_id": "rsa-sa", "token_endpoint_auth_method": "private_key_jwt",
     "jwks": {"keys": [jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY.public_key(), as_dict=True)]}},
    {"client_id": "ec-sa", "token_endpoint_auth_method": "private_key_jwt",
     "jwks": {"keys": [jwt.algorithms.ECAlgorithm.to_jwk(EC_KEY.public_key(), as_dict=True)]}},
]
WRONG = "not-the-registered-one"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"  # RFC 7523 section 2.2


@pytest.fixture(scope="module")
def oidc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcServer]:
    with run_oidc_provider(tmp_path_factory.mktemp("oidc"), CLIENTS) as server:
        yield server


def _post_token(server: OidcServer, auth: Any = None, **form: str) -> httpx.Response:
    return httpx.post(
        server.token_url, data={"grant_type": "client_credentials", **form}, auth=auth, timeout=10
    )


def _secret_of(client_id: str) -> str:
    return next(c["client_secret"] for c in CLIENTS if c["client_id"] == client_id)


def _assert_token(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["access_token"]
    assert body["expires_in"] == 1800
    assert body["token_type"].lower() == "bearer"


def _client_assertion(server: OidcServer, client_id: str, key: Any, alg: str) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": server.issuer,
              "iat": now, "exp": now + 60, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, key, algorithm=alg)


def test_token_url_has_keycloaks_shape(oidc: OidcServer) -> None:
    assert oidc.issuer.startswith("http://127.0.0.1:")
    assert oidc.issuer.endswith("/auth/realms/Broker")
    assert oidc.token_url == f"{oidc.issuer}/protocol/openid-connect/token"
    discovery = httpx.get(f"{oidc.issuer}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == oidc.issuer
    assert discovery["token_endpoint"] == oidc.token_url


def test_client_secret_basic_gets_a_token(oidc: OidcServer) -> None:
    _assert_token(_post_token(oidc, auth=("basic-sa", _secret_of("basic-sa"))))


def test_client_secret_post_gets_a_token(oidc: OidcServer) -> None:
    _assert_token(_post_token(oidc, client_id="post-sa", client_secret=_secret_of("post-sa")))


@pytest.mark.parametrize("method", ["basic", "post"])
def test_wrong_secret_is_invalid_client(oidc: OidcServer, method: str) -> None:
    if method == "basic":
        response = _post_token(oidc, auth=("basic-sa", WRONG))
    else:
        response = _post_token(oidc, client_id="post-sa", client_secret=WRONG)
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(("client_id", "key", "alg"), [("rsa-sa", RSA_KEY, "RS256"),
                                                       ("ec-sa", EC_KEY, "ES256")])
def test_private_key_jwt_gets_a_token(oidc: OidcServer, client_id: str, key: Any, alg: str) -> None:
    assertion = _client_assertion(oidc, client_id, key, alg)
    _assert_token(_post_token(
        oidc, client_id=client_id, client_assertion_type=ASSERTION_TYPE, client_assertion=assertion
    ))


def test_assertion_signed_by_another_key_is_invalid_client(oidc: OidcServer) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assertion = _client_assertion(oidc, "rsa-sa", stranger, "RS256")
    response = _post_token(
        oidc, client_id="rsa-sa", client_assertion_type=ASSERTION_TYPE, client_assertion=assertion
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


def _keyring_call(env: dict[str, str], code: str) -> Any:
    """Run `code` (printing JSON) in a fresh interpreter; secrets travel in the environment."""
    prelude = "import json, os, keyring\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code], env={**os.environ, **env},
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_keyring_round_trip_through_secret_service(tmp_path: Path) -> None:
    with run_secret_service(tmp_path) as env:
        env = {**env, "TEST_SECRET": "s3cret-\u00e9"}
        _keyring_call(env, "keyring.set_password('amplify-test', 'ci', os.environ['TEST_SECRET'])"
                           "\nprint('null')")
        read_back = _keyring_call(env, "print(json.dumps([type(keyring.get_keyring()).__module__,"
                                       " keyring.get_password('amplify-test', 'ci')]))")
        assert read_back == ["keyring.backends.SecretService", "s3cret-\u00e9"]
        assert (Path(env["XDG_DATA_HOME"]) / "keyrings" / "login.keyring").is_file()
        _keyring_call(env, "keyring.delete_password('amplify-test', 'ci'); print('null')")
        gone = _keyring_call(env, "print(json.dumps(keyring.get_password('amplify-test', 'ci')))")
        assert gone is None
