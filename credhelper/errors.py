"""Errors raised by amplify-credhelper, the exit code each stands for, and how programs report them.

    CredhelperError              the root; never raised itself
    ├── ConfigError              exit 1
    │   └── HostNotAllowed       an auth asked to send a token where it must not (exit 1)
    ├── CredentialsRejected      exit 2
    ├── LoginServiceError        exit 3
    └── KeyringUnavailable       exit 4
    Terminated (a SystemExit)    a signal that would end us (SIGTERM, SIGHUP, SIGUSR1, ...)
                                 during login's or logout's saving step, once undone: exit 128
                                 + the signal's number

``EXIT_CODES`` says what each code means: the one copy, which ``--help`` prints. ``reported`` is
the one place where a failure becomes a line on stderr, for every program of the project (the
CLI, git-credential-amplify), and ``exit_program`` the way each of them ends. Messages say what
failed and what to do next; they never contain a secret or a token, and every value they quote
from outside (a setting, a URL, a server's words) is shown through ``shown``.
"""

from __future__ import annotations

import gc
import sys
import warnings

from . import _log

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import IO, NoReturn, TextIO

PROG = "amplify-credhelper"
# Who asks for tokens in this process, for the audit log (tokens/_audit): each entry point sets
# it (the command's name, "git", "docker", "httpie"); a Python program using the API leaves it.
asked_by = "api"


def ask_as(caller: str) -> None:
    """Name who asks for tokens in this process (the audit log's ``asked_by``): an integration's
    entry point calls it once, e.g. ``ask_as("git")``."""
    global asked_by
    asked_by = caller

EXIT_CODES = (
    (0, "success"),
    (1, "usage or configuration error (unknown profile, bad URL, no secret stored, bad config)"),
    (2, "the login service refused the client credentials"),
    (3, "the login service is unreachable, timing out, failing, or answered no usable token"),
    (4, "no usable keyring (none available, locked, or refused)"),
)


class CredhelperError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code = 1


class ConfigError(CredhelperError):
    """The request or the stored configuration cannot be used as it is."""

    exit_code = 1


class HostNotAllowed(ConfigError):
    """A request that an auth will not put a token on: its host is not in the auth's ``hosts``,
    or it goes over plain http to another machine. Nothing was sent."""


class CredentialsRejected(CredhelperError):
    """The login service answered, and said no to these credentials."""

    exit_code = 2


class LoginServiceError(CredhelperError):
    """No usable token could be had from the login service. ``reason``, where set, says why in
    a few words (for a note inside another message, as logout's on revocation)."""

    exit_code = 3
    reason: str | None = None


class KeyringUnavailable(CredhelperError):
    """The OS keyring cannot be used to read or keep the secret."""

    exit_code = 4


class Terminated(SystemExit):
    """A signal that ends the program came while login or logout changed the keyring and the
    files; raised in its place so that the change is undone first. A SystemExit: a program that
    does not catch it ends with 128 + the signal's number, as the signal would have ended it."""

    def __init__(self, signal_name: str, number: int) -> None:
        super().__init__(128 + number)
        self.signal_name = signal_name


def shown(value: object, limit: int = 60, *, quoted: bool = True) -> str:
    """``value`` as a message may show it: one line of printable ASCII, ``limit`` characters
    at most. The one rule for every value a message quotes from outside.

    - Text is shown as ``ascii()`` shows it: quoted, and every control character, line break
      and non-ASCII character escaped (``\\n``, ``\\x1b``, ``\\u2028``), so that nothing a value
      holds can end the line, move a terminal's cursor or pass for another letter.
      ``quoted=False`` drops the quotes, for prose (a server's error description).
    - Anything else by its ``ascii()`` form; by its type's name when it has none that can be
      printed (an integer too long, a structure nested too deep).
    - Longer than ``limit``: cut, and ``...`` says so. Prose is cut between words when it has a
      space, so that a URL or a path in it is shown whole or not at all.
    """
    if isinstance(value, str):
        text = value[: limit + 1]  # past the limit nothing is shown: nothing to escape
        # The same escapes as ascii(), without its quotes (nor an escaped quote in the words)
        text = ascii(text) if quoted else text.encode("unicode_escape").decode("ascii")
    else:
        try:
            text = ascii(value)
        except (ValueError, RecursionError):
            text = f"<{type(value).__name__}>"
    if len(text) <= limit:
        return text
    cut = text[: limit - 3]
    if not quoted and " " in cut:
        cut = cut[: cut.rfind(" ") + 1]
    return cut + "..."


def reported(
    prog: str,
    stderr: IO[str],
    action: Callable[[], int],
    *,
    verbose: bool = False,
    details: str = "run with --verbose",
) -> int:
    """``action()``'s exit code; warnings and whatever escapes it become one line each on stderr.

    ``details`` says how to see the traceback of an internal error (which ``verbose`` prints).
    While ``action`` runs, ``stderr`` is a program's: notices may go there (see ``_log``).
    """
    previous = _log.speaking_to(stderr)
    try:
        return _failures_reported(prog, stderr, action, verbose, details)
    finally:
        _log.speaking_to(previous)


