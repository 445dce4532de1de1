"""What happens, on stderr, with nothing secret in it: ``--verbose``, or AMPLIFY_VERBOSE=1.

``notice`` is for what a person waiting at a terminal wants to know without asking (a retry
and its pause): it is shown when stderr is a terminal, or with --verbose; scripts, pipes and
logs get nothing.

The variable reaches the places no option can: git running the credential helper, HTTPie
running the plugin, a Python program using the API. Not the logging module: it costs
milliseconds to import and the cache-hit path reports too. Callers pass only names, URLs,
statuses and counts, never a secret or a token.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

_stream: IO[str] | None = sys.stderr if os.environ.get("AMPLIFY_VERBOSE") == "1" else None


def enable(stream: IO[str] | None = sys.stderr) -> IO[str] | None:
    """Report to ``stream`` from now on (None: stay quiet); the stream used until now."""
    global _stream
    previous, _stream = _stream, stream
    return previous


def debug(message: str, *args: object) -> None:
    if _stream is not None:
        _stream.write("amplify-credhelper: " + (message % args if args else message) + "\n")


def notice(message: str, *args: object) -> None:
    """Say ``message`` to the person at the terminal (and with --verbose); else stay quiet."""
    stream = _stream if _stream is not None or not _is_terminal(sys.stderr) else sys.stderr
    if stream is not None:
        stream.write("amplify-credhelper: " + (message % args if args else message) + "\n")
        stream.flush()


def _is_terminal(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False
