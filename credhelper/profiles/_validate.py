"""The checks a profile passes before anything uses it: a config file edited by hand may hold
anything, and so may the options of a command line.

``make_profile`` is the one way to a checked ``Profile``; the URL rules, ``is_loopback`` (the one
home of the rule that plain http may only go to this machine) among them, live in ``_urls``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from types import MappingProxyType

from ..errors import ConfigError, shown
from ._regions import checked_region
from ._urls import check_realm, check_url
from .profile import AUTH_METHODS, ENV_ALIASES, ENVIRONMENTS, Profile, as_json, read_only

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeGuard

# Names, as sets of ASCII characters rather than regular expressions: compiling one costs a
# cache hit more than all its checks together (tests/unit/test_hit_path.py holds the patterns).
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_ALNUM = _LOWER | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_NAME_CHARS = _ALNUM | frozenset("._-")  # profiles: [A-Za-z0-9][A-Za-z0-9._-]{0,63}
_INTEGRATION_CHARS = _LOWER | frozenset("0123456789_-")  # integrations: [a-z][a-z0-9_-]{0,31}
# Bounds on what integrations keep in a profile's settings: far beyond any real use, near enough
# that a runaway or hostile file is refused rather than carried along.
MAX_DEPTH = 8  # an integration's settings object is depth 1
MAX_TEXT = 4096  # characters in one string
MAX_SETTINGS = 65536  # characters of one integration's settings as JSON
MAX_INT = 2**53 - 1  # RFC 8259 §6: the integers JSON implementations agree on
_MAX_FLOAT = sys.float_info.max


def check_name(name: str) -> str:
    if not _is_name(name, _ALNUM, _NAME_CHARS, 64):
        raise ConfigError(
            f"bad profile name {shown(name)}: use letters, digits, '.', '_' or '-' (at most 64)"
        )
    return name


def _is_name(
    value: object, first: frozenset[str], rest: frozenset[str], most: int
) -> TypeGuard[str]:
    return (
        isinstance(value, str)
        and 0 < len(value) <= most
        and value[0] in first
        and rest.issuperset(value)
    )


def _is_integration_name(value: object) -> TypeGuard[str]:
    return _is_name(value, _LOWER, _INTEGRATION_CHARS, 32)


def canonical_env(name: str) -> str:
    env = ENV_ALIASES.get(name.lower(), name.lower())
    if env not in ENVIRONMENTS:
        choices = ", ".join([*ENVIRONMENTS, *ENV_ALIASES])
        raise ConfigError(f"unknown environment {shown(name)}: choose one of {choices}")
    return env


def make_profile(**fields: object) -> Profile:
    """A checked Profile: one-line text, known environment and auth method, safe URLs, sane
    numbers, bounded settings (read-only from here on)."""
    profile = Profile(**fields)  # type: ignore[arg-type]  # values checked at run time, here:
    _check_text(profile)
    canonical = canonical_env(profile.env)
    if not profile.client_id or ":" in profile.client_id:
        raise ConfigError("bad client id: it must be non-empty, without ':' or control characters")
    if profile.auth_method not in AUTH_METHODS:
        raise ConfigError(
            f"unknown auth method {profile.auth_method!r}: choose one of {', '.join(AUTH_METHODS)}"
        )
    _check_key_fields(profile)
    _check_numbers(profile)
    for what in ("base_url", "token_url", "platform_url"):
        url = getattr(profile, what)
        if url is not None:
            check_url(url, what.replace("_", " "), query=what == "token_url")
    check_realm(profile.realm)
    settings = checked_settings(profile.settings)
    region = checked_region(canonical, profile.region)
    return profile.replace(env=canonical, region=region, settings=settings)


_TEXT = ("client_id", "env", "auth_method")
_OPTIONAL_TEXT = ("region", "base_url", "realm", "token_url", "platform_url", "ca_file", "key_file",
                  "key_id")  # fmt: skip
MAX_KEY_ID = 256  # a JWS header value (RFC 7515 §4.1.4); Keycloak's own are 43 characters


def _check_text(profile: Profile) -> None:
    for field in _TEXT + _OPTIONAL_TEXT:
        value = getattr(profile, field)
        if value is None and field in _OPTIONAL_TEXT:
            continue
        if not isinstance(value, str) or not value.isprintable():
            what = field.replace("_", " ")
            raise ConfigError(f"bad {what} {shown(value)}: expected one line of text")


def _check_numbers(profile: Profile) -> None:
    # Comparisons refuse NaN and infinity too: neither lies within a range.
    margin = profile.refresh_margin
    if isinstance(margin, bool) or not isinstance(margin, int) or not 0 <= margin <= 86400:
        raise ConfigError(f"bad refresh margin {shown(margin)}: seconds from 0 to 86400")
    timeout = profile.timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        raise ConfigError(f"bad timeout {shown(timeout)}: seconds, more than 0 and at most 300")


def _check_key_fields(profile: Profile) -> None:
    if profile.key_file is not None and not profile.uses_key:
        raise ConfigError("a key file goes with auth method 'key' only")
    if profile.key_id is not None and not profile.uses_key:
        raise ConfigError("a key id goes with auth method 'key' only")
    if profile.key_id is not None and len(profile.key_id) > MAX_KEY_ID:
        raise ConfigError(f"bad key id {shown(profile.key_id)}: at most {MAX_KEY_ID} characters")
    key_file = profile.key_file
    if key_file is not None and not os.path.isabs(key_file):
        raise ConfigError(f"bad key file {shown(key_file, 200)}: expected an absolute path")


# -- integration settings: JSON values within bounds, never interpreted here --------------------


def checked_settings(value: object) -> Mapping[str, Mapping[str, object]]:
    """A profile's settings, checked and read-only: integration name -> its settings object."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"bad settings {shown(value)}: expected an object")
    return MappingProxyType({_integration(k): checked_integration(k, v) for k, v in value.items()})


