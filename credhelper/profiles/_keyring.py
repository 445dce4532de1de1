"""The secret store: the one home of keyring.

Each profile owns its entry: service ``amplify-credhelper:<token URL>``, user name
``<client id>:profile:<name>``. The profile's name in the key keeps two profiles of one client
apart (0.1.0 keyed by token URL and client id alone, so two such profiles shared one entry:
logging one out deleted the other's secret, and a key login overwrote the other's secret with a
PEM key that was then sent as a password). The token URL and client id stay in the key so that
a secret is only ever read for the account and server it was proven against: a hand-edited
profile, or a profile of the same name in another config folder, never receives it. A client
id holds no ':' (profiles refuses one), so no new user name is ever a 0.1.0 one.

0.1.0's entries (user name = client id) are migrated on read: copied to the profile's own
entry, and deleted once no other stored profile could still need them.

The backend is whatever keyring picks, so PYTHON_KEYRING_BACKEND and keyringrc.cfg are
respected. Every keyring failure becomes KeyringUnavailable here, at the boundary, with the
ways out in its message.
"""

from __future__ import annotations

import keyring
import keyring.core
import keyring.errors

from .. import _log
from ..errors import ConfigError, KeyringUnavailable, shown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from .profile import Profile

    _Key = tuple[str, str]

SERVICE_PREFIX = "amplify-credhelper:"
WAYS_OUT = (
    "start or unlock a Secret Service (e.g. gnome-keyring), choose a keyring backend with "
    "PYTHON_KEYRING_BACKEND or keyringrc.cfg, or set AMPLIFY_CLIENT_ID and "
    "AMPLIFY_CLIENT_SECRET instead"
)


def _own_key(profile: Profile) -> _Key:
    return SERVICE_PREFIX + profile.token_endpoint, f"{profile.client_id}:profile:{profile.name}"


def _legacy_key(profile: Profile) -> _Key:
    """Where 0.1.0 kept the secret of every profile of this client and token URL."""
    return SERVICE_PREFIX + profile.token_endpoint, profile.client_id


def holds_private_key(value: str) -> bool:
    """Whether a stored value is a PEM private key rather than a client secret."""
    return value.startswith("-----BEGIN ") and "PRIVATE KEY-----" in value


def get_secret(profile: Profile) -> str | None:
    """The profile's secret (or private key), from its own entry or, once, from 0.1.0's."""
    secret = _get("read the secret from", _own_key(profile))
    return secret if secret is not None else _adopted_legacy_secret(profile)


def probe(profile: Profile) -> None:
    """Read the profile's own entry and nothing else: does the keyring work at all?"""
    _get("read the secret from", _own_key(profile))


def set_secret(profile: Profile, secret: str) -> Undo:
    """Keep ``secret`` in the profile's own entry; the Undo puts back what was there."""
    key = _own_key(profile)
    undo = Undo([(key, _get("read the secret from", key))])
    try:
        _put(key, secret)
    except BaseException:
        undo()
        raise
    return undo


def delete_secret(profile: Profile) -> Undo:
    """Delete the profile's entry, and 0.1.0's if no other profile needs it; the Undo puts
    them back. A failure midway puts back what was already deleted."""
    removed = Undo([])
    try:
        for key in (_own_key(profile), _legacy_key(profile)):
            value = _get("read the secret from", key)
            if value is None or (key != _own_key(profile) and _needed_elsewhere(profile, value)):
                continue
            # The undo first: a delete cut short (its deadline, a signal) may still happen.
            removed.add(key, value)
            _delete(key)
    except BaseException:
        removed()
        raise
    return removed


def forget_legacy(profile: Profile) -> None:
    """Delete 0.1.0's entry for this profile's client unless another profile needs it."""
    key = _legacy_key(profile)
    value = _get("read the secret from", key)
    if value is not None and not _needed_elsewhere(profile, value):
        _delete(key)


def same_entry(one: Profile, other: Profile) -> bool:
    """Whether two profiles keep their secret in the same entry (the same profile, client id
    and token URL)."""
    return _own_key(one) == _own_key(other)


def backend_name() -> str:
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


class Undo:
    """Puts entries back as they were: (key, the value then, or None for no entry)."""

    def __init__(self, previous: list[tuple[_Key, str | None]]) -> None:
        self._previous = previous

    def add(self, key: _Key, value: str | None) -> None:
        self._previous.append((key, value))

    def __call__(self) -> None:
        from .._deadline import settle

        if self._previous:  # a change cut short may land late: let it, then put things back
            settle(deadline())
        for key, value in reversed(self._previous):
            try:
                if value is None:
                    _delete(key)
                else:
                    _call("restore the secret in", keyring.set_password, *key, value)
            except KeyringUnavailable as exc:  # the first failure is the one to report
                _log.debug("could not undo a keyring change: %s", exc)


# -- migration from 0.1.0 ----------------------------------------------------------------


def _adopted_legacy_secret(profile: Profile) -> str | None:
    """0.1.0's entry for this profile's client, copied to its own entry when it fits."""
    key = _legacy_key(profile)
    value = _get("read the secret from", key)
    if value is None or holds_private_key(value) != profile.uses_key:
        # Nothing there, or a value of the other kind (a key another profile's login wrote
        # over this one's secret): the caller refuses it, and nothing moves.
        return value
    try:
        _put(_own_key(profile), value)
    except KeyringUnavailable as exc:  # reading still works: migrate next time
        _log.debug("keeping the 0.1.0 entry of profile %s: %s", profile.name, exc)
        return value
    _log.debug("moved the 0.1.0 keyring entry of profile %s to its own", profile.name)
    if not _needed_elsewhere(profile, value):
        _delete_quietly(key)
    return value


