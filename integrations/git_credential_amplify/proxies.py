"""Whether git would send a plain-http request through a proxy: then it gets no token.

Plain http is allowed to this machine alone, because the token then never crosses a network.
A proxy defeats that: git hands the request, Authorization header and all, to the proxy. git
(through libcurl) takes a proxy from ``http.proxy`` (and ``http.<url>.proxy``,
``remote.<name>.proxy``) or from the environment (curl's ``http_proxy``, ``all_proxy``; the
upper-case names are honoured by some builds and other tools, so they count too), and skips it
for hosts ``no_proxy`` / ``NO_PROXY`` names. When in doubt we say "proxied": the cost is a
prompt, the other error's cost is a token in clear text on someone else's machine.
Only plain-http requests reach this module, so https never pays for the ``git config`` run.
"""

from __future__ import annotations

import os
import subprocess

GIT_TIMEOUT = 10
_VARIABLES = ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")


def proxy_for(host: str) -> str | None:
    """What would carry a plain-http request to ``host`` (``host[:port]``) through a proxy:
    the setting's name, or None when git would connect directly."""
    found = next((name for name in _VARIABLES if os.environ.get(name, "").strip()), None)
    found = found or _git_proxy(f"http://{host}/")
    return None if found is None or _bypassed(host) else found


def _git_proxy(url: str) -> str | None:
    """The git setting that names a proxy for ``url``, or None; "git config" when git cannot
    be asked (in doubt: proxied). An empty value turns a proxy off, in git as here."""
    asks = (  # (the setting, git config's arguments, whether each line starts with the key)
        ("http.proxy", ["--get-urlmatch", "http.proxy", url], False),
        ("remote.<name>.proxy", ["--get-regexp", r"^remote\..*\.proxy$"], True),  # any remote
    )
    for name, args, keyed in asks:
        try:
            done = subprocess.run(["git", "config", *args], capture_output=True, text=True,
                                  timeout=GIT_TIMEOUT, check=False)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return "git config (which could not be read)"
        lines = done.stdout.splitlines() if done.returncode == 0 else []
        if any((line.partition(" ")[2] if keyed else line).strip() for line in lines):
            return name
    return None


def _bypassed(host: str) -> bool:
    """Whether no_proxy (else NO_PROXY) names ``host``, as curl reads it: ``*`` for every
    host, else comma-separated names, each covering itself and its subdomains (a leading dot
    changes nothing), and addresses, compared without the port."""
    listed = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    name = _name(host)
    for entry in listed.replace(" ", ",").split(","):
        entry = entry.strip().lower().lstrip(".")
        entry = entry[1:-1] if entry.startswith("[") and entry.endswith("]") else entry
        if entry == "*" or (entry and (name == entry or name.endswith("." + entry))):
            return True
    return False


def _name(host: str) -> str:
    """``host`` without its port or IPv6 brackets, in lower case."""
    host = host.lower()
    if host.startswith("["):
        return host[1 : host.index("]")] if "]" in host else host
    return host.rpartition(":")[0] if ":" in host else host
