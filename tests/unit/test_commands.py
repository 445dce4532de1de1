"""The one command contract: built-in and integration commands plug in the same way."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from importlib.metadata import EntryPoint

import pytest
from conftest import CliResult, login_argv
from git_credential_amplify.configure import SETUP_GIT, SetupGit

from credhelper import ConfigError, commands
from credhelper.cli import dispatch as cli
from credhelper.commands import Command, CommandParser
from credhelper.profiles import config


class Echo(Command):
    """A stand-in integration: prints what it was given; its login option sets its settings."""

    name = "setup-echo"
    help = "say what was given"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("words", nargs="*")

    def run(self, args, io) -> int:
        io.stdout.write(f"{args.profile} {args.verbose} {' '.join(args.words)}\n")
        return 0

    def add_login_options(self, parser: CommandParser) -> None:
        parser.add_argument("--echo", dest="echo_word")
        parser.add_argument("--no-echo", dest="echo_word", action="store_const", const="")

    def login_settings(self, args, current):
        if args.echo_word is None:
            return None
        return {**current, "word": args.echo_word} if args.echo_word else {}


def run(*argv: str, integrations=None, stdin: str = "") -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(argv), io.StringIO(stdin), out, err, integrations=integrations)
    return CliResult(code, out.getvalue(), err.getvalue())


def test_an_integration_command_gets_the_common_options() -> None:
    assert run("setup-echo", "-p", "ci", "-v", "a", "b", integrations=[Echo()]).out == "ci True a b\n"
    assert run("setup-echo", integrations=[Echo()]).out == "None False \n"


def test_the_full_help_lists_built_in_and_integration_commands(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    result = run("--help", integrations=[Echo(), SetupGit()])
    assert result.code == 0 and result.err == ""
    listed = re.findall(r"^    (\S+)", result.out, re.MULTILINE)
    assert listed == ["login", "token", "header", "env", "status", "logout", "inspect", "exec",
                      "doctor", "completion", "audit", "setup-echo", "setup-git"]  # fmt: skip
    assert "\n              make git ask amplify-credhelper for tokens for some hosts" in result.out
    assert "exit codes:\n  0  success\n  1  usage or configuration error (unknown" in result.out
    assert "  4  no usable keyring (none available, locked, or refused)\n" in result.out


def test_a_command_s_own_help_goes_to_its_stdout() -> None:
    result = run("setup-git", "--help", integrations=[SetupGit()])
    assert result.code == 0 and result.out.startswith("usage: amplify-credhelper setup-git [-h]")
    assert "--profile P, -p P" in result.out and "--verbose" in result.out


def test_login_gets_an_integrations_options_and_stores_its_settings(endpoint, memory_keyring) -> None:
    result = run(*login_argv(endpoint, "--echo", "hi"), integrations=[Echo()], stdin="test-secret")
    assert result.code == 0, result
    assert config.load_all()["default"].settings == {"echo": {"word": "hi"}}  # "setup-" dropped
    again = run("login", "--no-echo", "--secret-stdin", integrations=[Echo()], stdin="test-secret")
    assert again.code == 0 and config.load_all()["default"].settings == {}
    assert "--echo" in run("login", "--help", integrations=[Echo()]).out
    assert "--git-host" not in run("login", "--help", integrations=[Echo()]).out


def test_a_usage_error_is_a_config_error_pointing_at_help() -> None:
    parser = CommandParser(prog="amplify-credhelper x")
    with pytest.raises(ConfigError, match=r"^the following arguments are required: n \(see `amplify-credhelper x --help`\)$"):
        parser.add_argument("n")
        parser.parse_args([])


def test_the_settings_key_is_the_name_without_setup() -> None:
    assert SETUP_GIT.settings_key == "git"
    body = {"name": "login", "help": "log in", "run": lambda self, args, io: 0}
    login = type("Login", (Command,), body)()
    assert login.settings_key == "login" and login.login_settings(None, {}) is None


def test_the_installed_entry_points_are_the_docker_and_git_commands() -> None:
    from docker_credential_amplify.configure import SETUP_DOCKER

    found = commands.integration_commands()
    assert found == [SETUP_DOCKER, SETUP_GIT]  # by name, the very instances


@pytest.fixture
def entry_points(monkeypatch):
    def use(*points: tuple[str, str]) -> None:
        found = [EntryPoint(name, value, commands.ENTRY_POINTS) for name, value in points]
        monkeypatch.setattr(commands, "_entry_points", lambda: found)

    return use


def test_an_integration_that_fails_to_load_is_left_out_with_a_warning(entry_points) -> None:
    entry_points(("broken", "no_such_module_here:X"), ("setup-git", "git_credential_amplify.configure:SETUP_GIT"),
                 ("not-a-command", "os:sep"), ("token", "git_credential_amplify.configure:SETUP_GIT"),
                 ("other-name", "git_credential_amplify.configure:SETUP_GIT"))  # fmt: skip
    result = run("--help")
    assert result.code == 0 and "setup-git" in result.out and "broken" not in result.out
    assert result.err == (
        "amplify-credhelper: warning: cannot load the command 'broken': ModuleNotFoundError: "
        "No module named 'no_such_module_here'\n"
        "amplify-credhelper: warning: ignoring the command 'not-a-command': os:sep is not a Command\n"
    )  # the two that only repeat setup-git are dropped as duplicates of it


@pytest.mark.parametrize("taken", ["token", "completion"])  # one here, one in its own module
def test_a_built_in_name_cannot_be_taken(entry_points, monkeypatch, taken) -> None:
    class Taker(Command):
        name, help = taken, "takes a built-in name"

        def run(self, args, io) -> int:
            return 0

    monkeypatch.setattr("git_credential_amplify.configure.SETUP_GIT", Taker(), raising=True)
    entry_points((taken, "git_credential_amplify.configure:SETUP_GIT"))
    result = run("--help")
    assert result.err == (
        f"amplify-credhelper: warning: ignoring the command '{taken}' of "
        "git_credential_amplify.configure:SETUP_GIT: its name is taken or differs from the "
        "entry point's\n"
    )


def test_the_cache_hit_builds_no_parser_and_loads_no_integration(logged_in, entry_points) -> None:
    entry_points(("broken", "no_such_module_here:X"))  # would warn if anything looked
    assert run("token").err == ""
    probe = (
        "import io, sys\n"
        "from credhelper.cli import dispatch as cli\n"
        "code = cli.run(['token'], io.StringIO(), io.StringIO(), sys.stderr)\n"
        "assert code == 0\n"
        "print(sorted(m for m in ('credhelper.cli._login', 'git_credential_amplify', 'keyring',"
        " 'httpx', 'importlib.metadata', 'argparse') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ), check=False)  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")


def test_every_built_in_command_is_a_command_under_its_own_name() -> None:
    from credhelper.cli.dispatch import BUILT_IN

    assert list(BUILT_IN) == ["token", "header", "env", "status", "logout", "inspect", "exec",
                              "doctor", "completion", "audit"]  # fmt: skip
    assert all(isinstance(c, Command) and c.name == n for n, c in BUILT_IN.items())
    assert "nothing" not in BUILT_IN and len(BUILT_IN) == 10
    with pytest.raises(KeyError):
        BUILT_IN["nothing"]