def _needed_elsewhere(profile: Profile, value: str) -> bool:
    """Whether another stored profile may still read ``value`` from 0.1.0's shared entry:
    one of the same client and token URL, of the value's kind, with no entry of its own."""
    from . import config

    try:
        found = config.read()
    except ConfigError:
        return True  # the profiles cannot be read: keep what they might need
    if found.broken:
        return True  # a profile that cannot be read now may be one that needs it once fixed
    stored = found.profiles
    return any(
        other.name != profile.name
        and other.key_file is None
        and _legacy_key(other) == _legacy_key(profile)
        and holds_private_key(value) == other.uses_key
        and _get("read the secret from", _own_key(other)) is None
        for other in stored.values()
    )


def _delete_quietly(key: _Key) -> None:
    try:
        _delete(key)
    except KeyringUnavailable as exc:
        _log.debug("could not delete a 0.1.0 keyring entry: %s", exc)


# -- the calls into keyring ----------------------------------------------------------------


def _get(doing: str, key: _Key) -> str | None:
    secret = _call(doing, keyring.get_password, *key)
    return secret if isinstance(secret, str) else None


def _put(key: _Key, secret: str) -> None:
    _call("store the secret in", keyring.set_password, *key, secret, secret=secret)
    if _get("read the secret from", key) != secret:
        # Some backends (the null one, a full Windows Credential Manager) drop it silently.
        raise KeyringUnavailable(
            f"the keyring ({backend_name()}) did not keep the secret: {WAYS_OUT}"
        )


def _delete(key: _Key) -> None:
    try:
        _call("delete the secret from", keyring.delete_password, *key)
    except KeyringUnavailable as exc:
        gone = isinstance(exc.__cause__, keyring.errors.PasswordDeleteError)
        if not (gone and _get("read the secret from", key) is None):
            raise  # a real failure, not an entry another process deleted first


def _call(
    doing: str, function: Callable[..., object], *args: str, secret: str | None = None
) -> object:
    """``function(*args)`` within the keyring's deadline; its failures as KeyringUnavailable."""
    from .._deadline import within

    seconds = deadline()
    try:
        return within(seconds, lambda: _late(doing, seconds), lambda: function(*args))
    except KeyringUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001  (KeyringError, and the D-Bus or OS errors backends leak)
        failure = exc
    leaks = secret is not None and _mentions(failure, secret)
    error = KeyringUnavailable(
        f"cannot {doing} the keyring ({_reason(failure, leaks)}): {WAYS_OUT}"
    )
    if leaks:
        raise error  # raised outside the except block: no __cause__ or __context__ holds it
    raise error from failure


DEADLINE = 20.0  # seconds; with a token request's 30 s, within the 60 s others wait on a mint


# AMPLIFY_KEYRING_TIMEOUT's bounds: below a tenth of a second no keyring answers; above ten
# minutes a stuck one holds every waiter on a mint for longer than anyone waits.
_DEADLINE_BOUNDS = (0.1, DEADLINE * 30)


def deadline() -> float:
    """Seconds a keyring call may take: AMPLIFY_KEYRING_TIMEOUT, else DEADLINE. A value that is
    not seconds within the bounds is refused (ConfigError), as the environment's other
    settings are: taking 20 s in its place would hide the mistake."""
    import os

    given = os.environ.get("AMPLIFY_KEYRING_TIMEOUT")
    if not given:  # unset or empty, as the environment's other settings
        return DEADLINE
    low, high = _DEADLINE_BOUNDS
    try:
        seconds = float(given)
    except ValueError:
        seconds = float("nan")
    if not low <= seconds <= high:  # NaN and infinity fail the comparison too
        raise ConfigError(
            f"AMPLIFY_KEYRING_TIMEOUT={shown(given)}: expected seconds from {low:g} to {high:g}"
        )
    return seconds


def _late(doing: str, seconds: float) -> KeyringUnavailable:
    # The backend is known by now unless choosing it is what hangs (keyring caches its choice).
    chosen = getattr(keyring.core, "_keyring_backend", None)
    name = f"{type(chosen).__module__}.{type(chosen).__name__}" if chosen else "keyring"
    return KeyringUnavailable(
        f"cannot {doing} the keyring: {name} did not answer within {seconds:g} s (waiting to "
        f"be unlocked, or its service stuck?): {WAYS_OUT}"
    )


def _mentions(exc: BaseException | None, secret: str) -> bool:
    """Whether ``exc`` or an exception behind it shows ``secret`` (a backend that echoes the
    value it was given): then only the failure's type may leave this module."""
    while exc is not None:
        if secret in repr(exc) or secret in str(exc) or any(secret in repr(a) for a in exc.args):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _reason(exc: Exception, hide_text: bool = False) -> str:
    # Backend messages name the failure, never the secret (else hide_text); one line anyway.
    text = "" if hide_text else shown(" ".join(str(exc).split()), 200, quoted=False)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
