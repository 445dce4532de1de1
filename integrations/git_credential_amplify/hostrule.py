"""What a git host is: the one rule for ``login --git-host``, AMPLIFY_GIT_HOSTS and setup-git.

git asks a helper with ``protocol`` and ``host`` (git-credential(1)), the host with its
``:port`` when the URL names one. So a pattern is kept in that form:

- ``HOST[:PORT]`` serves https (and, for 127.0.0.1, ::1 and localhost, plain http too, as
  0.2.0 did: a loopback server's scheme is the user's choice);
- ``http://HOST[:PORT]`` serves plain http, to this machine only.

A URL is read as the pattern it names: ``https://git.example.com/`` is ``git.example.com``.
What could never match what git sends is refused rather than kept to fail silently: a path
beyond ``/``, user info, a query or fragment, blanks, empty labels, and wildcards alone
(``*``, ``*.*``), which would hand the token to any host. ``*`` stands for all or part of one
label, as in git's URL matching (git-config(1), ``http.<url>.*``), or for a whole port.
Plain string work, no urllib: this runs on the git helper's cache-hit path.
"""

from __future__ import annotations

import re

from credhelper import ConfigError, host_matches, is_loopback
from credhelper.commands import shown

_LABEL = re.compile(r"[a-z0-9_*-]+\Z")
_IPV6 = re.compile(r"\[[0-9a-f:.]+\]\Z")
EXAMPLES = "git.example.com, *.example.com, host:port, https://host or http://127.0.0.1:port"


def normalise(value: object) -> str:
    """The pattern ``value`` names, in the form kept (see the module's docstring); ConfigError
    saying why when it names none."""
    if not isinstance(value, str):
        raise ConfigError(f"bad git host {shown(value, 200)}: expected text such as {EXAMPLES}")
    scheme, sep, rest = value.partition("://")
    scheme, rest = (scheme.lower(), rest) if sep else ("https", value)
    rest = rest[:-1] if rest.endswith("/") else rest
    why = _problem(scheme, rest)
    if why:
        raise ConfigError(f"bad git host {shown(value, 200)}: {why}")
    pattern = rest.lower()
    if scheme == "http" and not is_loopback(pattern):
        raise ConfigError(
            f"refusing git host {shown(value, 200)}: tokens only travel over https (plain http is "
            "allowed for 127.0.0.1, ::1 and localhost only)"
        )
    return pattern if scheme == "https" else f"http://{pattern}"


def _problem(scheme: str, rest: str) -> str | None:
    """Why ``scheme://rest`` can name no host git sends, or None."""
    if scheme not in ("https", "http"):
        return "expected an https:// or http:// host"
    if not rest or not rest.isprintable() or any(c.isspace() for c in rest):
        return f"no blanks or control characters; expected {EXAMPLES}"
    for chars, why in (("/\\", "no path"), ("@", "no user name"), ("?#", "no ?query or #fragment")):
        if any(c in rest for c in chars):
            return f"{why}: git matches host and port alone"
    host, port = _split(rest.lower())
    if port is not None and port != "*" and not (port.isdigit() and 0 < int(port) < 65536):
        return "a port is a number from 1 to 65535 (or *)"
    return None if _IPV6.match(host) else _name_problem(host)


def _split(netloc: str) -> tuple[str, str | None]:
    if netloc.startswith("[") and "]" in netloc:
        end = netloc.index("]") + 1
        after = netloc[end:]
        return netloc[:end], (after[1:] if after.startswith(":") else None if not after else "")
    host, colon, port = netloc.partition(":")
    return host, (port if colon else None)


def _name_problem(host: str) -> str | None:
    labels = host.split(".")
    if not host.isascii() or not all(_LABEL.match(label) for label in labels):
        return "labels of letters, digits, '-', '_' or '*', none of them empty (xn-- for others)"
    if all(set(label) == {"*"} for label in labels):
        return "a wildcard alone would hand the token to any host: name the domain"
    return None


def serves(pattern: str, protocol: str | None, host: str) -> bool:
    """Whether a kept ``pattern`` covers git's request for ``protocol``://``host``."""
    scheme, sep, netloc = pattern.partition("://")
    if sep:
        wanted = protocol == scheme
    else:
        netloc = pattern
        wanted = protocol == "https" or (protocol == "http" and is_loopback(pattern))
    return wanted and host_matches(netloc, host)


def git_urls(pattern: str) -> list[str]:
    """The URLs of the ``credential.<url>`` sections git reads for a kept ``pattern``."""
    if pattern.endswith(":*"):
        raise ConfigError(
            f"git host {shown(pattern, 200)}: git's URL matching has no wildcard port: name "
            "the port"
        )
    if "://" in pattern:
        return [pattern]
    urls = [f"https://{pattern}"]
    return [*urls, f"http://{pattern}"] if is_loopback(pattern) else urls
