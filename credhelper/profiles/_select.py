"""Choosing the profile in use: the one rule, ``load_profile``, and the profile CI defines with
environment variables alone (no keyring, no config file)."""

from __future__ import annotations

import os

from ..errors import PROG, ConfigError
from . import config
from ._validate import check_name, make_profile
from .profile import DEFAULT_PROFILE, ENV_PROFILE, Profile


def load_profile(name: str | Profile | None = None) -> Profile:
    """The profile to use: ``name``; else the AMPLIFY_CLIENT_ID/_SECRET pair; else
    $AMPLIFY_PROFILE; else 'default'. A Profile given is returned as it is."""
    if isinstance(name, Profile):
        return name
    if name is None and environment_defined():
        return environment_profile()
    return config.stored_profile(config.read(), stored_name(name))


def stored_name(name: str | None = None) -> str:
    """The stored profile ``name`` means: itself, else $AMPLIFY_PROFILE, else 'default'."""
    return check_name(name or os.environ.get("AMPLIFY_PROFILE") or DEFAULT_PROFILE)


def list_profiles() -> list[Profile]:
    """Every usable profile: the one AMPLIFY_CLIENT_ID/_SECRET define (if set) first, then the
    stored ones by name (``config.read`` tells the unusable ones)."""
    found = [stored for _, stored in sorted(config.load_all().items())]
    if environment_defined():
        found.insert(0, environment_profile())
    return found


# Set by `exec` in CMD's environment where it removed AMPLIFY_CLIENT_SECRET: the profile the
# variables defined stays the one in use inside CMD (its cached token still serves), rather
# than a stored profile taking its place unnoticed; only minting needs the secret.
SECRET_WITHHELD = "AMPLIFY_CLIENT_SECRET_WITHHELD"  # noqa: S105 (a variable's name)


def environment_defined() -> bool:
    """Whether AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET (or, inside `exec`, the mark that
    exec withheld the secret) define a profile."""
    env = os.environ
    secret = env.get("AMPLIFY_CLIENT_SECRET") or env.get(SECRET_WITHHELD) == "1"
    return bool(env.get("AMPLIFY_CLIENT_ID") and secret)


def environment_profile() -> Profile:
    """The profile CI defines with variables alone. Integrations read their own variables for
    it (AMPLIFY_GIT_HOSTS, AMPLIFY_DOCKER_REGISTRIES): its settings are empty."""
    env = os.environ
    if env.get("AMPLIFY_AUTH_METHOD") == "key":
        raise ConfigError(
            "AMPLIFY_AUTH_METHOD=key: AMPLIFY_CLIENT_SECRET holds a secret, not a key; log in "
            f"with `{PROG} login --key-file PATH` instead"
        )
    return make_profile(
        name=ENV_PROFILE,
        client_id=env["AMPLIFY_CLIENT_ID"],
        env=env.get("AMPLIFY_ENV") or "prod",
        region=env.get("AMPLIFY_REGION") or None,
        base_url=env.get("AMPLIFY_BASE_URL") or None,
        realm=env.get("AMPLIFY_REALM") or None,
        token_url=env.get("AMPLIFY_TOKEN_URL") or None,
        auth_method=env.get("AMPLIFY_AUTH_METHOD") or "basic",
        from_environment=True,
    )
