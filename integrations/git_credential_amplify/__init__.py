"""git-credential-amplify: Amplify tokens for git, through git's credential-helper protocol.

    git config --global credential.https://git.example.com.helper "amplify --profile ci"

makes git run ``git credential-amplify --profile ci get|store|erase`` (gitcredentials(7)).
``main`` is the only code that touches argv, the standard streams and the exit status; ``run``
reads the command line and ``handle`` answers one request with the streams it is given.
"""

from __future__ import annotations

import os
import sys

from credhelper import (
    ConfigError,
    LoginServiceError,
    Profile,
    Token,
    get_token,
)
from credhelper.commands import ask_as, exit_program, reported, shown, standard_streams

from . import settings
from .hosts import serving_profile
from .protocol import Request, format_answer, is_safe_value, offers_bearer, read_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import BinaryIO, TextIO

__all__ = ["handle", "main", "run"]

PROG = "git-credential-amplify"
USAGE = f"usage: {PROG} [--profile P] [--verbose] get|store|erase\n"
VERSION = "--version"  # not an operation git sends: the option, passed on as one


def main() -> None:
    stdin, stdout, stderr = standard_streams()
    exit_program(run(sys.argv[1:], stdin.buffer, stdout.buffer, stderr))


def run(argv: list[str], stdin: BinaryIO, stdout: BinaryIO, stderr: TextIO) -> int:
    """Read the command line git built, then ``handle`` the operation it names."""

    def parsed_then_handled() -> int:
        profile, action, verbose = _parse_argv(argv)
        if action is None:
            stdout.write(USAGE.encode())
            return 0
        if action == VERSION:
            from credhelper import __version__

            stdout.write(f"{PROG} {__version__}\n".encode())
            return 0
        return handle(action, stdin, stdout, stderr, profile=profile, verbose=verbose)

    return _reported(stderr, parsed_then_handled)


def handle(
    action: str,
    stdin: BinaryIO,
    stdout: BinaryIO,
    stderr: TextIO,
    profile: str | None = None,
    verbose: bool = False,
) -> int:
    """Answer git's ``action`` request read from ``stdin``; the exit code.

    On failure nothing reaches stdout and one line reaches stderr, so git moves on to its next
    helper or its prompt; each warning is one line on stderr too. ``verbose`` (or
    AMPLIFY_VERBOSE=1) says on stderr which profile answers, or why none does.
    """
    step = _ACTIONS.get(action)
    if step is None:
        return 0  # store, and (gitcredentials(7)) any operation we do not know: ignore it

    def answered() -> int:
        request = read_request(stdin)
        choice = serving_profile(request, profile)
        if verbose or _verbose():
            stderr.write(f"{PROG}: {choice.why}\n")
        stdout.write(step(request, choice.profile))
        return 0

    return _reported(stderr, answered)


def _reported(stderr: TextIO, action: Callable[[], int]) -> int:
    # git shows our stderr: one line per failure, and the traceback only when asked for.
    ask_as("git")  # for the audit log
    return reported(PROG, stderr, action, verbose=_verbose(), details="set AMPLIFY_VERBOSE=1")


def _verbose() -> bool:
    return os.environ.get("AMPLIFY_VERBOSE") == "1"


def _get(request: Request, profile: Profile | None) -> bytes:
    if profile is None:
        return b""  # not ours: git asks its next helper
    return format_answer(_answer(request, profile, get_token(profile)))


def _erase(request: Request, profile: Profile | None) -> bytes:
    # git sends erase with the credential a server refused: drop the cached token only if it is
    # that one, so a stale refusal never throws away a newer token. Imported here: a get, the
    # path that must be quick, never needs the in-memory holder that forget_token also clears.
    from credhelper import forget_token

    for given in (request.password, request.credential):
        if profile is not None and given:
            forget_token(given, profile)
    return b""


_ACTIONS: dict[str, Callable[[Request, Profile | None], bytes]] = {"get": _get, "erase": _erase}


def _answer(request: Request, profile: Profile, token: Token) -> list[tuple[str, str]]:
    username = settings.username(profile)
    secret = token.access_token
    if not secret or not is_safe_value(secret):
        raise LoginServiceError("the token holds a line break or NUL: not passing it to git")
    # gitcredentials(7): git stops asking helpers once it has a username and a password.
    pairs = [
        ("username", username),
        ("password", secret),
        # When the core would renew it: git must not reuse the token past that (git 2.40+).
        ("password_expiry_utc", str(int(token.renew_at(profile.refresh_margin)))),
    ]
    if "authtype" in request.capabilities and offers_bearer(request.wwwauth):
        # git 2.46+: only a caller that declared the capability may get these (older git
        # breaks on them). git then sends "Authorization: Bearer <credential>" and storage
        # helpers do not keep an ephemeral credential. Only a server whose challenge
        # (wwwauth[], git 2.41+) offers Bearer gets it: a Basic-only server refuses it, and
        # takes the token as a Basic password instead.
        pairs[:0] = [("capability[]", "authtype")]
        pairs += [("authtype", "Bearer"), ("credential", secret), ("ephemeral", "1")]
    return pairs


def _parse_argv(argv: list[str]) -> tuple[str | None, str | None, bool]:
    """(profile, operation, verbose) from ``[--profile P] [--verbose] OPERATION``; no
    operation (None) for --help, VERSION for --version."""
    profile, operations, verbose = None, [], False
    args = iter(argv)
    for arg in args:
        if arg in ("-h", "--help"):
            return None, None, False
        if arg == "--version":
            return None, VERSION, False
        if arg in ("-v", "--verbose"):
            verbose = True
        elif arg in ("-p", "--profile"):
            profile = next(args, "")
        elif arg.startswith("--profile="):
            profile = arg.partition("=")[2]
        elif arg.startswith("-"):
            raise ConfigError(f"unknown option {shown(arg)}; {USAGE.strip()}")
        else:
            operations.append(arg)
        if profile == "":
            raise ConfigError(f"--profile needs a profile name; {USAGE.strip()}")
    if len(operations) != 1:
        raise ConfigError(f"expected one operation; {USAGE.strip()}")
    return profile, operations[0], verbose
