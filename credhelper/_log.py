"""``--verbose`` output: what happens, on stderr, with nothing secret in it.

Not the logging module: it costs milliseconds to import and the cache-hit path reports too.
Callers pass only names, URLs, statuses and counts; ``redact`` is there for anything else.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

_stream: IO[str] | None = None


def enable(stream: IO[str] | None = sys.stderr) -> None:
    """Report to ``stream`` from now on; None turns reporting off."""
    global _stream
    _stream = stream


def debug(message: str, *args: object) -> None:
    if _stream is not None:
        _stream.write("amplify-credhelper: " + (message % args if args else message) + "\n")


def redact(value: str) -> str:
    """A token or secret reduced to a hint that cannot be used: its length."""
    return f"<{len(value)} characters>"
