"""Profiles: which service account, against which login service, and how to use it.

Profiles live in one human-readable JSON file, ``config.json`` in the user config folder. It
never holds a secret: secrets live in the keyring. JSON rather than INI or TOML because the
cache-hit path reads this file, ``json`` is loaded there anyway, and configparser would cost
about a third of that path's budget.
"""

from __future__ import annotations

import os
import re

from . import _files
from ._record import Record
from ._urls import check_realm, check_url
from .errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

# Login services of the Amplify Platform (a Keycloak realm each), and the aliases the
# official CLI accepts for them.
ENVIRONMENTS = {
    "prod": ("https://login.axway.com", "https://platform.axway.com"),
    "staging": ("https://login.axwaytest.net", "https://platform.axwaytest.net"),
    "preprod": ("https://login.na-us.axwaypreprod.net", "https://platform.na-us.axwaypreprod.net"),
}
ENV_ALIASES = {"production": "prod", "dev": "staging", "test": "staging"}
DEFAULT_REALM = "Broker"
SECRET_METHODS = ("basic", "post")  # how a client secret is sent (RFC 6749 §2.3.1)
AUTH_METHODS = (*SECRET_METHODS, "key")  # "key": a signed client assertion (RFC 7523)
DEFAULT_PROFILE = "default"
ENV_PROFILE = "(environment)"  # the profile AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET define
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


class Profile(Record):
    """One service account and how to reach its login service."""

    __slots__ = (
        "name",
        "client_id",
        "env",
        "base_url",
        "realm",
        "token_url",
        "platform_url",
        "auth_method",
        "refresh_margin",
        "timeout",
        "ca_file",
        "username",
        "git_hosts",
        "key_file",
        "from_environment",
    )
    _defaults = {
        "env": "prod",
        "base_url": None,
        "realm": None,
        "token_url": None,
        "platform_url": None,
        "auth_method": "basic",
        "refresh_margin": 300,
        "timeout": 10.0,
        "ca_file": None,
        "username": None,
        "git_hosts": (),
        "key_file": None,
        "from_environment": False,
    }
    name: str
    client_id: str
    env: str
    base_url: str | None
    realm: str | None
    token_url: str | None
    platform_url: str | None
    auth_method: str
    refresh_margin: int
    timeout: float  # seconds, for connecting and for each read
    ca_file: str | None  # a private certificate authority's PEM bundle
    username: str | None
    git_hosts: tuple[str, ...]
    key_file: str | None  # a kept private key file, read at each mint instead of the keyring
    from_environment: bool

    @property
    def uses_key(self) -> bool:
        return self.auth_method == "key"

    @property
    def login_base_url(self) -> str:
        return (self.base_url or ENVIRONMENTS[self.env][0]).rstrip("/")

    @property
    def login_realm(self) -> str:
        return self.realm or DEFAULT_REALM

    @property
    def issuer(self) -> str:
        """The realm's issuer URL, the audience of client assertions."""
        return f"{self.login_base_url}/auth/realms/{self.login_realm}"

    @property
    def token_endpoint(self) -> str:
        return self.token_url or f"{self.issuer}/protocol/openid-connect/token"

    @property
    def platform_base_url(self) -> str:
        return (self.platform_url or ENVIRONMENTS[self.env][1]).rstrip("/")


def canonical_env(name: str) -> str:
    env = ENV_ALIASES.get(name.lower(), name.lower())
    if env not in ENVIRONMENTS:
        choices = ", ".join([*ENVIRONMENTS, *ENV_ALIASES])
        raise ConfigError(f"unknown environment {name!r}: choose one of {choices}")
    return env


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(
            f"bad profile name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)"
        )
    return name


def make_profile(**fields: object) -> Profile:
    """A checked Profile: known environment, safe URLs, known auth method, sane margin."""
    profile = Profile(**fields)
    _check_types(profile)
    canonical = canonical_env(profile.env)
    if not profile.client_id or any(c in profile.client_id for c in "\r\n\0:"):
        raise ConfigError("bad client id: it must be non-empty, without ':' or control characters")
    if profile.auth_method not in AUTH_METHODS:
        raise ConfigError(
            f"unknown auth method {profile.auth_method!r}: choose one of {', '.join(AUTH_METHODS)}"
        )
    _check_key_file(profile)
    margin = profile.refresh_margin
    if isinstance(margin, bool) or not isinstance(margin, int) or not 0 <= margin <= 86400:
        raise ConfigError(f"bad refresh margin {margin!r}: seconds from 0 to 86400")
    timeout = profile.timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        raise ConfigError(f"bad timeout {timeout!r}: seconds, more than 0 and at most 300")
    for what in ("base_url", "token_url", "platform_url"):
        url = getattr(profile, what)
        if url is not None:
            check_url(url, what.replace("_", " "), query=what == "token_url")
    check_realm(profile.realm)
    return profile.replace(env=canonical, git_hosts=tuple(profile.git_hosts))  # type: ignore[return-value]


_TEXT = ("client_id", "env", "auth_method")
_OPTIONAL_TEXT = (
    "base_url",
    "realm",
    "token_url",
    "platform_url",
    "ca_file",
    "username",
    "key_file",
)


