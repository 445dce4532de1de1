"""Secrets sent both ways (HTTP Basic and form fields) to a second, certified implementation.

Keycloak (test_keycloak.py) is the reference for secret logins and their refusals; oidc-provider
stays for what Keycloak lets through: it takes each client's secret only by the method the client
was registered with (Keycloak takes both), and its tokens are opaque, the path where no org id
can be read."""

from __future__ import annotations

import json

import pytest
from conftest import amplify
from support.oidc import run_oidc_provider

pytestmark = pytest.mark.integration

CLIENTS = [
    {
        "client_id": "basic-sa",
        "client_secret": "b-secret+/:%x",
        "token_endpoint_auth_method": "client_secret_basic",
    },
    {
        "client_id": "post-sa",
        "client_secret": "p-secret",
        "token_endpoint_auth_method": "client_secret_post",
    },
]


@pytest.fixture(scope="module")
def oidc(tmp_path_factory):
    with run_oidc_provider(tmp_path_factory.mktemp("oidc"), CLIENTS) as server:
        yield server


@pytest.mark.parametrize(("client", "method"), [(CLIENTS[0], "basic"), (CLIENTS[1], "post")])
def test_login_and_token_against_oidc_provider(
    oidc, subprocess_env, client: dict, method: str
) -> None:
    base_url = oidc.issuer.removesuffix("/auth/realms/Broker")
    login = amplify(
        subprocess_env,
        "login",
        "--client-id",
        client["client_id"],
        "--base-url",
        base_url,
        "--auth-method",
        method,
        "--secret-stdin",
        "--json",
        stdin=client["client_secret"],
    )
    assert login.returncode == 0, login.stderr
    shape = json.loads(login.stdout)
    assert shape["org"] is None  # oidc-provider's tokens are opaque: no orgId claim
    token = amplify(subprocess_env, "token")
    assert token.stdout == shape["auth"]["tokens"]["access_token"] + "\n"
    header = amplify(subprocess_env, "header")
    assert header.stdout == f"Authorization: Bearer {shape['auth']['tokens']['access_token']}\n"
