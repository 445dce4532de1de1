"""The secret store: the one home of keyring.

Secrets are keyed by the token URL (service) and the client id (user name), so different
environments, base URLs and client ids never collide. The backend is whatever keyring picks,
so PYTHON_KEYRING_BACKEND and keyringrc.cfg are respected. Every keyring failure becomes
KeyringUnavailable here, at the boundary, with the ways out in its message.
"""

from __future__ import annotations

import keyring
import keyring.errors

from .errors import KeyringUnavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .profiles import Profile

SERVICE_PREFIX = "amplify-credhelper:"
WAYS_OUT = (
    "start or unlock a Secret Service (e.g. gnome-keyring), choose a keyring backend with "
    "PYTHON_KEYRING_BACKEND or keyringrc.cfg, or set AMPLIFY_CLIENT_ID and "
    "AMPLIFY_CLIENT_SECRET instead"
)


def _key(profile: Profile) -> tuple[str, str]:
    return SERVICE_PREFIX + profile.token_endpoint, profile.client_id


def get_secret(profile: Profile) -> str | None:
    secret = _call("read the secret from", keyring.get_password, *_key(profile))
    return secret if isinstance(secret, str) else None


def set_secret(profile: Profile, secret: str) -> None:
    _call("save the secret in", keyring.set_password, *_key(profile), secret)
    if get_secret(profile) != secret:
        # Some backends (the null one, a full Windows Credential Manager) drop it silently.
        raise KeyringUnavailable(
            f"the keyring ({backend_name()}) did not keep the secret: {WAYS_OUT}"
        )


def delete_secret(profile: Profile) -> bool:
    try:
        _call("delete the secret from", keyring.delete_password, *_key(profile))
    except KeyringUnavailable as exc:
        if (
            isinstance(exc.__cause__, keyring.errors.PasswordDeleteError)
            and get_secret(profile) is None
        ):
            return False  # nothing was there to delete
        raise
    return True


def backend_name() -> str:
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _call(doing: str, function: object, *args: str) -> object:
    try:
        return function(*args)  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001  (KeyringError, and the D-Bus or OS errors backends leak)
        raise KeyringUnavailable(
            f"cannot {doing} the keyring ({_reason(exc)}): {WAYS_OUT}"
        ) from exc


def _reason(exc: Exception) -> str:
    # Backend messages name the failure, never the secret; keep them to one line anyway.
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
