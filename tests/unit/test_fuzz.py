"""Every parser of outside input either succeeds or raises its documented error: nothing else."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credhelper import ConfigError, CredentialsRejected, LoginServiceError, Token, cache, profiles
from credhelper.oauth import parse_token_response
from credhelper.tokens import is_bearer_token, org_id_from_jwt

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
fuzz = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@fuzz
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


@fuzz
@given(payload=st.binary() | json_values.map(lambda v: json.dumps(v).encode()))
def test_cache_files(payload: bytes) -> None:
    profile = profiles.make_profile(name="p", client_id="c")
    path = cache._path(profile)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(payload)
    os.chmod(path, 0o600)
    found = cache.read(profile)
    assert found is None or (isinstance(found, Token) and is_bearer_token(found.access_token))


profile_fields = st.dictionaries(
    st.sampled_from([*profiles.Profile.__slots__, "x"]),
    json_values
    | st.sampled_from(["https://login.example.com", "http://127.0.0.1:1", "staging", "post"]),
    max_size=6,
)
config_documents = (
    st.binary()
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.dictionaries(st.sampled_from(["default", "ci", "x y"]), profile_fields, max_size=3).map(
        lambda found: json.dumps({"profiles": found}).encode()
    )
)


@fuzz
@given(document=config_documents)
def test_config_files(document: bytes) -> None:
    os.makedirs(os.path.dirname(profiles.config_path()), exist_ok=True)
    with open(profiles.config_path(), "wb") as handle:
        handle.write(document)
    try:
        loaded = profiles.load_all()
    except ConfigError as exc:
        assert "\n" not in str(exc)
        return
    for profile in loaded.values():
        assert profile.token_endpoint.startswith(("https://", "http://"))
        assert isinstance(profile.client_id, str) and isinstance(profile.refresh_margin, int)
        assert not profile.from_environment


@fuzz
@given(st.text())
def test_org_ids_from_any_token(value: str) -> None:
    org = org_id_from_jwt(value)
    assert org is None or org.isdigit()
