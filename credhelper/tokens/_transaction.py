"""Saving a login and removing a profile: every step, or none.

config.json is written in full beside its place first (where a full disk or a read-only
folder fails, before anything changed), then the keyring changes, then one rename commits
the file. A failure after the keyring step (Ctrl-C included) undoes it, so a secret never
outlives its profile and a profile never loses its secret. The signals that would end the
process where it stands (SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGALRM, the real-time ones...)
become an exception for that while (``_signals.signals_raise``).
Only login and logout load this.
"""

from __future__ import annotations

import contextlib

from .. import _files
from .._signals import signals_raise
from ..errors import ConfigError, KeyringUnavailable
from ..profiles import _keyring, config
from . import cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from ..profiles.profile import Profile

    _T = TypeVar("_T")

def save_login(
    profile: Profile,
    secret: str,
    as_stored: Callable[[Profile | None], Profile] | None = None,
) -> None:
    """Keep ``profile`` in config.json and its secret (unless its key stays in its file) in
    the keyring, then drop the entries it no longer reads.

    ``as_stored(current)`` gives the profile to save from the one stored at that moment
    (None: none), read under the lock: a login applies its own options onto what other
    processes saved while its token was requested, never a copy read before (the default:
    ``profile`` as it is). What the token request proved stays ``profile``'s (``_PROVEN``)."""
    with config.config_lock():
        with signals_raise():
            stored = config.load_all()
            previous = stored.get(profile.name)
            if as_stored is not None:
                profile = _as_proven(as_stored(previous), profile)
            with _staged_config({**stored, profile.name: profile}) as staged:
                undo = (
                    keyring_call(profile, _keyring.set_secret, secret)
                    if profile.key_file is None
                    else _keyring.Undo([])
                )
                _commit(staged, undo)
        # Still under the lock: once it is released, another login of this profile may set
        # the very entry that ``previous`` names (its token URL again), and a delete made
        # after that would leave the profile without its secret. The login is complete here,
        # so a signal no longer undoes it (outside signals_raise).
        _forget_replaced_secrets(profile, previous)


# The fields that say which credential a login proved, and against which service: the saved
# profile takes them from the profile the token was minted with, whatever another process
# stored meanwhile, so that the secret set in the keyring is the one its profile reads.
_PROVEN = (
    "client_id",
    "env",
    "region",
    "base_url",
    "realm",
    "token_url",
    "auth_method",
    "ca_file",
    "key_file",
    "key_id",
)


def _as_proven(saved: Profile, minted: Profile) -> Profile:
    from ..profiles._validate import make_profile

    return make_profile(**{**saved.as_dict(), **{k: getattr(minted, k) for k in _PROVEN}})


def remove_profile(profile: Profile, prepare: Callable[[Profile], _T]) -> _T:
    """Remove the secret, the cached token and the profile from config.json; what
    ``prepare(profile)`` returned, called under the locks before anything is removed (the
    CLI's: what revokes the cached token, ``_revoke.prepared``).

    Under the profile's mint lock too: a mint in flight ends first (its token is then
    deleted here, and is the one ``prepare`` reads), and one that starts after finds the
    profile gone (``_core``)."""
    with config.config_lock(), cache.mint_lock_held(profile), signals_raise():
        stored = config.load_all()
        # As stored now: a login since the caller read it may have changed its secret's entry.
        profile = stored.get(profile.name, profile)
        prepared = prepare(profile)
        remaining = {k: v for k, v in stored.items() if k != profile.name}
        with _staged_config(remaining) as staged:
            if profile.key_file is None:
                undo = _keyring.delete_secret(profile)
            else:
                _forget_stored_secret(profile)  # nothing of ours should be there
                undo = _keyring.Undo([])
            # The token goes after the secret, so that a keyring refusing leaves it too.
            _commit(staged, undo, before=lambda: _delete_cached(profile))
    return prepared


def keyring_call(profile: Profile, action: Callable[..., _T], *args: str) -> _T:
    """``action`` on the keyring; for a key profile, a failure offers keeping the key's file."""
    try:
        return action(profile, *args)
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


def _forget_replaced_secrets(profile: Profile, previous: Profile | None) -> None:
    """After a login, the entries that no longer serve: the profile's under its old client id
    or token URL, a key an earlier login kept when the key now stays in its file, and 0.1.0's
    shared one. Best effort: the login itself is complete."""
    if (
        previous is not None
        and previous.key_file is None
        and not _keyring.same_entry(previous, profile)
    ):
        _forget_stored_secret(previous)
    if profile.key_file is not None:
        _forget_stored_secret(profile)  # a key an earlier login kept would linger unused
    else:
        with contextlib.suppress(KeyringUnavailable):
            _keyring.forget_legacy(profile)


def _forget_stored_secret(profile: Profile) -> None:
    with contextlib.suppress(KeyringUnavailable):  # best effort: the profile no longer reads it
        _keyring.delete_secret(profile)


# -- the file steps ---------------------------------------------------------------------------


def _staged_config(stored: dict[str, Profile]) -> _files.Staged:
    try:
        return config.stage_all(stored)
    except OSError as exc:
        raise _cannot("write", config.path(), exc) from exc


def _commit(
    staged: _files.Staged, undo: Callable[[], None], before: Callable[[], None] = lambda: None
) -> None:
    """``before``, then the rename that puts ``staged`` in place; a failure of either (Ctrl-C
    included: never a secret without its profile) undoes the keyring's step."""
    try:
        before()
        staged.commit()
    except BaseException as exc:
        undo()
        if isinstance(exc, OSError):
            raise _cannot("write", staged.path, exc) from exc
        raise


def _delete_cached(profile: Profile) -> None:
    try:
        cache.delete(profile)
    except OSError as exc:
        raise _cannot("remove", exc.filename or cache.path(profile), exc) from exc


def _cannot(doing: str, path: str, exc: OSError) -> ConfigError:
    return ConfigError(f"cannot {doing} {path}: {exc.strerror or exc}")
