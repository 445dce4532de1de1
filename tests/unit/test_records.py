"""The value types: declared once, copyable and picklable (tests/integration/test_typing.py:
mypy checks what users construct)."""

from __future__ import annotations

import copy
import pickle

import pytest

from credhelper import Profile, Token
from credhelper._record import Record
from credhelper.profiles._validate import make_profile
from credhelper.profiles.profile import NO_SETTINGS

TOKEN = Token(access_token="secret-token", expires_at=2000.0, org_id="42", issued_at=200.0)
PROFILE = make_profile(
    name="ci", client_id="ci-client", settings={"git": {"hosts": ["git.example.com"]}}
)


def _twins(value: Record) -> tuple[Record, ...]:
    return copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))  # noqa: S301


@pytest.mark.parametrize("value", [TOKEN, PROFILE], ids=["token", "profile"])
def test_copies_and_pickles_are_equal_and_still_immutable(value: Record) -> None:
    for twin in _twins(value):
        assert twin == value and type(twin) is type(value)
        with pytest.raises(AttributeError, match="is immutable: use replace"):
            twin.org_id = "1"  # type: ignore[misc]
    assert hash(_twins(TOKEN)[2]) == hash(TOKEN)


def test_a_profiles_copies_keep_its_settings_read_only_and_it_has_no_hash() -> None:
    for twin in _twins(PROFILE):
        assert isinstance(twin, Profile)
        assert twin.settings["git"]["hosts"] == ("git.example.com",)
        with pytest.raises(TypeError):
            twin.settings["git"]["hosts"] = ()  # type: ignore[index]
    with pytest.raises(TypeError, match="unhashable type: 'Profile'"):
        hash(PROFILE)


def test_each_field_is_declared_once_and_defaults_apply() -> None:
    assert Token._fields == ("access_token", "expires_at", "org_id", "issued_at")
    assert Token(access_token="t", expires_at=1.0).as_dict() == {
        "access_token": "t", "expires_at": 1.0, "org_id": None, "issued_at": None,
    }  # fmt: skip
    assert Profile._fields[-2:] == ("settings", "from_environment")
    plain = Profile(name="p", client_id="c")
    assert (plain.refresh_margin, plain.settings, plain.from_environment) == (
        300,
        NO_SETTINGS,
        False,
    )


def test_the_repr_hides_the_secret_and_replace_keeps_the_type() -> None:
    assert repr(TOKEN) == "Token(access_token=***, expires_at=2000.0, org_id='42', issued_at=200.0)"
    renewed = TOKEN.replace(org_id=None)
    assert type(renewed) is Token and renewed.org_id is None and TOKEN.org_id == "42"


def test_construction_refuses_unknown_and_missing_fields_at_run_time() -> None:
    with pytest.raises(TypeError, match=r"Token\(\) got unknown fields \['acces_token'\]"):
        Token(acces_token="x", expires_at=1.0, access_token="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"Token\(\) needs 'expires_at'"):
        Token(access_token="x")  # type: ignore[call-arg]


def test_a_subclass_inherits_the_fields_and_adds_its_own() -> None:
    class Stamped(Token):
        stamp: str = "s"

    assert Stamped._fields[-1] == "stamp" and Stamped(access_token="x", expires_at=1).stamp == "s"
