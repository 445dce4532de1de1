"""The HTTPie side: ``--auth-type=amplify``, where ``-a`` names a profile and never holds a secret.

HTTPie has imported ``httpie.plugins`` and ``requests`` before it loads plugins, so the imports
below cost nothing there; everything else waits for the first request.
"""

from __future__ import annotations

import os
import sys

from httpie.plugins import AuthPlugin
from requests.auth import AuthBase

TYPE_CHECKING = False
if TYPE_CHECKING:
    from requests import PreparedRequest

# `httpie cli plugins install` pip-installs into HTTPie's own plugin folder, which is on sys.path
# only while plugins load (httpie/plugins/manager.py, _load_directories). credhelper, httpx,
# keyring and keyring's backends are imported later, so remember that folder now, while it is on
# sys.path, and put it back before the first late import. Installed next to HTTPie, the folder
# never leaves sys.path and there is nothing to restore.
_SITE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LOADED_FROM_SYS_PATH = _SITE_DIR in {os.path.abspath(entry) for entry in sys.path}

REFUSAL = (
    "-a takes a profile name, not credentials: HTTPie keeps -a in plain text in session files. "
    "Keep the secret in the keyring with `amplify-credhelper login --profile NAME`, "
    "then use -a NAME"
)


class AmplifyAuthPlugin(AuthPlugin):
    name = "Amplify Platform service account"
    description = (
        "Bearer token and X-Axway-Tenant-Id from amplify-credhelper; "
        "-a PROFILE picks a profile (default: $AMPLIFY_PROFILE, else 'default')"
    )
    auth_type = "amplify"
    auth_require = False  # no -a: the profile credhelper would choose
    auth_parse = False  # -a is a profile name, handed over raw in self.raw_auth
    prompt_password = False

    def get_auth(self, username: str | None = None, password: str | None = None) -> AuthBase:
        # HTTPie calls this while it parses arguments, and again when a session is reused; what
        # it raises shows as a traceback. So nothing here fails: errors wait for the request,
        # where HTTPie reports them as one `http: error: ...` line. A refused -a fails before
        # HTTPie writes the session file, so the credentials never reach it.
        _restore_site_dir()
        profile = self.raw_auth or None
        if profile is not None and ":" in profile:  # user:secret, as -a takes it for basic auth
            return _Refused(REFUSAL)
        from credhelper.commands import ask_as

        from ._requests_auth import AmplifyRequestsAuth

        ask_as("httpie")  # for the audit log

        return AmplifyRequestsAuth(profile)


class _Refused(AuthBase):
    """Fails the request with a ConfigError: how a plugin says no without a traceback."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        from credhelper import ConfigError

        raise ConfigError(self.message)


def _restore_site_dir() -> None:
    if _LOADED_FROM_SYS_PATH and _SITE_DIR not in map(os.path.abspath, sys.path):
        sys.path.append(_SITE_DIR)  # last, as HTTPie had it: HTTPie's own packages come first
