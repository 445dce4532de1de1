"""The one contract of every ``amplify-credhelper`` command, built in (``login``) or an
integration's (``setup-git``).

A command is a ``Command`` instance: ``add_parser`` adds its sub-parser to the CLI's, ``run``
does the work with the streams it is given and returns the exit code, raising
``CredhelperError`` subclasses for failures (the CLI prints them as one line, see
``errors.reported``). Integrations register instances under the entry point group
``amplify_credhelper.commands`` (``setup-git = git_credential_amplify.configure:SETUP_GIT``); a
command whose integration keeps per-profile settings may also add options to ``login``.

This module is also the integration contract: with the public face (``credhelper``), it is all
that an integration imports, and ``__all__`` names everything it offers them. ``Command`` and
``Streams`` for commands; ``reported``, ``exit_program``, ``standard_streams``, ``ask_as`` (who
asks, for the audit log), ``shown`` (a value in a message, safely) and ``PROG`` for a helper
program's ``main`` (one line per failure, the documented exit codes); ``signals_raise`` for a
step that must finish or be undone (a signal becomes an exception, so the undo runs). An auth
built on ``credhelper.Authorizer`` finds ``Attempt`` beside it.
``credhelper.testing.command_contract`` is the test kit every command runs.

Imported by the CLI and by integration command modules only: argparse costs milliseconds that
the cache-hit path of the Python API does not pay.
"""

from __future__ import annotations

import abc
import functools
import warnings

from .errors import PROG, ask_as, exit_program, reported, shown, standard_streams

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping
    from importlib.metadata import EntryPoint
    from typing import IO, Any

    from ._parser import CommandParser
    from ._signals import signals_raise

    Subcommands = argparse._SubParsersAction["CommandParser"]

__all__ = [
    "ENTRY_POINTS",
    "PROG",
    "Command",
    "CommandParser",
    "Streams",
    "ask_as",
    "exit_program",
    "reported",
    "shown",
    "signals_raise",
    "standard_streams",
]

ENTRY_POINTS = "amplify_credhelper.commands"


# PEP 562 (see _lazy): argparse is loaded when a parser is built, not when a command merely runs
# (the cache-hit commands run without one: argparse would be a quarter of their budget); the
# signal rule when a command changes something, never on a cache hit.
_LAZY = {"CommandParser": "._parser:CommandParser", "signals_raise": "._signals:signals_raise"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from ._lazy import attribute

        return attribute(__name__, name, _LAZY[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Streams:
    """The three text streams of a command."""

    __slots__ = ("stdin", "stdout", "stderr")

    def __init__(self, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> None:
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr


class Command(abc.ABC):
    """The base of every command. Set ``name`` and ``help``; override ``run``, and
    ``add_arguments`` (or ``add_parser``) if the command takes arguments of its own.

    A class that lacks one of the three cannot be instantiated: the plug-in fails where it is
    made (when its entry point loads), naming what is missing, not when a user runs it.
    """

    name: str = ""
    help: str = ""  # one line, shown in `amplify-credhelper --help`
    description: str | None = None  # the command's own --help; default: ``help``

    def __new__(cls, *args: object, **kwargs: object) -> Command:
        missing = [n for n in ("name", "help") if not getattr(cls, n)]
        missing += sorted(cls.__abstractmethods__)
        if missing:
            raise TypeError(
                f"the command class {cls.__qualname__} lacks {', '.join(missing)}: "
                "see credhelper.commands.Command"
            )
        return super().__new__(cls)

    @property
    def settings_key(self) -> str:
        """The integration whose profile settings ``login_settings`` gives (``Profile.settings``
        key): by default the name without ``setup-`` ("setup-git" -> "git")."""
        return self.name[len("setup-") :] if self.name.startswith("setup-") else self.name

    def add_parser(self, commands: Subcommands, common: CommandParser) -> CommandParser:
        """Add this command's parser; ``common`` holds --profile/-p and --verbose/-v."""
        parser = commands.add_parser(
            self.name, parents=[common], help=self.help, description=self.description or self.help
        )
        self.add_arguments(parser)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:  # noqa: B027  (optional: none by default)
        """Add the command's own arguments (nothing by default)."""

    @abc.abstractmethod
    def run(self, args: argparse.Namespace, io: Streams) -> int:
        """Do the work; the exit code. Failures are ``CredhelperError``s, each one line."""

    def add_login_options(self, parser: CommandParser) -> None:  # noqa: B027  (optional)
        """Add options to ``login`` that set this integration's profile settings (none here)."""

    def login_settings(
        self, args: argparse.Namespace, current: Mapping[str, object]
    ) -> Mapping[str, object] | None:
        """This integration's settings after ``login`` with ``args``, from ``current``; None
        leaves them as they are (the default), an empty mapping removes them."""
        return None

    def doctor_checks(self, profile: Any) -> list[tuple[str, str, str]]:
        """What ``doctor`` (and ``login``, its FAILs as warnings) says of this integration's
        settings of ``profile`` (a ``Profile``): (mark, subject, text) rows, mark ``"ok"``,
        ``"FAIL"`` (the text says what to do) or ``"--"``; none by default."""
        return []


def integration_commands(reserved: frozenset[str] = frozenset()) -> list[Command]:
    """The commands installed integrations register, by name. One that cannot be loaded, is no
    Command, or takes a ``reserved`` name is left out with a warning: one integration's fault
    must not stop the others, or the built-in commands."""
    found: dict[str, Command] = {}
    for entry in _entry_points():
        command = _loaded(entry)
        if command is None or command.name in found:
            continue
        if command.name in reserved or command.name != entry.name:
            warnings.warn(
                f"ignoring the command {entry.name!r} of {entry.value}: its name is taken "
                "or differs from the entry point's",
                stacklevel=2,
            )
            continue
        found[command.name] = command
    return [found[name] for name in sorted(found)]


def _loaded(entry: EntryPoint) -> Command | None:
    try:
        command = entry.load()
    except Exception as exc:  # noqa: BLE001  (an integration's import error, whatever it is)
        problem = shown(" ".join(f"{type(exc).__name__}: {exc}".split()), 200, quoted=False)
        warnings.warn(f"cannot load the command {entry.name!r}: {problem}", stacklevel=3)
        return None
    if not isinstance(command, Command):
        warnings.warn(f"ignoring the command {entry.name!r}: {entry.value} is not a Command",
                      stacklevel=3)  # fmt: skip
        return None
    return command


@functools.lru_cache(maxsize=1)  # reading every installed package's metadata takes a while
def _entry_points() -> list[EntryPoint]:
    from importlib.metadata import entry_points

    found = entry_points()
    if hasattr(found, "select"):
        return list(found.select(group=ENTRY_POINTS))
    return list(found.get(ENTRY_POINTS, ()))  # Python 3.9
