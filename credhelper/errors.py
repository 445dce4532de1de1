"""Errors raised by amplify-credhelper, the exit code each stands for, and how programs report them.

    CredhelperError              the root; never raised itself
    ├── ConfigError              exit 1
    │   └── HostNotAllowed       an auth asked to send a token where it must not (exit 1)
    ├── CredentialsRejected      exit 2
    ├── LoginServiceError        exit 3
    └── KeyringUnavailable       exit 4

``EXIT_CODES`` says what each code means: the one copy, which ``--help`` prints. ``reported`` is
the one place where a failure becomes a line on stderr, for every program of the project (the
CLI, git-credential-amplify), and ``exit_program`` the way each of them ends. Messages say what
failed and what to do next; they never contain a secret or a token.
"""

from __future__ import annotations

import gc
import sys
import warnings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO, NoReturn

PROG = "amplify-credhelper"

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
    """No usable token could be had from the login service."""

    exit_code = 3


class KeyringUnavailable(CredhelperError):
    """The OS keyring cannot be used to read or keep the secret."""

    exit_code = 4


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
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")  # whatever -W said: ours are meant to be seen
            warnings.showwarning = _warning_printer(prog, stderr)
            return action()
    except CredhelperError as exc:
        stderr.write(f"{prog}: error: {exc}\n")
        return exc.exit_code
    except SystemExit as exc:  # argparse's --help ends here
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except KeyboardInterrupt:
        stderr.write(f"{prog}: interrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001  (no traceback reaches a user unasked)
        if verbose:
            import traceback

            traceback.print_exc(file=stderr)
        stderr.write(f"{prog}: internal error: {type(exc).__name__} ({details} for details)\n")
        return 1


def _warning_printer(prog: str, stderr: IO[str]) -> Callable[..., None]:
    def show(message: Warning | str, *_: object, **__: object) -> None:
        stderr.write(f"{prog}: warning: {message}\n")

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
    gc.freeze()
    sys.exit(code)
