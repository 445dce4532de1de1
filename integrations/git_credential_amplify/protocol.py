"""git's credential-helper protocol: reading what git asks, writing what we answer.

The rules are git's own, from git-credential(1) "INPUT/OUTPUT FORMAT" and gitcredentials(7)
"CUSTOM HELPERS". Both directions work on bytes: a text stream would turn a lone CR into a line
break, and on Windows write CRLF, which git's rules forbid.
"""

from __future__ import annotations

import re

from credhelper import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import BinaryIO

# Our own bound: git's attributes are short, so a longer line is not git talking to us.
MAX_LINE = 65535
# The attributes we use; git-credential(1): "Unrecognised attributes are silently discarded."
_KEPT = ("protocol", "host", "path", "username", "password", "credential")
# git aborts on a value with LF or NUL (CVE-2020-5260), and with CR since the CVE-2024-52006 fix.
_FORBIDDEN = ("\n", "\r", "\0")


class Request:
    """The attributes of git's request that this helper uses; None when git sent none."""

    __slots__ = (*_KEPT, "capabilities", "wwwauth")

    def __init__(
        self,
        protocol: str | None = None,
        host: str | None = None,
        path: str | None = None,
        username: str | None = None,
        password: str | None = None,
        credential: str | None = None,
        capabilities: frozenset[str] = frozenset(),
        wwwauth: tuple[str, ...] = (),
    ) -> None:
        self.protocol, self.host, self.capabilities = protocol, host, capabilities
        self.path = path  # only with credential.useHttpPath: which proxy rule applies
        self.password, self.credential = password, credential
        self.username = username  # from the URL (https://bot@host/) or credential.<url>.username
        self.wwwauth = wwwauth  # the server's WWW-Authenticate values (git 2.41+)


class LineTooLong(ConfigError):
    """A request line longer than MAX_LINE bytes: not git talking to us (exit code 1)."""


def read_request(stream: BinaryIO) -> Request:
    """git's request: ``key=value`` lines up to a blank line or the end of the stream.

    A repeated key keeps its last value; a line without ``=`` is skipped.
    """
    fields: dict[str, str] = {}
    lists: dict[str, list[str]] = {"capability[]": [], "wwwauth[]": []}
    for line in _lines(stream):
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key in lists:
            # git-credential(1): an empty value of a `key[]` attribute resets its list.
            lists[key] = [*lists[key], value] if value else []
        elif key in _KEPT:
            fields[key] = value
    return Request(
        **fields,
        capabilities=frozenset(lists["capability[]"]),
        wwwauth=tuple(lists["wwwauth[]"]),
    )


# RFC 9110 §11.6.1: a challenge is an auth-scheme (a token), then its parameters. A value may
# hold several challenges separated by commas, and quoted strings may hold anything. Pattern
# strings, which re compiles on first use and keeps: a request without challenges (a cache hit
# of older git, or before the server has answered) never pays for compiling them.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_SCHEME = r"(?:^|,)\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?=\s|,|$)"


def offers_bearer(wwwauth: Iterable[str]) -> bool:
    """Whether any of the server's WWW-Authenticate values offers the Bearer scheme
    (schemes are case-insensitive, RFC 9110 §11.1)."""
    return any(
        scheme.lower() == "bearer"
        for value in wwwauth
        for scheme in re.findall(_SCHEME, re.sub(_QUOTED, '""', value))
    )


def _lines(stream: BinaryIO) -> Iterator[str]:
    while True:
        raw = stream.readline(MAX_LINE + 1)
        line = raw[:-1] if raw.endswith(b"\n") else raw  # split on LF only, never on CR
        if len(line) > MAX_LINE:
            raise LineTooLong(f"a line of git's request is longer than {MAX_LINE} bytes")
        if line.endswith(b"\r"):
            line = line[:-1]  # one CR of a CRLF ending, as git's own strbuf_getline does
        if not line:
            return  # a blank line or the end of the stream ends the request
        yield line.decode("utf-8", "surrogateescape")


def is_safe_value(value: str) -> bool:
    """True if git can take ``value`` as an attribute value."""
    return not any(c in value for c in _FORBIDDEN)


def format_answer(pairs: Iterable[tuple[str, str]]) -> bytes:
    """Our answer as git reads it; refuses a value git would choke on, and ``url``.

    gitcredentials(7): git reads `url=` as a whole new URL and drops its helper list.
    """
    lines = []
    for key, value in pairs:
        if key == "url" or "=" in key or not is_safe_value(key) or not is_safe_value(value):
            raise ValueError(f"refusing to send git the attribute {key!r}")
        lines.append(f"{key}={value}\n")
    return "".join(lines).encode("utf-8", "surrogateescape")
