"""What a token becomes, in one place (``credhelper.tokens.token``): the request headers and the
environment variables; and every consumer (the policy of both auths, ``header``, ``env``,
``exec``, ``exec --renew``'s header file) agrees with it."""

from __future__ import annotations

import pytest

from credhelper import Authorizer, Token
from credhelper.api._policy import Attempt, set_headers
from credhelper.cli import _exec
from credhelper.tokens.token import (
    TENANT_HEADER,
    apply,
    authorization,
    environment,
    header_lines,
    set_request_headers,
)

ORG = "652605300303530"


def token(org: str | None = ORG) -> Token:
    return Token(access_token="tok.en", expires_at=1700000000.9, org_id=org)


def test_the_headers_of_a_token_with_an_org() -> None:
    headers = {"Accept": "*/*"}
    set_request_headers(headers, token())
    assert headers == {"Accept": "*/*", "Authorization": "Bearer tok.en", TENANT_HEADER: ORG}
    assert authorization(token()) == "Bearer tok.en"
    assert header_lines(token()) == f"Authorization: Bearer tok.en\nX-Axway-Tenant-Id: {ORG}\n"


def test_a_token_without_an_org_removes_the_tenant_header() -> None:
    assert header_lines(token(None)) == "Authorization: Bearer tok.en\n"
    headers = {"Accept": "*/*", TENANT_HEADER: "111"}  # a refused token's org, on a retry
    set_request_headers(headers, token(None))
    assert headers == {"Accept": "*/*", "Authorization": "Bearer tok.en"}


def test_apply_sets_values_and_removes_the_unknown() -> None:
    env = {"HOME": "/h", "AMPLIFY_TENANT_ID": "111"}
    apply({"AMPLIFY_TOKEN": "t", "AMPLIFY_TENANT_ID": None, "AMPLIFY_CENTRAL_URL": None}, env)
    assert env == {"HOME": "/h", "AMPLIFY_TOKEN": "t"}


def test_the_environment_of_a_token_in_the_order_env_prints_it() -> None:
    assert list(environment(token(), "https://central")) == [
        "AMPLIFY_TOKEN", "AMPLIFY_TENANT_ID", "AMPLIFY_CENTRAL_URL", "AMPLIFY_TOKEN_EXPIRES_AT",
    ]  # fmt: skip
    assert environment(token(None), None) == {
        "AMPLIFY_TOKEN": "tok.en",
        "AMPLIFY_TENANT_ID": None,
        "AMPLIFY_CENTRAL_URL": None,
        "AMPLIFY_TOKEN_EXPIRES_AT": "1700000000",
    }


@pytest.mark.parametrize("org", [ORG, None])
def test_the_policy_sets_what_the_header_lines_say(org: str | None) -> None:
    headers: dict[str, str] = {TENANT_HEADER: "111"}  # a refused token's org, on a retry
    set_headers(headers, Attempt(token(org), caller_tenant=False))
    lines = dict(line.split(": ", 1) for line in header_lines(token(org)).splitlines())
    assert headers == lines


def test_a_tenant_the_caller_chose_is_kept() -> None:
    headers = {TENANT_HEADER: "42"}
    set_headers(headers, Attempt(token(None), caller_tenant=True))
    assert headers == {TENANT_HEADER: "42", "Authorization": "Bearer tok.en"}
    set_request_headers(headers, token(), keep_tenant=True)
    assert headers == {TENANT_HEADER: "42", "Authorization": "Bearer tok.en"}


def test_authorizer_names_the_tenant_key_adapters_look_for() -> None:
    assert Authorizer.tenant_key == TENANT_HEADER.lower()


@pytest.mark.parametrize(("org", "central"), [(ORG, "https://central"), (None, None)])
def test_execs_child_gets_the_environment_and_loses_what_is_unknown(org, central) -> None:
    inherited = {"AMPLIFY_TENANT_ID": "111", "AMPLIFY_CENTRAL_URL": "https://elsewhere"}
    env = _exec.child_environment(inherited, token(org), central)
    expected = {k: v for k, v in environment(token(org), central).items() if v is not None}
    assert env == expected

