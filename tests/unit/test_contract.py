"""The integration contract: what ``credhelper.commands`` offers, what integrations import, and
a command class that lacks part of the contract failing where it is made."""

from __future__ import annotations

import ast
import warnings
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import credhelper
from credhelper import ConfigError, commands
from credhelper.commands import Command
from credhelper.testing.command_contract import CommandContract

INTEGRATIONS = Path(__file__).resolve().parents[2] / "integrations"


def test_the_contract_names_are_pinned() -> None:
    assert commands.__all__ == [
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
    for name in commands.__all__:
        assert getattr(commands, name) is not None


def test_the_lazy_names_are_the_ones_their_modules_define() -> None:
    from credhelper._parser import CommandParser
    from credhelper.api._policy import Attempt

    assert (commands.CommandParser, credhelper.Attempt) == (CommandParser, Attempt)
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        commands.Nothing  # noqa: B018


def _imported_from_credhelper(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "credhelper"}


@pytest.mark.parametrize("path", sorted(INTEGRATIONS.rglob("*.py")), ids=lambda p: p.name)
def test_integrations_import_only_the_face_and_the_contract(path: Path) -> None:
    assert _imported_from_credhelper(path) <= {"credhelper", "credhelper.commands"}


def test_the_scan_sees_a_deep_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("if True:\n    from credhelper.api._policy import Attempt\n")
    assert _imported_from_credhelper(module) == {"credhelper.api._policy"}


def _complete(**missing: None) -> dict[str, object]:
    body: dict[str, object] = {"name": "setup-thing", "help": "a thing", "run": lambda s, a, i: 0}
    for key in missing:
        del body[key]
    return body


def test_a_complete_command_can_be_made() -> None:
    command = type("Thing", (Command,), _complete())()
    assert command.run(None, None) == 0  # type: ignore[arg-type]


@pytest.mark.parametrize("lacking", ["run", "name", "help"])
def test_a_command_lacking_part_of_the_contract_cannot_be_made(lacking: str) -> None:
    incomplete = type("Thing", (Command,), _complete(**{lacking: None}))
    with pytest.raises(TypeError) as failed:
        incomplete()
    assert str(failed.value) == (
        f"the command class Thing lacks {lacking}: see credhelper.commands.Command"
    )


def test_a_plug_in_lacking_run_is_left_out_with_a_warning_naming_it(tmp_path, monkeypatch) -> None:
    (tmp_path / "half_done_plugin.py").write_text(
        "from credhelper.commands import Command\n"
        "class Half(Command):\n    name, help = 'half', 'half done'\n"
        "HALF = Half()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = EntryPoint("half", "half_done_plugin:HALF", commands.ENTRY_POINTS)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert commands._loaded(entry) is None
    assert [str(w.message) for w in seen] == [
        "cannot load the command 'half': TypeError: the command class Half lacks run: "
        "see credhelper.commands.Command"
    ]


class _Sloppy(Command):
    """Breaks the contract in the ways the kit must catch, one switch at a time."""

    name, help = "setup-sloppy", "a command that breaks the contract"

    def __init__(self, flaw: str) -> None:
        self.flaw = flaw

    def run(self, args, io):
        if args.profile == "no-such-profile":
            raise ValueError("not a CredhelperError") if self.flaw == "raise" else ConfigError(
                "two\nlines" if self.flaw == "lines" else "one line"
            )
        return None if self.flaw == "none" else True if self.flaw == "bool" else 0


class _LoginOptionsOnly(_Sloppy):
    def add_login_options(self, parser) -> None:  # without login_settings, nothing keeps them
        parser.add_argument("--sloppy", help="a setting nothing saves")


@pytest.mark.parametrize(
    ("flaw", "check"),
    [
        ("none", "test_run_returns_an_exit_code"),
        ("bool", "test_run_returns_an_exit_code"),
        ("raise", "test_a_failure_is_one_line_with_a_documented_exit_code"),
        ("lines", "test_a_failure_is_one_line_with_a_documented_exit_code"),
        ("login", "test_login_options_come_with_their_settings"),
    ],
)
def test_the_kit_fails_a_command_that_breaks_the_contract(flaw: str, check: str) -> None:
    kit = CommandContract()
    command = _LoginOptionsOnly("") if flaw == "login" else _Sloppy(flaw)
    with pytest.raises((AssertionError, ValueError)):
        getattr(kit, check)(command)
    getattr(kit, check)(_Sloppy(""))  # the same check passes the command without the flaw
