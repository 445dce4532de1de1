"""The core's two questions, "a valid token for profile P" and "this token was refused",
plus proving and saving a new profile (login), removing one (logout), and handing a secret
profile's client secret to a tool that must be given the secret itself.

A cache hit touches only the profile file and the cache file: keyring and httpx are imported
on a miss, when a token has to be minted.
"""

from __future__ import annotations

import os
import time
import warnings

from . import _log, cache, config
from ._select import load_profile
from .errors import ConfigError, KeyringUnavailable, LoginServiceError
from .profiles import Profile
from .tokens import Token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from filelock import BaseFileLock

LOCK_TIMEOUT = 60.0  # longer than a mint's whole retry deadline


class CacheWarning(UserWarning):
    """The token cache could not be used; tokens still work, each call mints one."""


def get_token(profile: str | Profile | None = None, *, refresh: bool = False) -> Token:
    """A token for ``profile`` with more than its refresh margin left, minting one if needed.

    Any number of processes asking at once cause one token request: the first takes the
    lock and mints; the others wait, look at the cache again, and find its token.
    """
    chosen = load_profile(profile)
    if not refresh:
        token = _fresh_from_cache(chosen)
        if token is not None:
            return token
    with _MintLock(chosen):
        if not refresh:
            token = _fresh_from_cache(chosen)
            if token is not None:
                return token
        token = mint(chosen, _secret_for(chosen))
        _store(chosen, token)
        return token


def forget_token(token: Token | str, profile: str | Profile | None = None) -> bool:
    """Drop the cached token if it is ``token`` (one a server just refused); True if dropped.

    Only a match is dropped, so a stale refusal never throws away a newer token that another
    process has minted meanwhile.
    """
    chosen = load_profile(profile)
    value = token.access_token if isinstance(token, Token) else token
    cached = cache.read(chosen)
    if cached is None or cached.access_token != value:
        return False
    _log.debug("forgetting the refused token of profile %s", chosen.name)
    return cache.delete(chosen)


def mint(profile: Profile, secret: str) -> Token:
    """One token request (retried on failures that may pass); the token, not yet cached."""
    from . import _http, oauth

    _log.debug("minting a token for profile %s at %s", profile.name, profile.token_endpoint)
    request = oauth.build_token_request(profile, secret)
    status, body = _http.send(request, timeout=profile.timeout, ca_file=profile.ca_file)
    return oauth.parse_token_response(status, body, auth_method=profile.auth_method)


def login(profile: Profile, secret: str) -> Token:
    """Prove the credentials with a token, then save the secret, the profile and the token.

    ``secret`` is the client secret or, for a key profile, the private key (PEM). Nothing is
    saved when the token request fails, and the keyring is tried before the network, so an
    unusable keyring costs no request. A key kept in its own file never enters the keyring.
    """
    from . import _keyring

    if profile.key_file is None:
        _keyring_call(profile, _keyring.get_secret)  # fails fast with KeyringUnavailable
    token = mint(profile, secret)
    if profile.key_file is None:
        _keyring_call(profile, _keyring.set_secret, secret)
    else:
        _forget_stored_secret(profile)  # a key an earlier login kept would linger unused
    stored = config.load_all()
    stored[profile.name] = profile
    config.save_all(stored)
    _store(profile, token)
    return token


def logout(profile: Profile) -> None:
    """Remove the secret, then the cached token and the profile (kept if the keyring fails)."""
    from . import _keyring

    if profile.key_file is None:
        _keyring.delete_secret(profile)
    else:
        _forget_stored_secret(profile)  # nothing of ours should be there: no keyring, no failure
    cache.delete(profile)
    stored = config.load_all()
    if stored.pop(profile.name, None) is not None:
        config.save_all(stored)


def _keyring_call(profile: Profile, action: Callable[..., object], *args: str) -> None:
    """``action`` on the keyring; for a key profile, a failure offers keeping the key's file."""
    try:
        action(profile, *args)
    except KeyringUnavailable as exc:
        if not profile.uses_key:
            raise
        raise KeyringUnavailable(_KEY_NOT_KEPT.format(cause=_cause(exc))) from exc


# Windows Credential Manager keeps 2560 bytes of UTF-16: 1280 characters, enough for an EC
# key's PEM (about 240) but not an RSA key's (1700 and more).
_KEY_NOT_KEPT = (
    "the keyring cannot hold the private key ({cause}; Windows Credential Manager keeps at "
    "most 2560 bytes, too few for an RSA key): log in again with --keep-key-file to read the "
    "key from its file at each token, the file readable by you alone"
)


def _cause(exc: KeyringUnavailable) -> str:
    cause = exc.__cause__
    return type(cause).__name__ if cause is not None else "it did not keep it"


def _forget_stored_secret(profile: Profile) -> None:
    import contextlib

    from . import _keyring

    with contextlib.suppress(KeyringUnavailable):  # best effort: the profile no longer reads it
        _keyring.delete_secret(profile)


def _fresh_from_cache(profile: Profile) -> Token | None:
    token = cache.read(profile)
    if token is not None and token.is_fresh(profile.refresh_margin):
        _log.debug("cache hit for profile %s", profile.name)
        return token
    _log.debug("cache miss for profile %s", profile.name)
    return None


def client_secret(profile: str | Profile | None = None) -> str:
    """The client secret of a secret profile, for a tool that must be given the secret itself
    (a registry takes client id and secret): from the keyring, or AMPLIFY_CLIENT_SECRET."""
    chosen = load_profile(profile)
    if chosen.uses_key:
        raise ConfigError(
            f"profile {chosen.name!r} uses a private key: it has no client secret to give"
        )
    return _secret_for(chosen)


def _secret_for(profile: Profile) -> str:
    if profile.from_environment:
        return os.environ["AMPLIFY_CLIENT_SECRET"]
    if profile.key_file is not None:
        return _kept_key(profile.key_file)
    from . import _keyring

    secret = _keyring.get_secret(profile)
    if secret is None:
        what, option = ("private key", " --key-file PATH") if profile.uses_key else ("secret", "")
        raise ConfigError(
            f"no {what} for profile {profile.name!r} in the keyring: run "
            f"`amplify-credhelper login --profile {profile.name}{option}`"
        )
    return secret


def _kept_key(path: str) -> str:
    from . import _assertion

    source = f"the key file {path}"
    data = _assertion.read_key_file(path, private=True)
    return _assertion.private_pem(data, source, _assertion.no_passphrase(source))


def _store(profile: Profile, token: Token) -> None:
    try:
        cache.write(profile, token)
    except OSError as exc:
        warnings.warn(
            f"cannot cache the token ({exc.strerror or exc}): each call will ask for a new one",
            CacheWarning,
            stacklevel=3,
        )


class _MintLock:
    """The profile's cross-process lock; without a usable lock folder, go on unlocked."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._lock: BaseFileLock | None = None

    def __enter__(self) -> None:
        started = time.monotonic()
        try:
            lock = cache.lock(self._profile, LOCK_TIMEOUT)
            lock.acquire()
        except TimeoutError as exc:  # filelock.Timeout, itself an OSError: test it first
            raise LoginServiceError(
                f"another process has been minting a token for {self._profile.name!r} for "
                f"{LOCK_TIMEOUT:.0f} s: try again"
            ) from exc
        except OSError as exc:
            # An unwritable folder: a token without single flight beats no token.
            _log.debug("no lock (%s): minting unlocked", exc.strerror or exc)
            return
        self._lock = lock
        _log.debug("lock taken after %.3f s", time.monotonic() - started)

    def __exit__(self, *exc_info: object) -> None:
        if self._lock is not None:
            self._lock.release()
