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

from . import _log, cache
from ._select import load_profile
from .errors import ConfigError, CredentialsRejected, CredhelperError, LoginServiceError
from .profiles import Profile
from .tokens import Token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from filelock import BaseFileLock

# Waiters outlast the one minting: its request ends within _http.DEADLINE (30 s), retries
# and the answer's body included, so a waiter never gives up on a mint that may still succeed.
LOCK_TIMEOUT = 60.0


class CacheWarning(UserWarning):
    """The token cache could not be used; tokens still work, each call mints one."""


def get_token(profile: str | Profile | None = None, *, refresh: bool = False) -> Token:
    """A token for ``profile`` with more than its refresh margin left, minting one if needed.

    Any number of processes asking at once cause one token request: the first takes the
    lock and mints; the others wait, look at the cache again, and find its token. If that
    request failed, they fail with its error rather than each try again for a whole
    deadline in turn (the last of them would wait far beyond it).
    """
    return token_for(load_profile(profile), refresh=refresh)


def token_for(profile: Profile, *, refresh: bool = False, asked_at: float | None = None) -> Token:
    """``get_token`` for a chosen profile. ``asked_at`` (Unix seconds) is when the caller began
    to wait, if earlier than now: a caller queued behind a lock of its own process (the API's
    token holder) shares a mint that failed since then, like a process queued on the file lock.
    """
    if not refresh:
        token = _fresh_from_cache(profile)
        if token is not None:
            return token
    waiting_since = time.time() if asked_at is None else asked_at
    with _MintLock(profile):
        if not refresh:
            token = _fresh_from_cache(profile)
            if token is not None:
                return token
        _raise_failure_since(profile, waiting_since)
        token = _mint_sharing_failure(profile)
        _store(profile, token)
        return token


# The failures a mint shares with the processes waiting on it: the login service's own.
_SHARED_FAILURES: dict[int, type[CredhelperError]] = {
    CredentialsRejected.exit_code: CredentialsRejected,
    LoginServiceError.exit_code: LoginServiceError,
}


def _mint_sharing_failure(profile: Profile) -> Token:
    try:
        return mint(profile, _secret_for(profile))
    except (CredentialsRejected, LoginServiceError) as exc:
        import contextlib  # a failing mint only: the cache hit does not load it

        with contextlib.suppress(OSError):  # best effort: the waiters then try themselves
            cache.record_failure(profile, exc.exit_code, str(exc))
        raise


def _raise_failure_since(profile: Profile, since: float) -> None:
    failure = cache.failure_since(profile, since)
    if failure is not None:
        exit_code, message = failure
        _log.debug("the mint this process waited for failed: failing the same way")
        raise _SHARED_FAILURES[exit_code](message)


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
    try:
        return cache.delete(chosen)
    except OSError as exc:  # a read-only cache folder: the token stays, and so does the caller
        warnings.warn(f"cannot forget the refused token ({exc.strerror or exc})", CacheWarning,
                      stacklevel=2)  # fmt: skip
        return False


def mint(profile: Profile, secret: str) -> Token:
    """One token request (retried on failures that may pass); the token, not yet cached."""
    from . import _http, oauth

    _log.debug("minting a token for profile %s at %s", profile.name, profile.token_endpoint)
    request = oauth.build_token_request(profile, secret)
    seen: dict[str, str] = {}
    status, body = _http.send(request, timeout=profile.timeout, ca_file=profile.ca_file, seen=seen)
    try:
        return oauth.parse_token_response(status, body, auth_method=profile.auth_method)
    except CredentialsRejected as exc:
        if profile.uses_key:  # a refused assertion may be a wrong clock's
            from ._assertion import clock_note

            note = clock_note(seen.get("date"), str(exc))
            if note is not None:
                raise CredentialsRejected(f"{exc}; {note}") from exc
        raise


def login(profile: Profile, secret: str) -> Token:
    """Prove the credentials with a token, then save the secret, the profile and the token.

    ``secret`` is the client secret or, for a key profile, the private key (PEM). Nothing is
    saved when the token request fails, and the CA file and the keyring are tried before the
    network, so an unusable one costs no request. A key kept in its own file never enters the
    keyring. A failure while saving leaves config.json and the keyring as they were.
    """
    from . import _http, _keyring, _saving

    _http.tls_context(profile.ca_file)  # a missing or non-PEM CA file: exit 1 before anything
    if profile.key_file is None:
        _saving.keyring_call(profile, _keyring.probe)  # fails fast with KeyringUnavailable
    token = mint(profile, secret)
    _saving.save_login(profile, secret)
    _store(profile, token)
    return token


def logout(profile: Profile) -> None:
    """Remove the secret, the cached token and the profile, all or nothing (see _saving)."""
    from . import _saving

    _saving.remove_profile(profile)


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


def _environment_secret() -> str:
    secret = os.environ.get("AMPLIFY_CLIENT_SECRET")
    if not secret:  # only exec's mark defines the profile without it (see _select)
        raise ConfigError(
            "AMPLIFY_CLIENT_SECRET was withheld from this program by `amplify-credhelper exec`, "
            "so no new token can be minted here: use $AMPLIFY_TOKEN (good until "
            "$AMPLIFY_TOKEN_EXPIRES_AT), or run exec with --keep-secret-env"
        )
    return secret


def _secret_for(profile: Profile) -> str:
    if profile.from_environment:
        return _environment_secret()
    if profile.key_file is not None:
        return _kept_key(profile.key_file)
    from . import _keyring

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


secret_for = _secret_for  # a revocation at logout (_revoke) authenticates as a mint does


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
