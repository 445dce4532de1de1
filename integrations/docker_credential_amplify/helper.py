"""The helper behind the protocol: a registry's credentials are its profile's client id and
client secret (Axway's registries take exactly that), the secret read from the keyring.

It knows nothing of stdin, JSON or exit codes, and returns data, never a note for the user: it
says "not found" with ``NotFound`` (naming why when the user must know, for ``protocol`` to
say) and refuses with ``HelperError``.

What it does with each action:

- ``get`` answers only for a registry assigned to a profile, and only from a profile with a
  client secret: a key profile has no password to give.
- ``store`` (what ``docker login`` sends after the registry accepted the credentials) never
  writes a secret. The keyring already holds the profile's secret, put there by
  ``amplify-credhelper login``, the one place that proves a secret with a token request before
  keeping it. So ``store`` accepts exactly the credentials the registry's profile holds (a
  ``docker login`` that re-checks them succeeds) and refuses anything else, saying what to run.
- ``erase`` (``docker logout``) takes the registry from its profile; the secret stays, since
  the profile still mints tokens with it (``amplify-credhelper logout`` removes it).
- ``list`` names every registry ``get`` would answer for, with its user name.
"""

from __future__ import annotations

from credhelper import Profile, client_secret, is_loopback
from credhelper.commands import PROG as CLI

from .assignments import served, serving_profile, unassign
from .names import BadRegistry, is_plain_http, normalise
from .protocol import HelperError, NotFound


class ProfileRegistries:
    """Registry credentials from the profiles that the user assigned registries to."""

    def get(self, server_url: str) -> tuple[str, str]:
        registry = _registry(server_url)
        profile = serving_profile(registry)
        if profile is None:
            raise NotFound()  # not ours, said quietly: a credsStore asks about every registry
        if is_plain_http(server_url) and not is_loopback(registry):
            raise NotFound("plain-http", registry)
        if profile.uses_key:
            raise NotFound("private-key", registry, profile.name)
        return profile.client_id, client_secret(profile)

    def add(self, server_url: str, username: str, secret: str) -> None:
        try:
            registry = normalise(server_url)
        except BadRegistry as exc:
            raise HelperError(f"not storing credentials: {exc}") from None
        profile = serving_profile(registry)
        if profile is None:
            raise HelperError(
                f"not storing credentials for {registry}: no profile serves it, and this helper "
                f"keeps secrets only through `{CLI} login`: run `{CLI} login --profile P "
                f"--client-id ID`, then `{CLI} setup-docker --profile P {registry}`"
            )
        # The keyring holds these already: nothing to write.
        _check_same_credentials(registry, profile, username, secret)

    def delete(self, server_url: str) -> tuple[str, str]:
        """Unassign the registry; (the registry, the profile that served it)."""
        registry = _registry(server_url)
        profile = serving_profile(registry)
        if profile is None:
            raise NotFound()
        if profile.from_environment:
            raise HelperError(
                f"{registry} is served by the AMPLIFY_CLIENT_ID/_SECRET profile: remove it from "
                "AMPLIFY_DOCKER_REGISTRIES instead"
            )
        taken = unassign([registry])  # under the config lock, as the profiles are then
        if registry not in taken:
            raise NotFound()  # another erase or setup-docker took it meanwhile
        return registry, taken[registry]

    def list(self) -> dict[str, str]:
        return {r: p.client_id for r, p in served().items() if not p.uses_key}


def _registry(server_url: str) -> str:
    try:
        return normalise(server_url)
    except BadRegistry:
        raise NotFound() from None  # no profile serves what names no registry


def _check_same_credentials(registry: str, profile: Profile, username: str, secret: str) -> None:
    whose = _whose(profile)
    refused = f"not storing credentials for {registry}, which {whose} serves"
    if profile.uses_key:
        raise HelperError(f"{refused}: it uses a private key, and a registry takes a secret")
    # Neither value is ever quoted back: a user name field sometimes holds a pasted secret.
    if username != profile.client_id:
        raise HelperError(
            f"{refused} as client {profile.client_id}, not as the user name given; for another "
            f"service account: `{CLI} login --profile NEW --client-id ID`, then "
            f"`{CLI} setup-docker --profile NEW {registry}`"
        )
    import hmac  # here, not above: it loads OpenSSL's hashes, a fifth of every `get`'s work

    if not hmac.compare_digest(secret.encode(), client_secret(profile).encode()):
        fix = (
            "set AMPLIFY_CLIENT_SECRET to the new secret"
            if profile.from_environment
            else f"run `{CLI} login --profile {profile.name}`, which proves it and keeps it"
        )
        raise HelperError(
            f"{refused}: the password is not the secret kept for it; if the secret changed, {fix}"
        )


def _whose(profile: Profile) -> str:
    if profile.from_environment:
        return "the AMPLIFY_CLIENT_ID/_SECRET profile"
    return f"profile {profile.name!r}"
