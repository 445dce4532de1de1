"""amplify-credhelper: Amplify Platform service-account tokens from the OS keyring, cached.

The public face. Everything not named in ``__all__`` is internal, but for ``__version__``.
``AmplifyAuth`` is loaded on first use, because it needs httpx and a cache hit must not pay for
that import; ``__version__`` is read from the package metadata when asked for.
"""

from __future__ import annotations

from ._core import CacheWarning, client_secret, get_token
from ._memory import forget_token, get_token_async
from ._policy import Authorizer
from ._select import list_profiles, load_profile
from ._validate import is_loopback
from .config import update_settings
from .errors import (
    ConfigError,
    CredentialsRejected,
    CredhelperError,
    KeyringUnavailable,
    LoginServiceError,
)
from .profiles import Profile
from .tokens import Token

__all__ = [
    "AmplifyAuth",
    "Authorizer",
    "CacheWarning",
    "ConfigError",
    "CredentialsRejected",
    "CredhelperError",
    "KeyringUnavailable",
    "LoginServiceError",
    "Profile",
    "Token",
    "client_secret",
    "forget_token",
    "get_token",
    "get_token_async",
    "is_loopback",
    "list_profiles",
    "load_profile",
    "update_settings",
]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .auth import AmplifyAuth


def __getattr__(name: str) -> object:
    # PEP 562: import httpx only when someone asks for the httpx auth class.
    if name == "AmplifyAuth":
        from .auth import AmplifyAuth

        return AmplifyAuth
    if name == "__version__":  # read from the package metadata only when asked for
        from ._version import version

        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
