"""The async auth against a real Keycloak, in this process: coroutines on a cold cache share
one token request, counted by Keycloak itself."""

from __future__ import annotations

import asyncio
import shutil

import httpx
import pytest
from support.api_server import ApiServer
from support.keycloak_realm import ORG_ID

from credhelper import AmplifyAuth

pytestmark = pytest.mark.integration

PATH = "/apis/management/v1alpha1/environments"


def test_twenty_cold_coroutines_make_one_token_request(
    keycloak, run_cli, memory_keyring, home
) -> None:
    secret = keycloak.realm.secrets["secret-sa"]
    done = run_cli("login", "--client-id", "secret-sa", "--base-url", keycloak.base_url,
                   "--secret-stdin", stdin=secret)  # fmt: skip
    assert done.code == 0, done
    shutil.rmtree(home / "config" / "amplify-credhelper" / "tokens")  # cold: no cached token
    before = keycloak.logins("secret-sa")

    async def twenty_requests(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(auth=AmplifyAuth(), timeout=60) as client:
            return await asyncio.gather(*(client.get(url) for _ in range(20)))

    with ApiServer(keycloak.checker()) as api:  # it asks Keycloak whether each token is good
        answers = asyncio.run(twenty_requests(api.url + PATH))
    assert [a.status_code for a in answers] == [200] * 20, answers[0].text
    assert {a.json()["tenant"] for a in answers} == {str(ORG_ID)}
    assert len({seen["headers"]["authorization"] for seen in api.seen}) == 1
    assert keycloak.logins("secret-sa") == before + 1  # Keycloak's own count
