from __future__ import annotations

import base64
import json
import re

import pytest
from support.token_endpoint import make_jwt

from credhelper import CredentialsRejected, LoginServiceError
from credhelper.profiles._validate import make_profile
from credhelper.tokens.oauth import build_token_request, parse_token_response


def _answer(**fields: object) -> bytes:
    base = {"access_token": make_jwt({"orgId": 5}), "expires_in": 1800, "token_type": "bearer"}
    return json.dumps({**base, **fields}).encode()


def test_basic_auth_form_encodes_id_and_secret_first() -> None:
    profile = make_profile(name="a", client_id="DOSA id", base_url="https://x.example")
    request = build_token_request(profile, "p:ss/wörd")
    assert request.url == "https://x.example/auth/realms/Broker/protocol/openid-connect/token"
    assert request.form == (("grant_type", "client_credentials"),)
    header = dict(request.headers)["Authorization"]
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == "DOSA+id:p%3Ass%2Fw%C3%B6rd"


def test_post_auth_sends_fields_and_no_header() -> None:
    profile = make_profile(name="a", client_id="c", auth_method="post")
    request = build_token_request(profile, "s")
    assert request.form == (
        ("grant_type", "client_credentials"),
        ("client_id", "c"),
        ("client_secret", "s"),
    )
    assert "Authorization" not in dict(request.headers)
    assert "'s'" not in repr(request)


def test_a_token_answer_gives_expiry_and_org() -> None:
    token = parse_token_response(200, _answer(token_type="Bearer"), now=1000.0)
    assert (token.expires_at, token.issued_at, token.org_id) == (2800.0, 1000.0, "5")


def test_an_opaque_token_has_an_unknown_org() -> None:
    assert parse_token_response(200, _answer(access_token="opaque"), now=0).org_id is None


@pytest.mark.parametrize("status", [401, 400])
@pytest.mark.parametrize("error", ["invalid_client", "unauthorized_client"])
def test_refused_credentials(status: int, error: str) -> None:
    body = json.dumps({"error": error, "error_description": "Invalid client\nsecret"}).encode()
    with pytest.raises(CredentialsRejected) as caught:
        parse_token_response(status, body)
    assert str(caught.value) == (
        f"the login service refused the client credentials (HTTP {status}, {error}: Invalid client"
        "\\nsecret): check the client id and secret, then run `amplify-credhelper login` again"
    )


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (400, b'{"error":"invalid_scope"}', "answered HTTP 400 (invalid_scope)"),
        (503, b"<html>down</html>", "answered HTTP 503 (no details)"),
        (200, b"<html>proxy login</html>", "something that is not JSON"),
        (200, b"[1]", "something that is not JSON"),
        (200, _answer(access_token=None), "no usable access_token"),
        (200, _answer(access_token="has space"), "no usable access_token"),
        (200, _answer(access_token="line\nbreak"), "no usable access_token"),
        (200, _answer(token_type="mac"), "issued a 'mac' token"),
        (200, _answer(expires_in=None), "no usable expires_in"),
        (200, _answer(expires_in=-5), "no usable expires_in"),
        (200, _answer(expires_in=0), "no usable expires_in"),
        (200, _answer(expires_in="1800"), "no usable expires_in"),
        (200, _answer(expires_in=10**12), "no usable expires_in"),
        (200, _answer(expires_in=True), "no usable expires_in"),
    ],
)
def test_anything_but_a_usable_token_is_a_login_service_error(
    status: int, body: bytes, message: str
) -> None:
    with pytest.raises(LoginServiceError, match=re.escape(message)):
        parse_token_response(status, body)


def test_error_messages_never_repeat_a_token() -> None:
    token = make_jwt({"orgId": 1})
    with pytest.raises(LoginServiceError) as caught:
        parse_token_response(200, _answer(access_token=token, expires_in=-1))
    assert token not in str(caught.value)
