"""The ``amplify-credhelper`` command line.

``main`` is the only code that touches ``sys.argv``, the standard streams and the exit status;
``run`` does the work with the streams it is given and returns the exit code, so tests call it
directly. Every command, built in or an integration's, is a ``commands.Command``. Only the
parser of the command named is built, and integrations are looked up only for a command that is
not built in, for ``login`` (they add options to it) and for the full help: building parsers
and loading entry points cost milliseconds of the cache-hit path. The plainest command lines of
the built-in commands (``token``, ``token -p ci``) need no parser at all, nor argparse, which
alone would cost a cache hit a quarter of its instructions (``_plain_args``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from types import SimpleNamespace

from .. import _log, errors
from ..commands import Command, Streams, integration_commands
from ..errors import EXIT_CODES, PROG, exit_program, reported, standard_streams
from ._builtin import COMMANDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable, Iterator, Sequence
    from typing import IO

    from ..commands import CommandParser

EPILOG = "exit codes:\n{codes}\n\n{rule}\n".format(
    codes="\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES),
    rule="The profile is --profile, else the AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET pair (CI: no\n"
    "keyring, no config file), else $AMPLIFY_PROFILE, else 'default'.",
)


class _Table(Mapping[str, Command]):
    """Command name -> built-in command. Looking a command up imports its module if it has one
    of its own; a name is known (``in``, iteration) without importing anything."""

    def __init__(self, here: Iterable[Command], elsewhere: Mapping[str, str]) -> None:
        self._loaded = {command.name: command for command in here}
        self._elsewhere = dict(elsewhere)  # name -> "module:NAME" in this package (_lazy)
        self._names = [*self._loaded, *self._elsewhere]

    def __getitem__(self, name: str) -> Command:
        if name not in self._loaded:
            from .._lazy import load

            self._loaded[name] = load(self._elsewhere[name], __package__)  # type: ignore[assignment]
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


# Every built-in command but login (which ``_login`` builds with the integrations' options). The
# table sits here, above every command module: those it names import _builtin, never this one.
BUILT_IN: Mapping[str, Command] = _Table(
    COMMANDS,
    {"inspect": "._inspect:INSPECT", "exec": "._exec:EXEC", "doctor": "._doctor:DOCTOR",
     "completion": "._completion:COMPLETION", "audit": "._audit_cli:AUDIT"},  # fmt: skip
)


def main(argv: list[str] | None = None) -> None:
    exit_program(run(sys.argv[1:] if argv is None else argv, *standard_streams()))


def run(
    argv: list[str],
    stdin: IO[str],
    stdout: IO[str],
    stderr: IO[str],
    integrations: Sequence[Command] | None = None,
) -> int:
    """Run the command ``argv`` names; ``integrations`` replaces the installed ones (tests)."""
    io = Streams(stdin, stdout, stderr)
    ours = argv[: argv.index("--")] if "--" in argv else argv  # after it: exec's CMD and ARGS
    verbose = "--verbose" in ours or "-v" in ours or os.environ.get("AMPLIFY_VERBOSE") == "1"
    previous = _log.enable(stderr if verbose else None)
    try:
        return reported(PROG, stderr, lambda: _dispatch(argv, io, _Plugins(integrations)),
                        verbose=verbose)  # fmt: skip
    finally:
        _log.enable(previous)


class _Plugins:
    """The integration commands, looked up once, on first need."""

    def __init__(self, given: Sequence[Command] | None) -> None:
        self._commands = None if given is None else list(given)

    def __call__(self) -> list[Command]:
        if self._commands is None:
            self._commands = integration_commands(reserved=frozenset(["login", *BUILT_IN]))
        return self._commands


def _dispatch(argv: list[str], io: Streams, integrations: _Plugins) -> int:
    plain = _plain_args(argv)  # a cache hit's usual command line: no parser to build
    if plain is not None:
        errors.asked_by = plain.command  # for the audit log
        return BUILT_IN[plain.command].run(plain, io)
    return _parse_and_run(argv, io, integrations)


def _parse_and_run(argv: list[str], io: Streams, integrations: _Plugins) -> int:
    import contextlib

    named = argv[0] if argv and not argv[0].startswith("-") else None
    wanted = _command(named, integrations) if named else None
    chosen = [wanted] if wanted else _every_command(integrations)
    parser = _parser(chosen)
    with contextlib.redirect_stdout(io.stdout):  # argparse prints help to sys.stdout
        args, extra = parser.parse_known_args(argv)
        if extra:  # argparse would blame the top parser: name the command's own --help
            _parser_of(parser, args.command).error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:
        parser.print_help(io.stdout)
        return 1
    command = next(c for c in chosen if c.name == args.command)
    errors.asked_by = command.name  # for the audit log
    # What `completion` makes its scripts from, handed down: no command imports the CLI back.
    args.full_parser = lambda: _parser(_every_command(integrations))
    return command.run(args, io)


def _parser_of(parser: CommandParser, command: str | None) -> argparse.ArgumentParser:
    """The sub-parser of ``command`` (the top parser when there is none)."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]  # type: ignore[no-any-return]
    return parser


