"""What happens, with nothing secret in it: on stderr for our programs, through ``logging``
for a host program that uses the library.

Our programs (the CLI, git-credential-amplify, docker-credential-amplify) run their work under
``errors.reported``, which hands this module the program's stderr (``speaking_to``): there,
``debug`` writes with ``--verbose`` (or AMPLIFY_VERBOSE=1), and ``notice`` (what a person
waiting at a terminal wants to know without asking: a retry and its pause) writes when stderr
is a terminal, or with --verbose; scripts, pipes and logs get nothing. A fast writer, not the
logging module: that costs milliseconds to import, and the cache-hit path reports too.

Anywhere else we are a library inside someone else's program (a Python program, HTTPie):
nothing goes to its terminal unasked. ``debug`` and ``notice`` become DEBUG and INFO records
of ``logging.getLogger("credhelper")``'s children (the calling module's name), and only when
the host has imported ``logging``: one that never did has set no handler, so no one would see
them, and the import would cost the library's cache hit. AMPLIFY_VERBOSE=1 still writes to
stderr: that is asking. Callers pass only names, URLs, statuses and counts, never a secret or
a token.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

_stream: IO[str] | None = sys.stderr if os.environ.get("AMPLIFY_VERBOSE") == "1" else None
_program: IO[str] | None = None  # the stderr of a program of ours while it runs; else None
DEBUG, INFO = 10, 20  # logging's levels, without importing logging


def enable(stream: IO[str] | None = sys.stderr) -> IO[str] | None:
    """Report to ``stream`` from now on (None: stay quiet); the stream used until now."""
    global _stream
    previous, _stream = _stream, stream
    return previous


def speaking_to(stderr: IO[str] | None) -> IO[str] | None:
    """A program of ours runs with ``stderr`` from now on (None: none runs, we are a library);
    the stderr set until now."""
    global _program
    previous, _program = _program, stderr
    return previous


def debug(message: str, *args: object) -> None:
    if _stream is not None:
        _stream.write("amplify-credhelper: " + (message % args if args else message) + "\n")
    elif _program is None:
        _to_logging(DEBUG, message, args)


def notice(message: str, *args: object) -> None:
    """Say ``message`` to the person at our program's terminal (and with --verbose); a library
    logs it instead."""
    stream = _stream if _stream is not None or not _is_terminal(_program) else _program
    if stream is not None:
        stream.write("amplify-credhelper: " + (message % args if args else message) + "\n")
        stream.flush()
    elif _program is None:
        _to_logging(INFO, message, args)


def _to_logging(level: int, message: str, args: tuple[object, ...]) -> None:
    logging = sys.modules.get("logging")
    if logging is None:  # never imported: no handler set, no one to read it (see above)
        return
    caller = sys._getframe(2).f_globals.get("__name__", "")
    name = caller if caller.startswith("credhelper.") else "credhelper"
    logging.getLogger(name).log(level, message, *args, stacklevel=3)


def _is_terminal(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False
