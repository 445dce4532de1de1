"""HTTPie auth plugin ``--auth-type=amplify``, and the requests auth behind it.

    http --auth-type=amplify https://apicentral.axway.com/apis/management/v1alpha1/environments
    requests.get(url, auth=AmplifyRequestsAuth("ci"))

HTTPie imports every installed plugin at every start, used or not, so this package costs next to
nothing to import: each class loads on first use (PEP 562), and credhelper only when a request is
signed. ``AmplifyRequestsAuth`` needs requests but not HTTPie, so scripts can use it alone.
"""

from __future__ import annotations

__all__ = ["AmplifyAuthPlugin", "AmplifyRequestsAuth"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._plugin import AmplifyAuthPlugin
    from ._requests_auth import AmplifyRequestsAuth


# PEP 562, credhelper's one lazy idiom (credhelper/_lazy.py; CONTRIBUTING.md), resolved here with
# importlib: importing credhelper._lazy would load credhelper, which HTTPie's start must not pay.
_LAZY = {
    "AmplifyAuthPlugin": "._plugin:AmplifyAuthPlugin",  # HTTPie's entry point names it here
    "AmplifyRequestsAuth": "._requests_auth:AmplifyRequestsAuth",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        module, _, attribute = _LAZY[name].partition(":")
        return getattr(import_module(module, __name__), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
