"""The ``amplify-credhelper`` command line.

``main`` is the only code that touches ``sys.argv``, the standard streams and the exit status;
``run`` does the work with the streams it is given and returns the exit code, so tests call it
directly. Every command, built in or an integration's, is a ``commands.Command``. Only the
parser of the command named is built, and integrations are looked up only for a command that is
not built in, for ``login`` (they add options to it) and for the full help: building parsers
and loading entry points cost milliseconds of the cache-hit path.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from . import _log
from ._builtin import BUILT_IN
from .commands import Command, CommandParser, Streams, integration_commands
from .errors import EXIT_CODES, PROG, reported

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO

EPILOG = "exit codes:\n{codes}\n\n{rule}\n".format(
    codes="\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES),
    rule="The profile is --profile, else the AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET pair (CI: no\n"
    "keyring, no config file), else $AMPLIFY_PROFILE, else 'default'.",
)


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(sys.argv[1:] if argv is None else argv, sys.stdin, sys.stdout, sys.stderr))


def run(
    argv: list[str],
    stdin: IO[str],
    stdout: IO[str],
    stderr: IO[str],
    integrations: Sequence[Command] | None = None,
) -> int:
    """Run the command ``argv`` names; ``integrations`` replaces the installed ones (tests)."""
    io = Streams(stdin, stdout, stderr)
    verbose = "--verbose" in argv or "-v" in argv or os.environ.get("AMPLIFY_VERBOSE") == "1"
    previous = _log.enable(stderr if verbose else None)
    try:
        return reported(PROG, stderr, lambda: _dispatch(argv, io, _Found(integrations)),
                        verbose=verbose)  # fmt: skip
    finally:
        _log.enable(previous)


class _Found:
    """The integration commands, looked up once, on first need."""

    def __init__(self, given: Sequence[Command] | None) -> None:
        self._commands = None if given is None else list(given)

    def __call__(self) -> list[Command]:
        if self._commands is None:
            self._commands = integration_commands(reserved=frozenset(["login", *BUILT_IN]))
        return self._commands


def _dispatch(argv: list[str], io: Streams, integrations: _Found) -> int:
    named = argv[0] if argv and not argv[0].startswith("-") else None
    wanted = _command(named, integrations) if named else None
    chosen = [wanted] if wanted else _every_command(integrations)
    parser = _parser(chosen)
    with contextlib.redirect_stdout(io.stdout):  # argparse prints help to sys.stdout
        args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(io.stdout)
        return 1
    command = next(c for c in chosen if c.name == args.command)
    return command.run(args, io)


def _command(name: str, integrations: _Found) -> Command | None:
    if name == "login":
        return _login(integrations)
    if name in BUILT_IN:
        return BUILT_IN[name]
    return next((c for c in integrations() if c.name == name), None)


def _every_command(integrations: _Found) -> list[Command]:
    return [_login(integrations), *BUILT_IN.values(), *integrations()]


def _login(integrations: _Found) -> Command:
    from ._login_cli import Login  # only `login` and the full help build its many options

    return Login(integrations)


def _parser(chosen: list[Command]) -> CommandParser:
    parser = CommandParser(
        prog=PROG,
        description="Amplify Platform service-account tokens from the OS keyring, cached.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = CommandParser(add_help=False)
    common.add_argument("--profile", "-p", metavar="P", help="profile to use")
    common.add_argument(
        "-v", "--verbose", action="store_true", help="say what happens on stderr (never a secret)"
    )
    for command in chosen:
        command.add_parser(commands, common)
    return parser
