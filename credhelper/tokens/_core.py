"""The core's two questions, "a valid token for profile P" and "this token was refused",
plus proving and saving a new profile (login), removing one (logout), and handing a secret
profile's client secret to a tool that must be given the secret itself.

A cache hit touches only the profile file and the cache file: keyring and httpx are imported
on a miss, when a token has to be minted.
"""

from __future__ import annotations

import time
import warnings

from .. import _log
from ..errors import (
    ConfigError,
    CredentialsRejected,
    CredhelperError,
    KeyringUnavailable,
    LoginServiceError,
)
from ..profiles._select import load_profile
from ..profiles.profile import Profile
from . import cache
from .token import Token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from filelock import BaseFileLock

    _T = TypeVar("_T")

# Waiters outlast the one minting: its keyring read ends within 20 s (_keyring.DEADLINE) and
# its request within _http.DEADLINE (30 s, the name lookup included), so a
# waiter never gives up on a mint that may still succeed. Twice that: on a machine busy with
# hundreds of processes the minter's own start-up (imports) can take as long again.
LOCK_TIMEOUT = 120.0


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
    token holder) shares a mint that failed since then, like a process waiting on the file lock.
    """
    if not refresh:
        token = _fresh_from_cache(profile)
        if token is not None:
            return token
    waiting_since = time.time() if asked_at is None else asked_at
    return _SingleFlight(profile, refresh, waiting_since).token()


class _SingleFlight:
    """One mint for all the processes that ask at once.

    Each tries the profile's mint lock without waiting: the one that gets it mints. The others
    look at the cache (no lock: its file is replaced atomically) and at the failure file, less
    often as time goes on, and return as soon as a token or a failure is there. So nobody
    queues on the lock just to read, and "minting for N s" is said only when the lock was held
    by a mint all that time.
    """

    def __init__(self, profile: Profile, refresh: bool, since: float) -> None:
        self.profile, self.refresh, self.since = profile, refresh, since

    def token(self) -> Token:
        lock = self._lock_or_token()
        if isinstance(lock, Token):
            return lock
        try:
            return self._landed() or self._mint()
        finally:
            if lock is not None:
                lock.release()

    def _lock_or_token(self) -> BaseFileLock | Token | None:
        """The mint lock, taken; or the token (or failure) another process's mint left; or
        None: no usable lock file (a read-only folder), so mint unlocked."""
        lock = _mint_lock(self.profile)
        ends, pause = time.monotonic() + LOCK_TIMEOUT, POLL
        while lock is not None:
            taken = _try_lock(lock)
            if taken is not False:
                return lock if taken else None
            found = self._landed()
            if found is not None:
                return found
            if time.monotonic() >= ends:
                raise LoginServiceError(
                    f"another process has been minting a token for {self.profile.name!r} for "
                    f"{LOCK_TIMEOUT:.0f} s: try again"
                )
            time.sleep(pause * (1 + time.monotonic_ns() % 997 / 997))  # jitter: no lockstep
            pause = min(pause * 2, POLL_MAX)
        return None

    def _landed(self) -> Token | None:
        """The token another process minted for us, if it is there; its failure, raised."""
        token = cache.read(self.profile)
        if token is not None and (
            token.issued_at is not None and token.issued_at >= self.since
            if self.refresh
            else token.is_fresh(self.profile.refresh_margin)
        ):
            return token
        _raise_failure_since(self.profile, self.since)
        return None

    def _mint(self) -> Token:
        token = _mint_sharing_failure(self.profile)
        _store_unless_logged_out(self.profile, token)
        return token


POLL, POLL_MAX = 0.02, 0.25  # seconds between a waiter's looks at the cache: first, longest


def _mint_lock(profile: Profile) -> BaseFileLock | None:
    """The profile's mint lock; None without a usable lock folder (a token without single
    flight beats no token)."""
    try:
        return cache.lock(profile, LOCK_TIMEOUT)
    except OSError as exc:
        _log.debug("no lock (%s): minting unlocked", exc.strerror or exc)
        return None


def _try_lock(lock: BaseFileLock) -> bool | None:
    """Take ``lock`` if it is free: True; False when another process holds it; None when the
    lock file cannot be made (a read-only folder)."""
    try:
        lock.acquire(timeout=0)
    except TimeoutError:  # filelock.Timeout, itself an OSError: test it first
        return False
    except OSError as exc:
        _log.debug("no lock (%s): minting unlocked", exc.strerror or exc)
        return None
    return True


# The failures a mint shares with the processes waiting on it: the login service's own, and a
# keyring that does not answer (each waiter would otherwise wait on it in turn).
_SHARED_FAILURES: dict[int, type[CredhelperError]] = {
    CredentialsRejected.exit_code: CredentialsRejected,
    LoginServiceError.exit_code: LoginServiceError,
    KeyringUnavailable.exit_code: KeyringUnavailable,
}


def _mint_sharing_failure(profile: Profile) -> Token:
    from ._audit import audited  # a mint only: a cache hit loads nothing of the audit log

    try:
        from ._secret import secret_for

        return audited("mint", profile, lambda: mint(profile, secret_for(profile)))
    except (CredentialsRejected, LoginServiceError, KeyringUnavailable) as exc:
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


def forget_cached_token(token: Token | str, profile: str | Profile | None = None) -> bool:
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
        from ._audit import audited

        return audited("forget", chosen, lambda: cache.delete(chosen), cached)
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
    # No backstop around it: _http.send ends within its own deadline, the name lookup included.
    status, body = _http.send(request, timeout=profile.timeout, ca_file=profile.ca_file, seen=seen)
    try:
        return oauth.parse_token_response(
            status, body, auth_method=profile.auth_method, sent=request.credentials(secret)
        )
    except CredentialsRejected as exc:
        if profile.uses_key:  # a refused assertion may be a wrong clock's
            from ._assertion import clock_note

            note = clock_note(seen.get("date"), str(exc))
            if note is not None:
                raise CredentialsRejected(f"{exc}; {note}") from exc
        raise


def login(
    profile: Profile,
    secret: str,
    as_stored: Callable[[Profile | None], Profile] | None = None,
) -> Token:
    """Prove the credentials with a token, then save the secret, the profile and the token.

    ``secret`` is the client secret or, for a key profile, the private key (PEM). Nothing is
    saved when the token request fails, and the CA file and the keyring are tried before the
    network, so an unusable one costs no request. A key kept in its own file never enters the
    keyring. A failure while saving leaves config.json and the keyring as they were.
    ``as_stored``: what to save, from the profile stored when saving (``save_login``).
    """
    from ._audit import audited

    return audited("login", profile, lambda: _proven_and_saved(profile, secret, as_stored))


def _proven_and_saved(
    profile: Profile, secret: str, as_stored: Callable[[Profile | None], Profile] | None
) -> Token:
    from ..profiles import _keyring
    from . import _http, _transaction

    _http.tls_context(profile.ca_file)  # a missing or non-PEM CA file: exit 1 before anything
    if profile.key_file is None:
        _transaction.keyring_call(profile, _keyring.probe)  # fails fast with KeyringUnavailable
    token = mint(profile, secret)
    _transaction.save_login(profile, secret, as_stored)
    _cache_or_warn(profile, token)
    return token


def logout(profile: Profile, prepare: Callable[[Profile], _T]) -> _T:
    """Remove the secret, the cached token and the profile, all or nothing (see _transaction);
    ``prepare(profile)``'s result: it runs under the profile's locks, before anything is
    removed (logout's revocation reads the token and credentials there)."""
    from . import _audit, _transaction

    return _audit.audited("logout", profile, lambda: _transaction.remove_profile(profile, prepare))


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
    from ._audit import audited  # the secret itself is never logged, nor a fingerprint of it
    from ._secret import secret_for

    return audited("secret", chosen, lambda: secret_for(chosen))


def _store_unless_logged_out(profile: Profile, token: Token) -> None:
    """Cache ``token`` unless its profile was logged out (or replaced) while it was minted.

    Race-free with logout because both hold the profile's mint lock here: logout removes the
    profile and its cached token under it (``_transaction.remove_profile``), so this check sees
    either the profile still there, and logout then deletes what is cached now, or the
    profile gone, and nothing is cached after logout said it was removed.
    """
    if not profile.from_environment and not _still_stored(profile):
        raise ConfigError(
            f"profile {profile.name!r} was logged out while its token was being minted: "
            "log in again"
        )
    _cache_or_warn(profile, token)


def _still_stored(profile: Profile) -> bool:
    from ..profiles import config

    try:
        stored = config.read()
    except ConfigError:
        return True  # a config file broken since: that is not a logout
    now = stored.profiles.get(profile.name)
    return now is not None and (now.client_id, now.token_endpoint) == (
        profile.client_id,
        profile.token_endpoint,
    )


def _cache_or_warn(profile: Profile, token: Token) -> None:
    try:
        cache.write(profile, token)
    except OSError as exc:
        warnings.warn(
            f"cannot cache the token ({exc.strerror or exc}): each call will ask for a new one",
            CacheWarning,
            stacklevel=3,
        )