def _check_types(profile: Profile) -> None:
    """Text fields are single-line text: a config file edited by hand may hold anything."""
    for field in _TEXT + _OPTIONAL_TEXT:
        value = getattr(profile, field)
        if value is None and field in _OPTIONAL_TEXT:
            continue
        if not isinstance(value, str) or not value.isprintable():
            what = field.replace("_", " ")
            raise ConfigError(f"bad {what} {_shown(value)}: expected one line of text")
    hosts = profile.git_hosts
    if not isinstance(hosts, (tuple, list)) or not all(_is_host_pattern(h) for h in hosts):
        raise ConfigError(f"bad git hosts {_shown(hosts)}: expected host names")


def _is_host_pattern(value: object) -> bool:
    return isinstance(value, str) and bool(value) and value.isprintable() and " " not in value


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_key_file(profile: Profile) -> None:
    if profile.key_file is not None and not profile.uses_key:
        raise ConfigError("a key file goes with auth method 'key' only")
    key_file = profile.key_file
    if key_file is not None and not (isinstance(key_file, str) and os.path.isabs(key_file)):
        raise ConfigError(f"bad key file {key_file!r}: expected an absolute path")


# -- the config file --------------------------------------------------------------------


def config_path() -> str:
    return os.path.join(_files.config_dir(), "config.json")


def load_all() -> dict[str, Profile]:
    """Every stored profile by name; an empty dict when there is no config file yet."""
    path = config_path()
    try:
        with open(path, "rb") as handle:
            data = _parse_config(handle.read(), path)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    return {name: _profile_from(name, fields, path) for name, fields in data.items()}


def _parse_config(raw: bytes, path: str) -> dict[str, dict[str, object]]:
    import json

    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}): fix or remove it") from exc
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, dict) or not all(isinstance(v, dict) for v in profiles.values()):
        raise ConfigError(f"{path} has no 'profiles' object: fix or remove it")
    return profiles


def _profile_from(name: str, fields: Mapping[str, object], path: str) -> Profile:
    stored = set(Profile.__slots__) - {"name", "from_environment"}
    known = {k: v for k, v in fields.items() if k in stored}
    if isinstance(known.get("git_hosts"), list):
        known["git_hosts"] = tuple(known["git_hosts"])  # type: ignore[arg-type]
    try:
        return make_profile(name=check_name(name), **known)
    except (ConfigError, TypeError) as exc:
        raise ConfigError(f"profile {name!r} in {path}: {exc}") from exc


def save_all(profiles: Mapping[str, Profile]) -> None:
    with stage_all(profiles) as staged:
        staged.commit()


def stage_all(profiles: Mapping[str, Profile]) -> _files.Staged:
    """config.json holding ``profiles``, written in full beside the file, not yet in place."""
    stored = {name: _stored_fields(p) for name, p in sorted(profiles.items())}
    return _files.stage_private(config_path(), _files.dumps({"profiles": stored}))


def _stored_fields(profile: Profile) -> dict[str, object]:
    """What the file keeps: the values that differ from the defaults, for a readable file."""
    fields = profile.as_dict()
    fields["git_hosts"] = list(profile.git_hosts)
    skip = {"name", "from_environment"}
    return {
        k: v
        for k, v in fields.items()
        if k not in skip and v != Profile._defaults.get(k, object()) and v not in (None, [])
    }


# -- choosing the profile in use -----------------------------------------------------------


def select(name: str | None = None, environ: Mapping[str, str] | None = None) -> Profile:
    """The profile to use: ``name``; else the AMPLIFY_CLIENT_ID/_SECRET pair; else
    $AMPLIFY_PROFILE; else 'default'."""
    env = os.environ if environ is None else environ
    if name is None and environment_defined(env):
        return from_environment(env)
    chosen = name or env.get("AMPLIFY_PROFILE") or DEFAULT_PROFILE
    profile = load_all().get(chosen)
    if profile is None:
        raise ConfigError(
            f"no profile {chosen!r}: run `amplify-credhelper login --profile {chosen} "
            "--client-id ID` first (or set AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET)"
        )
    return profile


def from_environment(env: Mapping[str, str]) -> Profile:
    """The profile CI defines with variables alone: no keyring, no config file."""
    if env.get("AMPLIFY_AUTH_METHOD") == "key":
        raise ConfigError(
            "AMPLIFY_AUTH_METHOD=key: AMPLIFY_CLIENT_SECRET holds a secret, not a key; log in "
            "with `amplify-credhelper login --key-file PATH` instead"
        )
    return make_profile(
        name=ENV_PROFILE,
        client_id=env["AMPLIFY_CLIENT_ID"],
        env=env.get("AMPLIFY_ENV") or "prod",
        base_url=env.get("AMPLIFY_BASE_URL") or None,
        realm=env.get("AMPLIFY_REALM") or None,
        token_url=env.get("AMPLIFY_TOKEN_URL") or None,
        auth_method=env.get("AMPLIFY_AUTH_METHOD") or "basic",
        git_hosts=tuple(env.get("AMPLIFY_GIT_HOSTS", "").replace(",", " ").split()),
        from_environment=True,
    )


def environment_defined(env: Mapping[str, str] | None = None) -> bool:
    """Whether AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET define a profile."""
    env = os.environ if env is None else env
    return bool(env.get("AMPLIFY_CLIENT_ID") and env.get("AMPLIFY_CLIENT_SECRET"))