def _command(name: str, integrations: _Plugins) -> Command | None:
    if name == "login":
        return _login(integrations)
    if name in BUILT_IN:
        return BUILT_IN[name]
    return next((c for c in integrations() if c.name == name), None)


def _every_command(integrations: _Plugins) -> list[Command]:
    return [_login(integrations), *BUILT_IN.values(), *integrations()]


def _login(integrations: _Plugins) -> Command:
    from ._login import Login  # only `login` and the full help build its many options

    return Login(integrations)


def full_parser(integrations: Sequence[Command] | None = None) -> CommandParser:
    """The parser of every command, the integrations' included (``integrations`` replaces the
    installed ones): what the full --help describes and `completion` makes its scripts from."""
    return _parser(_every_command(_Plugins(integrations)))


def _plain_args(argv: list[str]) -> argparse.Namespace | None:
    """The namespace argparse would make of the plainest command lines, made without it.

    Those are a built-in command whose own arguments are switches (``token``, ``header``,
    ``env``, ``status``, ``logout``), followed by ``--profile P`` (``-p P``, ``--profile=P``),
    ``-v`` and its switches, in any order, each once. Anything else gets None: argparse parses
    it, errors and abbreviations included. tests/unit/test_hit_path.py checks the two agree.
    """
    switches = getattr(BUILT_IN.get(argv[0]) if argv else None, "switches", None)
    if switches is None:
        return None
    found: dict[str, object] = {"command": argv[0], "profile": None, "verbose": False}
    found.update((_dest(switch), False) for switch in switches)
    given: set[str] = set()
    rest = iter(argv[1:])
    for arg in rest:
        option = _plain_option(arg, rest, switches)
        if option is None or option[0] in given:
            return None
        given.add(option[0])
        found[option[0]] = option[1]
    return SimpleNamespace(**found)  # type: ignore[return-value]  # commands only read attributes


def _plain_option(
    arg: str, rest: Iterator[str], switches: Mapping[str, str]
) -> tuple[str, object] | None:
    """(attribute, value) of one plain option; None for anything argparse must judge."""
    if arg in ("-v", "--verbose"):
        return "verbose", True
    if arg in switches:
        return _dest(arg), True
    if arg.startswith("--profile="):
        return "profile", arg[len("--profile=") :]
    if arg in ("-p", "--profile"):
        value = next(rest, "-")  # a missing value, or one like an option: argparse's to judge
        return None if value.startswith("-") else ("profile", value)
    return None


def _dest(switch: str) -> str:
    return switch[2:].replace("-", "_")  # argparse's attribute for --a-switch


def _parser(chosen: list[Command]) -> CommandParser:
    import argparse

    from ..commands import CommandParser
    from ._version import VersionAction

    parser = CommandParser(
        prog=PROG,
        description="Amplify Platform service-account tokens from the OS keyring, cached.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action=VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = CommandParser(add_help=False)
    common.add_argument("--profile", "-p", metavar="P", help="profile to use")
    common.add_argument(
        "-v", "--verbose", action="store_true", help="say what happens on stderr (never a secret)"
    )
    for command in chosen:
        command.add_parser(commands, common)
    return parser
