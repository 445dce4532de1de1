"""Where a profile's client secret (or private key) comes from, on a miss only: the
environment for the CI profile, a kept key file, else the keyring. A mint, a revocation at
logout and ``client_secret`` (for a tool that must be given the secret itself) all read it here.
"""

from __future__ import annotations

import os

from ..errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..profiles.profile import Profile


def _environment_secret() -> str:
    secret = os.environ.get("AMPLIFY_CLIENT_SECRET")
    if not secret:  # only exec's mark defines the profile without it (see _select)
        raise ConfigError(
            "AMPLIFY_CLIENT_SECRET was withheld from this program by `amplify-credhelper exec`, "
            "so no new token can be minted here: use $AMPLIFY_TOKEN (good until "
            "$AMPLIFY_TOKEN_EXPIRES_AT), or run exec with --keep-secret-env"
        )
    return secret


def secret_for(profile: Profile) -> str:
    """The secret (or private key, PEM) that proves ``profile``'s client: from the environment
    for the CI profile, the kept key file, or the keyring."""
    if profile.from_environment:
        return _environment_secret()
    if profile.key_file is not None:
        return _kept_key(profile.key_file)
    from ..profiles import _keyring

    secret = _keyring.get_secret(profile)
    what, option = ("private key", " --key-file PATH") if profile.uses_key else ("secret", "")
    login = f"`amplify-credhelper login --profile {profile.name}{option}`"
    if secret is None:
        raise ConfigError(f"no {what} for profile {profile.name!r} in the keyring: run {login}")
    if _keyring.holds_private_key(secret) != profile.uses_key:
        # 0.1.0 shared one entry among the profiles of a client, so another profile's login
        # could leave a key where a secret belongs (or the reverse): never send it.
        held = "a private key" if not profile.uses_key else "a client secret"
        raise ConfigError(
            f"the keyring holds {held}, not the {what}, for profile {profile.name!r} (a login "
            f"of another profile of this client overwrote it): run {login} again"
        )
    return secret


def _kept_key(path: str) -> str:
    from . import _assertion

    source = f"the key file {path}"
    data = _assertion.read_key_file(path, private=True)
    return _assertion.private_pem(data, source, _assertion.no_passphrase(source))
