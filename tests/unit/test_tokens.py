from __future__ import annotations

import pytest
from support.token_endpoint import make_jwt

from credhelper import Token
from credhelper.tokens.token import is_bearer_token, org_id_from_jwt


@pytest.mark.parametrize(
    ("claims", "org"),
    [
        ({"orgId": 652605300303530}, "652605300303530"),
        ({"orgId": "42"}, "42"),
        ({"orgId": "not-a-number"}, None),
        ({"orgId": "\u00b2"}, None),  # a digit to str.isdigit, not to int() or a header
        ({"orgId": "1" * 33}, None),
        ({"orgId": ""}, None),
        ({"orgId": True}, None),
        ({"orgId": None}, None),
        ({"sub": "x"}, None),
    ],
)
def test_org_id_comes_from_the_orgId_claim(claims: dict, org: str | None) -> None:
    assert org_id_from_jwt(make_jwt(claims)) == org


@pytest.mark.parametrize("token", ["opaque-token", "a.b", "a.!!!.c", "a.bm90LWpzb24.c", "a.WzFd.c"])
def test_opaque_or_broken_tokens_have_no_org(token: str) -> None:
    assert org_id_from_jwt(token) is None


@pytest.mark.parametrize("value", ["abc", "a.b-c_d~e+f/g==", "eyJ.eyJ.sig"])
def test_bearer_characters_are_accepted(value: str) -> None:
    assert is_bearer_token(value)


@pytest.mark.parametrize(
    "value", ["", "a b", "a\nb", "a\rb", "a\0b", 'a"b', "a=b", "ä", None, 12, "a" * 65537]
)
def test_anything_else_is_not_a_bearer_token(value: object) -> None:
    assert not is_bearer_token(value)


def test_freshness_keeps_the_refresh_margin() -> None:
    token = Token(access_token="t", expires_at=1000.0, issued_at=0.0)
    assert token.is_fresh(300, now=699)
    assert not token.is_fresh(300, now=700)
    assert token.renew_at(300) == 700


def test_the_margin_is_capped_at_half_a_short_lifetime() -> None:
    short = Token(access_token="t", expires_at=160.0, issued_at=100.0)  # 60 s token, 300 s margin
    assert short.is_fresh(300, now=129)
    assert not short.is_fresh(300, now=130)


def test_tokens_are_immutable_and_never_show_their_value() -> None:
    token = Token(access_token="s3cr3t-token", expires_at=1.0, org_id="7")
    assert "s3cr3t-token" not in repr(token)
    assert (
        repr(token)
        == "Token(access_token=***, expires_at=1.0, org_id='7', issued_at=None)"
    )
    with pytest.raises(AttributeError):
        token.access_token = "x"  # type: ignore[misc]
    assert token.replace(org_id="8") == Token(
        access_token="s3cr3t-token", expires_at=1.0, org_id="8"
    )
    with pytest.raises(TypeError, match="needs 'expires_at'"):
        Token(access_token="t")
