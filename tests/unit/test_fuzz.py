"""Every parser of outside input either succeeds or raises its documented error: nothing else."""

from __future__ import annotations

import json
import os
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credhelper import ConfigError, CredentialsRejected, LoginServiceError, Token
from credhelper.profiles import config
from credhelper.profiles import profile as profiles
from credhelper.profiles._validate import make_profile
from credhelper.profiles.profile import as_json
from credhelper.tokens import cache
from credhelper.tokens.oauth import parse_token_response
from credhelper.tokens.token import is_bearer_token, org_id_from_jwt

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=20,
)
token_fields = st.fixed_dictionaries(
    {},
    optional={
        "access_token": st.text()
        | st.from_regex(r"[A-Za-z0-9._~+/-]{1,40}", fullmatch=True)
        | json_values,
        "expires_in": st.integers() | st.floats() | json_values,
        "token_type": st.sampled_from(["bearer", "Bearer", "mac", ""]) | json_values,
        "error": json_values,
        "error_description": json_values,
    },
)


@given(
    status=st.integers(100, 599),
    body=st.binary() | token_fields.map(lambda d: json.dumps(d).encode()),
)
def test_token_responses(status: int, body: bytes) -> None:
    try:
        token = parse_token_response(status, body, now=1000.0)
    except (CredentialsRejected, LoginServiceError) as exc:
        assert "\n" not in str(exc) and "\r" not in str(exc)
        return
    assert status == 200 and is_bearer_token(token.access_token)
    assert 1000.0 < token.expires_at <= 1000.0 + 366 * 86400


@given(payload=st.binary() | json_values.map(lambda v: json.dumps(v).encode()))
def test_cache_files(payload: bytes) -> None:
    profile = make_profile(name="p", client_id="c")
    path = cache._path(profile)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(payload)
    os.chmod(path, 0o600)
    found = cache.read(profile)
    assert found is None or (isinstance(found, Token) and is_bearer_token(found.access_token))


profile_fields = st.dictionaries(
    st.sampled_from([*profiles.Profile.__slots__, "git_hosts", "username", "x"]),
    json_values
    | st.sampled_from(["https://login.example.com", "http://127.0.0.1:1", "staging", "post"])
    | st.fixed_dictionaries({}, optional={"git": json_values, "Docker!": json_values}),
    max_size=6,
)
GOOD = {"client_id": "good", "settings": {"git": {"hosts": ["g.example"]}}}
config_documents = (
    st.binary()
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.dictionaries(st.sampled_from(["default", "ci", "x y"]), json_values | profile_fields,
                      max_size=3).map(lambda found: json.dumps({"profiles": found}).encode())
    | st.dictionaries(st.sampled_from(["default", "ci", "x y"]), json_values | profile_fields,
                      max_size=3).map(lambda found: json.dumps({"profiles": {"good": GOOD, **found}}).encode())
)  # fmt: skip


@given(document=config_documents)
def test_config_files(document: bytes) -> None:
    """Any file: one line of error; or usable profiles, each other entry its own one-line
    problem (a good profile beside them unharmed), and a save that reads back the same."""
    os.makedirs(os.path.dirname(config.path()), exist_ok=True)
    with open(config.path(), "wb") as handle:
        handle.write(document)
    try:
        stored = config.read()
    except ConfigError as exc:
        assert "\n" not in str(exc) and b'"good"' not in document
        return
    assert all("\n" not in problem and "\r" not in problem for problem in stored.broken.values())
    if b'"good"' in document:
        assert stored.profiles["good"] == make_profile(name="good", **GOOD)
    for profile in stored.profiles.values():
        assert profile.token_endpoint.startswith(("https://", "http://"))
        assert isinstance(profile.client_id, str) and isinstance(profile.refresh_margin, int)
        assert not profile.from_environment
        json.dumps(as_json(profile.settings), allow_nan=False)  # settings stay plain, finite JSON
    config.save_all(stored.profiles)
    again = config.read()
    assert again.profiles == stored.profiles and set(again.broken) == set(stored.broken)
    assert all(again.entries[name] == stored.entries[name] for name in stored.broken)  # kept


@given(st.text())
def test_org_ids_from_any_token(value: str) -> None:
    org = org_id_from_jwt(value)
    assert org is None or org.isdigit()


# -- the siblings hypothesis does not reach: deep nesting and numbers beyond range ------------

DEEP = b"[" * 100_000 + b"]" * 100_000


def test_a_deeply_nested_token_answer_is_a_login_service_error() -> None:
    for status in (200, 400):
        try:
            parse_token_response(status, DEEP, now=1000.0)
        except LoginServiceError as exc:
            assert "not JSON" in str(exc) or "HTTP 400" in str(exc)
        else:
            raise AssertionError("a nested answer gave a token")


def test_a_deeply_nested_jwt_payload_has_no_org() -> None:
    import base64

    payload = base64.urlsafe_b64encode(b'{"orgId": 1, "x": ' + DEEP + b"}").decode().rstrip("=")
    assert org_id_from_jwt(f"e30.{payload}.sig") is None


def _write_cache(profile: profiles.Profile, body: bytes) -> None:
    path = cache._path(profile)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(body)
    os.chmod(path, 0o600)


# Issued a moment ago: an entry issued "in the future" is one the clock was set back under.
ISSUED = int(time.time()) - 100
EXPIRES = ISSUED + 1800


def _entry(profile: profiles.Profile, **fields: str) -> bytes:
    entry = {"format": "1", "client_id": json.dumps(profile.client_id),
             "token_url": json.dumps(profile.token_endpoint), "access_token": '"tok"',
             "expires_at": str(EXPIRES), "issued_at": str(ISSUED), "org_id": '"42"', **fields}  # fmt: skip
    return ("{" + ", ".join(f'"{k}": {v}' for k, v in entry.items()) + "}").encode()


def test_a_cache_entry_as_written_is_read() -> None:  # the baseline the refusals below differ from
    profile = make_profile(name="p", client_id="c")
    _write_cache(profile, _entry(profile))
    assert cache.read(profile) == Token(access_token="tok", expires_at=EXPIRES, issued_at=ISSUED,
                                        org_id="42")  # fmt: skip


@pytest.mark.parametrize(
    "fields",
    [{"expires_at": "1e400"}, {"expires_at": "Infinity"}, {"expires_at": "NaN"},
     {"expires_at": "true"}, {"expires_at": "1" + "0" * 400}, {"issued_at": "-Infinity"},
     {"expires_at": f'"{EXPIRES}"'}, {"org_id": '"\\u00b2"'}, {"org_id": '"1; rm -rf ~"'},
     {"org_id": '""'}, {"org_id": "42"}],
)  # fmt: skip
def test_a_cache_entry_with_an_impossible_number_or_org_is_a_miss(fields: dict) -> None:
    profile = make_profile(name="p", client_id="c")
    _write_cache(profile, _entry(profile, **fields))
    assert cache.read(profile) is None


def test_a_deeply_nested_cache_file_is_a_miss() -> None:
    profile = make_profile(name="p", client_id="c")
    _write_cache(profile, DEEP)
    assert cache.read(profile) is None