def _failures_reported(
    prog: str, stderr: IO[str], action: Callable[[], int], verbose: bool, details: str
) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")  # whatever -W said: ours are meant to be seen
            warnings.showwarning = _warning_printer(prog, stderr)
            return action()
    except CredhelperError as exc:
        _say(stderr, f"{prog}: error: {exc}")
        return exc.exit_code
    except Terminated as exc:
        _say(stderr, f"{prog}: {exc.signal_name} received: nothing was changed")
        return int(exc.code)  # type: ignore[arg-type]
    except SystemExit as exc:  # argparse's --help ends here
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except KeyboardInterrupt:
        _say(stderr, f"{prog}: interrupted")
        return 130
    except BrokenPipeError:  # the reader left (`token | head -c1`): nothing to say, to no one
        return READER_GONE
    except OSError as exc:  # a stream or file nobody named: still one line, never a traceback
        where = f"{exc.filename}: " if exc.filename else "cannot write the output: "
        _say(stderr, f"{prog}: error: {where}{exc.strerror or type(exc).__name__}")
        return 1
    except Exception as exc:  # noqa: BLE001  (no traceback reaches a user unasked)
        if verbose:
            import traceback

            traceback.print_exc(file=stderr)
        _say(stderr, f"{prog}: internal error: {type(exc).__name__} ({details} for details)")
        return 1


READER_GONE = 141  # what a shell reports for a program that SIGPIPE ended: 128 + 13


def _say(stderr: IO[str] | None, line: str) -> None:
    """Write ``line`` on stderr; a closed or full stderr leaves nowhere to say anything."""
    try:
        stderr.write(line + "\n")  # type: ignore[union-attr]
        stderr.flush()  # type: ignore[union-attr]
    except (OSError, ValueError, AttributeError):
        pass


def _warning_printer(prog: str, stderr: IO[str]) -> Callable[..., None]:
    def show(message: Warning | str, *_: object, **__: object) -> None:
        _say(stderr, f"{prog}: warning: {message}")

    return show


def exit_program(code: int) -> NoReturn:
    """End the program with exit status ``code``, sparing the interpreter its object-by-object
    teardown: the system takes the memory back at once.

    ``gc.freeze`` moves every object into the collector's permanent generation, so the shutdown
    collections walk and free none of them: a tenth of a cache hit's instructions otherwise
    (tests/benchmark.py). The standard streams are still flushed and atexit still runs; only
    objects in reference cycles go unfinalized, and nothing of ours waits for that: files are
    closed by ``with`` blocks, locks released by theirs.
    """
    code = _output_flushed(code)
    gc.freeze()
    sys.exit(code)


def _output_flushed(code: int) -> int:
    """``code`` once stdout is flushed; else the output's failure, told in one line (not as
    the interpreter's "Exception ignored" traceback at exit), and stdout sent to /dev/null so
    that the interpreter's own flush finds nothing to fail on."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
        return code
    except BrokenPipeError:
        failed = code or READER_GONE
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or "closed"
        _say(sys.stderr, f"{_program()}: error: cannot write the output: {why}")
        failed = code or 1
    _discard_stdout()
    return failed


def _program() -> str:
    import os

    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else PROG


def _discard_stdout() -> None:
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # no stdout at all: nothing to flush later
        pass


class ClosedStream:
    """Stands in for a standard stream that was closed when we started (``cmd >&-``), where
    Python gives None: writing fails like writing to a closed descriptor, reading finds EOF.
    It has every method and attribute a text stream has (``io.TextIOWrapper``'s; a unit test
    holds it to that), so no caller meets an AttributeError where a real stream would fail."""

    encoding = "utf-8"
    errors = "strict"
    newlines = None
    line_buffering = False
    write_through = False
    closed = False  # as ours: the descriptor closed before we started, not this object
    name = "<closed>"
    mode = "r+"

    def __init__(self, empty: str | bytes = "") -> None:
        self._empty = empty

    @property
    def buffer(self) -> ClosedStream:
        return ClosedStream(b"")

    def write(self, data: object) -> int:
        raise _closed()

    def writelines(self, lines: Iterable[object]) -> None:
        raise _closed()

    def fileno(self) -> int:
        raise _closed()

    def truncate(self, size: int | None = None) -> int:
        raise _closed()

    def seek(self, offset: int, whence: int = 0) -> int:
        raise _closed()

    def tell(self) -> int:
        raise _closed()

    def read(self, size: int | None = -1) -> str | bytes:
        return self._empty

    def readline(self, size: int | None = -1) -> str | bytes:
        return self._empty

    def readlines(self, hint: int = -1) -> list[str | bytes]:
        return []

    def detach(self) -> ClosedStream:
        return self.buffer

    def reconfigure(self, **_options: object) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def __enter__(self) -> ClosedStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        pass

    def __iter__(self) -> ClosedStream:
        return self

    def __next__(self) -> str | bytes:
        raise StopIteration


def _closed() -> OSError:
    return OSError(9, "Bad file descriptor")  # EBADF, as a closed descriptor gives


def standard_streams() -> tuple[TextIO, TextIO, TextIO]:
    """sys.stdin, sys.stdout and sys.stderr, a closed one replaced by a ``ClosedStream``."""
    found = (sys.stdin, sys.stdout, sys.stderr)
    return tuple(s if s is not None else ClosedStream() for s in found)  # type: ignore[return-value]
