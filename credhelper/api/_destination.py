"""Where the in-process auths may put a token: the origin rules and the host binding.

- An origin is (scheme, host, port), with the scheme's default port filled in: ``origin`` of
  profiles._urls, the one rule for it.
- ``keeps_authorization``: whether httpx and requests keep ``Authorization`` on a redirect hop.
  Both keep it on the same origin and on a same-host upgrade from http:80 to https:443, and drop
  it otherwise (httpx ``Client._redirect_headers``, requests ``Session.should_strip_auth``).
  Our tenant header follows the same rule, so it never reaches a host the token does not.
- ``HostBinding``: a token goes over https, or plain http to this machine only, and, when the
  auth was given ``hosts``, to those hosts only.
"""

from __future__ import annotations

from ..errors import ConfigError, HostNotAllowed, shown
from ..profiles._urls import DEFAULT_PORTS, PLAIN_HTTP_RULE, is_loopback, origin

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

def keeps_authorization(old_url: str, new_url: str) -> bool:
    """Whether a redirect from ``old_url`` to ``new_url`` keeps ``Authorization`` (see above)."""
    old, new = origin(old_url), origin(new_url)
    upgrade = old[0] == "http" and old[2] == 80 and new[0] == "https" and new[2] == 443
    return old == new or (upgrade and old[1] == new[1])


def host_matches(pattern: str, host: str) -> bool:
    """Whether ``host`` (with any ``:port``) is one that ``pattern`` names.

    As git's own URL matching (git-config(1), ``http.<url>.*``), so a pattern means the same
    hosts here as in a URL-scoped ``credential.https://PATTERN.helper``: case-insensitive, a
    port only matches the same port, and ``*`` stands for all or part of one name label:
    ``*.example.com`` covers ``git.example.com`` but not ``a.b.example.com``.
    """
    if "*" not in pattern:
        return pattern.lower() == host.lower()
    import re

    regex = "[^.:]*".join(re.escape(part) for part in pattern.lower().split("*"))
    return re.fullmatch(regex, host.lower()) is not None


class HostBinding:
    """The destinations one auth may send its token to; each origin is judged once."""

    # How many whole URLs the fast tier keeps before it starts over: the URLs a client repeats
    # stay, and one that never repeats a URL (a query per page) costs no memory.
    URLS_KEPT = 256

    def __init__(self, hosts: Iterable[str] | None) -> None:
        self.hosts = None if hosts is None else _checked_hosts(hosts)
        # Cleared destinations and whether each is plain http (whose proxy is judged per
        # request). Dicts: reading and adding from two threads at once is harmless.
        self._origins: dict[str, bool] = {}
        self._urls: dict[str, bool] = {}

    def check(self, url: str) -> bool:
        """Raise ``HostNotAllowed`` unless a token may go to ``url``; whether it is plain http.

        A URL seen before is answered from its own string (a str caches its hash): finding its
        origin costs more than the rest of a request's checks together.
        """
        plain = self._urls.get(url)
        if plain is None:
            plain = self._check_origin(url)
            if len(self._urls) >= self.URLS_KEPT:
                self._urls.clear()
            self._urls[url] = plain
        return plain

    def _check_origin(self, url: str) -> bool:
        scheme, _, rest = url.partition("://")
        key = scheme + "://" + rest.partition("/")[0].partition("?")[0].partition("#")[0]
        plain = self._origins.get(key)
        if plain is None:
            plain = self._origins[key] = self._judge(url)
        return plain

    def _judge(self, url: str) -> bool:
        scheme, host, port = origin(url)
        if scheme != "https" and not (scheme == "http" and is_loopback(host)):
            raise HostNotAllowed(
                f"refusing to send a token to {scheme}://{host}: tokens travel over https "
                f"({PLAIN_HTTP_RULE})"
            )
        name = f"[{host}]" if ":" in host else host
        if port != DEFAULT_PORTS[scheme]:
            name += f":{port}"
        if self.hosts is not None and not any(host_matches(p, name) for p in self.hosts):
            raise HostNotAllowed(
                f"refusing to send a token to {name}: not one of this auth's hosts "
                f"({', '.join(self.hosts)})"
            )
        return scheme == "http"


def refuse_proxied(url: str, proxied: Callable[[str], bool]) -> None:
    """Raise ``HostNotAllowed`` for a plain-http ``url`` that ``proxied`` (the HTTP library's
    own reading of the proxy variables) would send through a proxy: plain http is allowed to
    this machine alone because the token then never leaves it, and a proxy would carry it off,
    in clear text. The proxies a caller gives the client itself are beyond an auth's sight."""
    if url[:5].lower() != "http:" or not proxied(url):
        return
    scheme, host, port = origin(url)
    name = f"[{host}]" if ":" in host else host
    raise HostNotAllowed(
        f"refusing to send a token to http://{name}:{port}: the proxy variables (HTTP_PROXY, "
        "ALL_PROXY) would send it through a proxy, in clear text; add the host to NO_PROXY, "
        "or use https"
    )


def _checked_hosts(hosts: Iterable[str]) -> tuple[str, ...]:
    # A lone string would be read letter by letter: say so rather than match nothing.
    if isinstance(hosts, str):
        raise ConfigError(
            f"hosts takes a list of host names, not one string: [{shown(hosts, 200)}]"
        )
    checked = tuple(hosts)
    for host in checked:
        if not isinstance(host, str) or not _is_host_pattern(host):
            raise ConfigError(
                f"bad host {shown(host, 200)} in hosts: give a host name, with a :port if not the "
                "default (e.g. 'apicentral.axway.com', '*.axway.com', 'localhost:8080')"
            )
    return checked


def _is_host_pattern(pattern: str) -> bool:
    """``host[:port]`` as a request's URL can have it: labels of letters, digits, '-', '_' and
    '*', none empty, not all of them wildcards (which would stand for any host), or an [IPv6]."""
    import re

    shape = r"(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_*-]+(\.[A-Za-z0-9_*-]+)*)(:[0-9]{1,5})?"
    if not re.fullmatch(shape, pattern):
        return False
    name = pattern if pattern.startswith("[") else pattern.partition(":")[0]
    return any(label.strip("*") for label in name.split("."))