def checked_integration(name: str, values: object) -> Mapping[str, object]:
    """One integration's settings, checked and read-only."""
    _integration(name)
    if not isinstance(values, Mapping):
        raise ConfigError(f"bad {name} settings {shown(values)}: expected an object")
    _check_value(values, name, 1)
    frozen = read_only(values)
    if len(json.dumps(as_json(frozen))) > MAX_SETTINGS:
        raise ConfigError(f"bad {name} settings: more than {MAX_SETTINGS} characters as JSON")
    return frozen  # type: ignore[return-value]


def _integration(name: object) -> str:
    if not _is_integration_name(name):
        raise ConfigError(
            f"bad integration name {shown(name)}: lower-case letters, digits, '_' or '-'"
        )
    return name


def _check_value(value: object, path: str, depth: int) -> None:
    """Refuse ``value`` unless it is a JSON value within the bounds."""
    if depth > MAX_DEPTH and isinstance(value, (Mapping, list, tuple)):
        raise ConfigError(f"bad setting {path}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_value(item, f"{path}.{_key(key, path)}", depth + 1)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_value(item, f"{path}[{index}]", depth + 1)
    else:
        problem = _leaf_problem(value)
        if problem:
            raise ConfigError(f"bad setting {path} {shown(value)}: {problem}")


def _leaf_problem(value: object) -> str | None:
    """What is wrong with a setting that is not an object or an array; None: nothing."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        ok = len(value) <= MAX_TEXT and value.isprintable()
        return None if ok else f"expected one line of text (at most {MAX_TEXT} characters)"
    if isinstance(value, (int, float)):
        # Finite: NaN and the infinities fail the comparison (math.isfinite, without loading math).
        ok = -MAX_INT <= value <= MAX_INT if isinstance(value, int) else abs(value) <= _MAX_FLOAT
        return None if ok else f"expected a finite number (integers within ±{MAX_INT})"
    return "expected a JSON value (text, number, true, false, null, array or object)"


def _key(key: object, path: str) -> str:
    if not isinstance(key, str) or not key or len(key) > 128 or not key.isprintable():
        raise ConfigError(f"bad setting name {shown(key)} in {path}: expected a short name")
    return key


