"""amplify-credhelper: Amplify Platform service-account tokens from the OS keyring, cached.

The public face. Everything not named in ``__all__`` is internal, but for ``__version__``.
What a cache hit of the commands never needs is loaded on first use (``_LAZY``, the one lazy
idiom of ``_lazy``): ``AmplifyAuth`` needs httpx, the in-memory holder and ``Authorizer`` serve
long-running programs only, and ``host_matches`` (git's rule for which hosts a pattern names)
the auths' host binding; ``__version__`` is read from the package metadata when asked for.
"""

from __future__ import annotations

from .errors import (
    ConfigError,
    CredentialsRejected,
    CredhelperError,
    HostNotAllowed,
    KeyringUnavailable,
    LoginServiceError,
)
from .profiles._select import list_profiles, load_profile
from .profiles._urls import is_loopback
from .profiles.config import config_lock, update_settings
from .profiles.profile import Profile
from .tokens._core import CacheWarning, client_secret, get_token
from .tokens.token import Token

__all__ = [
    "AmplifyAuth",
    "Attempt",
    "Authorizer",
    "CacheWarning",
    "ConfigError",
    "CredentialsRejected",
    "CredhelperError",
    "HostNotAllowed",
    "KeyringUnavailable",
    "LoginServiceError",
    "Profile",
    "Token",
    "client_secret",
    "config_lock",
    "forget_token",
    "get_token",
    "get_token_async",
    "host_matches",
    "is_loopback",
    "list_profiles",
    "load_profile",
    "update_settings",
]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .api._destination import host_matches
    from .api._holder import forget_token, get_token_async
    from .api._policy import Attempt, Authorizer
    from .api.auth import AmplifyAuth

# Public name -> where it lives (credhelper/_lazy.py), imported when the name is first asked for.
_LAZY = {
    "AmplifyAuth": ".api.auth:AmplifyAuth",
    "Attempt": ".api._policy:Attempt",
    "Authorizer": ".api._policy:Authorizer",
    "forget_token": ".api._holder:forget_token",
    "get_token_async": ".api._holder:get_token_async",
    "host_matches": ".api._destination:host_matches",
}


def __getattr__(name: str) -> object:
    # PEP 562: a cache hit imports neither httpx nor the in-memory holder and the policy.
    if name == "__version__":  # read from the package metadata each time it is asked for
        from .cli._version import version

        return version()
    if name in _LAZY:
        from ._lazy import attribute

        return attribute(__name__, name, _LAZY[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
