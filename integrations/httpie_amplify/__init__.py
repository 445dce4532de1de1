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


def __getattr__(name: str) -> object:
    if name == "AmplifyAuthPlugin":  # HTTPie's entry point: httpie_amplify:AmplifyAuthPlugin
        from ._plugin import AmplifyAuthPlugin

        return AmplifyAuthPlugin
    if name == "AmplifyRequestsAuth":
        from ._requests_auth import AmplifyRequestsAuth

        return AmplifyRequestsAuth
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
