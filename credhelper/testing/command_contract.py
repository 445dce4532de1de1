"""The conformance kit every ``amplify-credhelper`` command runs, built-in or a plug-in's.

Subclass ``CommandContract`` in a pytest module (pytest is needed, not installed with us) and
override the ``command`` fixture; it may ask for the fixtures that make the command's plainest
run succeed (a logged-in profile, a fake git config)::

    class TestSetupThing(CommandContract):
        argv = ("thing.example.com",)  # after the name: a run that succeeds here

        @pytest.fixture
        def command(self, logged_in):
            return SetupThing()

The kit checks what the CLI relies on: a name and one line of help, a parser that takes
``--profile``/``--verbose`` from ``common`` and shows ``--help``, ``run`` returning an exit
code, failures raised as ``CredhelperError`` with a one-line message and a documented exit
code, and ``login`` options that come with their ``login_settings``.
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from ..cli.dispatch import BUILT_IN, full_parser
from ..commands import Command, Streams
from ..errors import EXIT_CODES, CredhelperError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")  # what a user types after the program


class CommandContract:
    """The contract tests; ``command`` is the fixture to override."""

    argv: Sequence[str] = ()  # after the command's name: a run that succeeds here
    stdin: str = ""  # what that run reads
    failing_argv: Sequence[str] = ("--profile", "no-such-profile")  # a run that must fail
    common_options = True  # False: a command that means no profile, and refuses --profile

    @pytest.fixture
    def command(self) -> Command:
        raise NotImplementedError("override the `command` fixture: the Command under test")

    def test_is_a_command_with_a_name_and_one_line_of_help(self, command: Command) -> None:
        assert isinstance(command, Command)
        assert NAME.match(command.name), f"{command.name!r}: lower-case words joined by '-'"
        for text in (command.help, command.description or command.help):
            assert text.strip() and "\n" not in command.help

    def test_takes_the_common_options(self, command: Command) -> None:
        if not self.common_options:
            with pytest.raises(CredhelperError):
                parsed(command, [*self.argv, "--profile=contract"])
            return
        args = parsed(command, ["--profile", "contract", "-v", *self.argv])
        assert (args.command, args.profile, args.verbose) == (command.name, "contract", True)

    def test_has_help(self, command: Command) -> None:
        out = io.StringIO()
        with pytest.raises(SystemExit) as ended, contextlib.redirect_stdout(out):
            parsed(command, ["--help"])
        assert ended.value.code == 0
        shown = " ".join(out.getvalue().split())
        assert shown.startswith(f"usage: amplify-credhelper {command.name}")
        assert ("--profile" in shown and "--verbose" in shown) == self.common_options
        assert " ".join((command.description or command.help).split())[:40] in shown

    def test_run_returns_an_exit_code(self, command: Command) -> None:
        code = ran(command, self.argv, self.stdin)
        assert type(code) is int and code in dict(EXIT_CODES), code

    def test_a_failure_is_one_line_with_a_documented_exit_code(self, command: Command) -> None:
        with pytest.raises(CredhelperError) as failed:
            ran(command, self.failing_argv, self.stdin)
        message = str(failed.value)
        assert message.strip() and "\n" not in message and len(message) < 500, message
        assert failed.value.exit_code in dict(EXIT_CODES) and failed.value.exit_code != 0

    def test_login_options_come_with_their_settings(self, command: Command) -> None:
        adds = _overrides(command, "add_login_options")
        assert adds == _overrides(command, "login_settings"), "declare both, or neither"
        login = _subparser(full_parser(_integrations(command)), "login")
        ours = [a for a in login._actions if _added_by(command, a)]
        assert len(ours) >= adds, "add_login_options added nothing to login"
        assert all(a.help and all(o.startswith("--") for o in a.option_strings) for a in ours)
        defaults = parsed(command, ["--client-id", "x"], name="login")
        settings = command.login_settings(defaults, {})
        assert settings is None or isinstance(settings, dict)


def parsed(command: Command, argv: Sequence[str], name: str = "") -> argparse.Namespace:
    """``argv`` after ``name`` (the command's own by default) as the CLI parses it."""
    integrations = _integrations(command)
    args = full_parser(integrations).parse_args([name or command.name, *argv])
    args.full_parser = lambda: full_parser(integrations)  # as the CLI hands it down
    return args


def ran(command: Command, argv: Sequence[str], stdin: str = "") -> int:
    """``command`` run on ``argv`` (after its name) with in-memory streams, as the CLI runs it."""
    args = parsed(command, argv)
    return command.run(args, Streams(io.StringIO(stdin), io.StringIO(), io.StringIO()))


def _integrations(command: Command) -> list[Command]:
    return [] if command.name == "login" or command.name in BUILT_IN else [command]


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    import argparse

    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return found.choices[name]  # type: ignore[no-any-return]


def _overrides(command: Command, method: str) -> bool:
    return getattr(type(command), method) is not getattr(Command, method)


def _added_by(command: Command, action: argparse.Action) -> bool:
    """Whether ``command``'s ``add_login_options`` adds ``action`` (by its option strings)."""
    from .._parser import CommandParser

    mine = CommandParser(add_help=False)
    command.add_login_options(mine)
    return any(set(a.option_strings) == set(action.option_strings) for a in mine._actions)
