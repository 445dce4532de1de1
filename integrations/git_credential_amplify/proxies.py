"""Whether git would send a plain-http request through a proxy: then it gets no token.

Plain http is allowed to this machine alone, because the token then never crosses a network.
A proxy defeats that: git hands the request, Authorization header and all, to the proxy. git
(through libcurl) takes a proxy from ``http.proxy`` (and ``http.<url>.proxy``,
``remote.<name>.proxy``) or from the environment (curl's ``http_proxy``, ``all_proxy``; the
upper-case names are honoured by some builds and other tools, so they count too), and skips it
for hosts ``no_proxy`` / ``NO_PROXY`` names. When in doubt we say "proxied": the cost is a
prompt, the other error's cost is a token in clear text on someone else's machine.
Only plain-http requests reach this module, so https never pays for the ``git config`` run.

Three rules follow what git 2.39 with libcurl 7.88 was measured to do (tests pin each):
- ``no_proxy`` set, even empty, wins over ``NO_PROXY`` (git reads both and the lower-case one
  last, whatever curl itself does with an empty value);
- an IP address is bypassed by an entry that is that address, or an IPv4 network
  (``127.0.0.0/8``) holding it; never by a name suffix (``.1`` does not cover 127.0.0.1);
- ``http.<url>.proxy`` applies by git's URL matching, path and user included; git sends the
  path only with ``credential.useHttpPath``, so without it any such key for the same scheme,
  host and port counts, whatever its path or user.
"""

from __future__ import annotations

import os
import subprocess

GIT_TIMEOUT = 10
_VARIABLES = ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")


def proxy_for(host: str, path: str | None = None, username: str | None = None) -> str | None:
    """What would carry a plain-http request to ``host`` (``host[:port]``, with the ``path`` and
    ``username`` git sent, if any) through a proxy: the setting's name, or None when git would
    connect directly."""
    found = next((name for name in _VARIABLES if os.environ.get(name, "").strip()), None)
    found = found or _git_proxy(_request_url(host, path, username))
    if found is None and path is None:
        found = _keyed_proxy(host)
    return None if found is None or _bypassed(host) else found


def _request_url(host: str, path: str | None, username: str | None) -> str:
    from urllib.parse import quote

    user = f"{quote(username, safe='')}@" if username else ""
    return f"http://{user}{host}/{path or ''}"


def _keyed_proxy(host: str) -> str | None:
    """``http.<url>.proxy`` when any such key with a value names a URL on ``host`` (scheme,
    host and port), whatever its path or user: git would use it for some paths of the host,
    and without the path we cannot tell which."""
    args = ["--get-regexp", r"^http\..+\.proxy$"]
    lines = _git_config(args)
    if lines is None:
        return "git config (which could not be read)"
    ours = _origin(f"http://{host}")
    for line in lines:
        key, _, value = line.partition(" ")
        theirs = _origin(key[len("http.") : -len(".proxy")])
        if value.strip() and ours and theirs and _same_origin(theirs, ours):
            return "http.<url>.proxy"
    return None


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of ``url`` in lower case; None when it is no URL git would match."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.lower())
        port = parts.port or (80 if parts.scheme == "http" else 443)
    except ValueError:
        return None
    return (parts.scheme, parts.hostname, port) if parts.scheme and parts.hostname else None


def _same_origin(pattern: tuple[str, str, int], ours: tuple[str, str, int]) -> bool:
    """Whether a config key's origin covers ours; its host may hold ``*``, which git matches
    within one name label (git-config(1), http.<url>.*)."""
    import re

    labels, wanted = pattern[1].split("."), ours[1].split(".")
    return (
        pattern[::2] == ours[::2]
        and len(labels) == len(wanted)
        and all(re.fullmatch(".*".join(map(re.escape, label.split("*"))), want)
                for label, want in zip(labels, wanted))  # fmt: skip
    )


def _git_config(args: list[str]) -> list[str] | None:
    """The lines ``git config ARGS`` prints (none when nothing matched); None: git could not
    be asked."""
    try:
        done = subprocess.run(["git", "config", *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.splitlines() if done.returncode == 0 else []


def _git_proxy(url: str) -> str | None:
    """The git setting that names a proxy for ``url``, or None; "git config" when git cannot
    be asked (in doubt: proxied). An empty value turns a proxy off, in git as here."""
    asks = (  # (the setting, git config's arguments, whether each line starts with the key)
        ("http.proxy", ["--get-urlmatch", "http.proxy", url], False),
        ("remote.<name>.proxy", ["--get-regexp", r"^remote\..*\.proxy$"], True),  # any remote
    )
    for name, args, keyed in asks:
        lines = _git_config(args)
        if lines is None:
            return "git config (which could not be read)"
        if any((line.partition(" ")[2] if keyed else line).strip() for line in lines):
            return name
    return None


def _bypassed(host: str) -> bool:
    """Whether no_proxy (when set, even empty; else NO_PROXY) names ``host``, as git and curl
    read it: ``*`` for every host; else comma-separated entries, a name covering itself and
    its subdomains (a leading or trailing dot changes nothing), an address only itself or, as
    an IPv4 network, the addresses in it; compared without the port."""
    listed = os.environ["no_proxy"] if "no_proxy" in os.environ else os.environ.get("NO_PROXY", "")
    name = _name(host)
    address = _address(name)
    for entry in listed.replace(" ", ",").split(","):
        entry = entry.strip(" \t").lower()  # curl trims blanks alone: "host\r" names no host
        if entry == "*" or (entry and _covers(entry, name, address)):
            return True
    return False


def _covers(entry: str, name: str, address: object) -> bool:
    if address is None:
        entry = entry.strip(".")
        return bool(entry) and (name == entry or name.endswith("." + entry))
    import ipaddress

    if entry == name:
        return True
    network, slash, bits = entry.partition("/")
    # Measured (curl 7.88): an IPv6 network never matched, nor "[::1]", nor "/0" more than one
    # address: only IPv4 networks of 1 to 32 bits count here (in doubt, the proxy).
    if not (slash and bits.isdigit() and 1 <= int(bits) <= 32):
        return False
    if address.version != 4:  # type: ignore[attr-defined]
        return False
    try:
        return address in ipaddress.IPv4Network(f"{network}/{int(bits)}", strict=False)
    except ValueError:
        return False


def _address(name: str) -> object:
    """``name`` as an IP address, or None when it is a host name."""
    import ipaddress

    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _name(host: str) -> str:
    """``host`` without its port or IPv6 brackets, in lower case."""
    host = host.lower()
    if host.startswith("["):
        return host[1 : host.index("]")] if "]" in host else host
    return host.rpartition(":")[0] if ":" in host else host
