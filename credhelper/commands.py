"""The one contract of every ``amplify-credhelper`` command, built in (``login``) or an
integration's (``setup-git``).

A command is a ``Command`` instance: ``add_parser`` adds its sub-parser to the CLI's, ``run``
does the work with the streams it is given and returns the exit code, raising
``CredhelperError`` subclasses for failures (the CLI prints them as one line, see
``errors.reported``). Integrations register instances under the entry point group
``amplify_credhelper.commands`` (``setup-git = git_credential_amplify.configure:SETUP_GIT``); a
command whose integration keeps per-profile settings may also add options to ``login``.

Imported by the CLI and by integration command modules only: argparse costs milliseconds that
the cache-hit path of the Python API does not pay.
"""

from __future__ import annotations

import functools
import warnings

from .errors import PROG, reported, shown

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping
    from importlib.metadata import EntryPoint
    from typing import IO

    from ._parser import CommandParser

    Subcommands = argparse._SubParsersAction["CommandParser"]

__all__ = ["ENTRY_POINTS", "PROG", "Command", "CommandParser", "Streams", "reported"]

ENTRY_POINTS = "amplify_credhelper.commands"


def __getattr__(name: str) -> object:
    # PEP 562: argparse is loaded when a parser is built, not when a command merely runs (the
    # cache-hit commands run without one: argparse would be a quarter of their budget).
    if name == "CommandParser":
        from ._parser import CommandParser

        return CommandParser
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Streams:
    """The three text streams of a command."""

    __slots__ = ("stdin", "stdout", "stderr")

    def __init__(self, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> None:
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr


class Command:
    """The base of every command. Set ``name`` and ``help``; override ``add_arguments`` (or
    ``add_parser``) and ``run``."""

    name: str = ""
    help: str = ""  # one line, shown in `amplify-credhelper --help`
    description: str | None = None  # the command's own --help; default: ``help``

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

    def add_arguments(self, parser: CommandParser) -> None:
        """Add the command's own arguments (nothing by default)."""

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        raise NotImplementedError

    def add_login_options(self, parser: CommandParser) -> None:
        """Add options to ``login`` that set this integration's profile settings (none here)."""

    def login_settings(
        self, args: argparse.Namespace, current: Mapping[str, object]
    ) -> Mapping[str, object] | None:
        """This integration's settings after ``login`` with ``args``, from ``current``; None
        leaves them as they are (the default), an empty mapping removes them."""
        return None


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
