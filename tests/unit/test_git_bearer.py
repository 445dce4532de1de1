"""git gets authtype=Bearer only from a server that offered Bearer in its challenge (wwwauth[]).

A Basic-only server refuses `Authorization: Bearer`, so git 2.46+ talking to it gets the token
as a Basic password, like older git.
"""

from __future__ import annotations

import io

import pytest
from git_credential_amplify import handle
from git_credential_amplify.protocol import offers_bearer, read_request

from credhelper import get_token

HTTPS = b"protocol=https\nhost=git.example.com\n"
AUTHTYPE = b"capability[]=authtype\n"


def get(request: bytes) -> bytes:
    out, err = io.BytesIO(), io.StringIO()
    assert handle("get", io.BytesIO(request), out, err, profile="default") == 0, err.getvalue()
    return out.getvalue()


def basic_answer() -> bytes:
    token = get_token("default")
    expiry = int(token.expires_at - 300)
    return f"username=test-client\npassword={token.access_token}\npassword_expiry_utc={expiry}\n".encode()


def test_a_bearer_challenge_gets_the_bearer_answer(logged_in) -> None:
    out = get(AUTHTYPE + b'wwwauth[]=Basic realm="x"\nwwwauth[]=Bearer realm="x"\n' + HTTPS)
    token = get_token("default").access_token
    assert out == b"capability[]=authtype\n" + basic_answer() + (
        f"authtype=Bearer\ncredential={token}\nephemeral=1\n".encode()
    )


@pytest.mark.parametrize(
    "challenges",
    [
        b"",  # no challenge at all (a proactive request)
        b'wwwauth[]=Basic realm="GitHub"\n',
        b'wwwauth[]=Basic realm="x"\nwwwauth[]=Negotiate\n',
        b'wwwauth[]=Basic realm="Bearer tokens welcome, Bearer x"\n',  # only inside a quote
        b"wwwauth[]=Bearer realm=x\nwwwauth[]=\nwwwauth[]=Basic realm=y\n",  # reset, then Basic
        b"wwwauth[]=Bearerish realm=x\n",
    ],
    ids=["none", "basic", "basic-negotiate", "quoted", "reset", "lookalike"],
)
def test_a_basic_only_server_gets_the_token_as_a_password_even_from_new_git(
    logged_in, challenges: bytes
) -> None:
    assert get(AUTHTYPE + challenges + HTTPS) == basic_answer()


@pytest.mark.parametrize(
    "declared",
    [
        b"",  # git 2.41-2.45: challenges, but no capabilities
        b"capability[]=state\n",  # another capability only
        b"capability[]=authtypes\ncapability[]=Authtype\n",  # look-alikes
        b"capability=authtype\n",  # not the list key
    ],
    ids=["none", "state-only", "lookalikes", "not-a-list"],
)
def test_a_bearer_challenge_without_the_authtype_capability_gets_a_password(
    logged_in, declared: bytes
) -> None:
    # gitcredentials(7): authtype, credential and ephemeral only for a caller that declared
    # capability[]=authtype; git before 2.46 would take the answer's fields as something else.
    challenges = b'wwwauth[]=Bearer realm="x"\nwwwauth[]=Basic realm="x"\n'
    assert get(declared + challenges + HTTPS) == basic_answer()


@pytest.mark.parametrize(
    "value",
    ["Bearer", "bearer", "BEARER realm=x", 'Basic realm="a", Bearer realm="b"',
     'Basic realm="a, b",Bearer', "Newauth realm=x, Bearer error=invalid_token"],
)  # fmt: skip
def test_bearer_is_found_in_any_case_and_any_challenge_of_a_value(value: str) -> None:
    assert offers_bearer([value])


@pytest.mark.parametrize(
    "value", ["", "Basic", 'Basic realm="Bearer"', "Basic realm=x, bearer_like=1", "Bearer2 x"]
)
def test_no_bearer_scheme_no_bearer(value: str) -> None:
    assert not offers_bearer([value])


def test_the_request_keeps_every_challenge_in_order() -> None:
    request = read_request(io.BytesIO(b"wwwauth[]=Basic realm=a\nwwwauth[]=Bearer\n" + HTTPS))
    assert request.wwwauth == ("Basic realm=a", "Bearer")
    assert request.host == "git.example.com"
