"""The URLs a user gives (base, token and platform URL): what may be in them, and what not.

The token request goes where these point, with the secret, so a URL holds a host, a port and
a path and nothing that a reader could take for something else. Plain Python only: profiles
are checked on the cache-hit path, where httpx is not loaded (``_http`` catches the rare URL
that only httpx refuses). The URLs nearly everyone has are decided without urllib.parse (a
quarter of a cache hit's budget) by ``_is_plain_url``; tests/unit/test_hit_path.py proves the
general check accepts each URL it lets through.
"""

from __future__ import annotations

from ..errors import ConfigError, shown

_LOOPBACK = ("127.0.0.1", "::1", "localhost")
PLAIN_HTTP_RULE = "plain http is allowed for 127.0.0.1, ::1 and localhost only"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address, with any ``:port``; IPv6 in brackets or not) is
    this machine: 127.0.0.1, ::1 or localhost. Only there may a token travel in plain http."""
    if host.startswith("["):
        name = host[1 : host.index("]")] if "]" in host else ""
    else:
        name = host if host.count(":") > 1 else host.partition(":")[0]
    return name.lower() in _LOOPBACK


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``: lower-cased, the scheme's default port filled in (RFC
    6454 §4). The one rule for "the same origin": redirects, a 401's hop, the revocation URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)


def check_url(url: str, what: str, *, query: bool = False) -> str:
    """``url``, if it passes ``_check_split_url``: plainly, or by reading it with urlsplit."""
    if not _is_plain_url(url):
        _check_split_url(url, what, query=query)
    return url


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LABEL_CHARS = _ALNUM | frozenset("-")
_PATH_CHARS = _LABEL_CHARS | frozenset("._~/%")  # RFC 3986 unreserved characters, '/' and '%'


def _is_plain_url(url: str) -> bool:
    """Whether ``url`` is plainly safe: ``https://HOST[:PORT][/PATH]`` (or http to loopback),
    with nothing urlsplit could read otherwise (no user, query, fragment, brackets, escapes or
    spaces), a port from 1 to 65535 and a host of plain DNS labels (no xn--, no '_')."""
    scheme, _, rest = url.partition("://")
    authority, _, path = rest.partition("/")
    host, colon, port = authority.partition(":")
    return (
        url.isascii()
        and (scheme == "https" or (scheme == "http" and is_loopback(host)))
        and _is_plain_host(host)
        and (not colon or (port.isdigit() and 0 < int(port) < 65536))
        and _PATH_CHARS.issuperset(path)
    )


def _is_plain_host(host: str) -> bool:
    # RFC 1035 lengths; labels of letters, digits and inner '-' only.
    return 0 < len(host) <= 253 and all(
        0 < len(label) <= 63
        and _LABEL_CHARS.issuperset(label)
        and label[0] != "-" != label[-1]
        and not label.lower().startswith("xn--")
        for label in host.split(".")
    )


def _check_split_url(url: str, what: str, *, query: bool = False) -> None:
    """Refuse a URL that would send a secret in clear text (https, or http to loopback only),
    or that hides anything beyond a host, a port and a path: user info, a #fragment, a ?query
    (``query``: RFC 6749 §3.2 lets a token endpoint have one; other URLs get paths appended),
    spaces, backslashes (which browsers read as '/'), control characters, a port out of
    range, a host that is no host name, or letters beyond ASCII in it (a Cyrillic 'о' looks
    like an 'o': the xn-- form shows the difference)."""
    from urllib.parse import urlsplit

    if not url.isprintable() or any(c.isspace() or c == "\\" for c in url):
        raise ConfigError(
            f"bad {what} {shown(url, 200)}: no spaces, backslashes or control characters"
        )
    shape = (
        f"bad {what} {shown(url, 200)}: expected an https:// URL (a port from 1 to 65535, "
        "if any)"
    )
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # a bad [IPv6] literal, or a port that is no number up to 65535
        raise ConfigError(shape) from None
    if not host or parts.scheme not in ("https", "http"):
        raise ConfigError(f"bad {what} {shown(url, 200)}: expected an https:// URL")
    if port == 0:
        raise ConfigError(shape)
    if parts.scheme == "http" and not is_loopback(host):
        raise ConfigError(
            f"refusing {what} {shown(url, 200)}: secrets only travel over https ({PLAIN_HTTP_RULE})"
        )
    if "@" in parts.netloc or parts.fragment or "#" in url:
        raise ConfigError(f"bad {what} {shown(url, 200)}: no user, password or #fragment allowed")
    if not query and (parts.query or "?" in url):
        raise ConfigError(
            f"bad {what} {shown(url, 200)}: no ?query allowed (paths are added to it)"
        )
    if not host.isascii():
        raise ConfigError(
            f"bad {what} {shown(url, 200)}: give an international host name in its xn-- form, "
            "where a look-alike letter cannot hide"
        )
    if not _is_host_name(host):
        raise ConfigError(f"bad {what} {shown(url, 200)}: {shown(host, 200)} is not a host name")


def _is_host_name(host: str) -> bool:
    """DNS labels of letters, digits, '-' and '_' (no '%', no empty label; RFC 1035 lengths),
    each 'xn--' label a valid IDNA one (RFC 5890), or an IPv6 literal."""
    if ":" in host:
        return all(c in "0123456789abcdef:." for c in host)  # urlsplit checked the brackets
    import re

    label_shape = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\Z")
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    return len(host) <= 254 and all(
        len(label) <= 63 and label_shape.match(label) and _valid_ace(label) for label in labels
    )


def _valid_ace(label: str) -> bool:
    """An 'xn--' label must decode (httpx refuses one that does not, at the worst moment)."""
    if not label.startswith("xn--"):
        return True
    try:
        label.encode("ascii").decode("idna")
    except UnicodeError:
        return False
    return True


def check_realm(realm: str | None) -> None:
    # The realm becomes a path segment of the token URL: nothing in it may change the URL.
    if realm is not None and (not realm or any(c in realm for c in "/?#%\\")):
        raise ConfigError(
            f"bad realm {shown(realm, 200)}: a realm name has no '/', '?', '#', '%' or '\\'"
        )
