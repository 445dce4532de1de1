"""`completion`: the scripts shtab makes from our parser, and the profile names they ask for.

tests/integration/test_completion_shells.py runs each script in its real shell.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from git_credential_amplify.configure import SetupGit

from credhelper.cli import _completion
from credhelper.cli import dispatch as cli
from credhelper.commands import Command, CommandParser, Streams
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile

EVERY_BUILT_IN = ("login", "token", "header", "env", "status", "logout", "inspect", "exec",
                  "doctor", "completion", "audit")  # fmt: skip


def save_profiles(*names: str) -> None:
    config.save_all({n: make_profile(name=n, client_id=f"id-{n}") for n in names})


def test_profiles_lists_the_stored_names_one_a_line(run_cli) -> None:
    save_profiles("prod", "ci", "dev")
    result = run_cli("completion", "--profiles")
    assert (result.code, result.out, result.err) == (0, "ci\ndev\nprod\n", "")


def test_profiles_is_quiet_with_a_broken_config(run_cli) -> None:
    save_profiles("ci")
    with open(config.path(), "w") as broken:
        broken.write("{not json")
    result = run_cli("completion", "--profiles")
    assert (result.code, result.out, result.err) == (0, "", "")  # never an error mid-line


def test_listing_profiles_loads_neither_keyring_nor_httpx_nor_shtab(home, subprocess_env) -> None:
    code = (
        "import io, sys; from credhelper.cli import dispatch as cli;"
        "cli.run(['completion', '--profiles'], sys.stdin, io.StringIO(), sys.stderr);"
        "print(sorted(m for m in ('keyring', 'httpx', 'shtab') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=subprocess_env, check=True)  # fmt: skip
    assert done.stdout == "[]\n"


def test_a_profile_that_cannot_be_read_is_not_offered(run_cli) -> None:
    save_profiles("ci")
    with open(config.path(), "w") as partly:
        partly.write('{"profiles": {"ci": {"client_id": "a"}, "bad": {"client_id": 7}}}')
    result = run_cli("completion", "--profiles")
    assert (result.code, result.out, result.err) == (0, "ci\n", "")


@pytest.mark.parametrize("shell", _completion.SHELLS)
def test_each_script_knows_every_command_and_asks_for_profile_names(run_cli, shell) -> None:
    result = run_cli("completion", shell)
    assert result.code == 0 and result.err == ""
    for command in (*EVERY_BUILT_IN, "setup-docker", "setup-git"):  # the installed integrations
        assert command in result.out
    assert "amplify-credhelper completion --profiles" in result.out
    assert "--min-valid" in result.out and "--git-host" in result.out and "--registry" in result.out
    assert "--key-id" in result.out
    assert "--profiles" not in result.out.replace("completion --profiles", "")  # stays hidden


class SetupEcho(Command):
    name = "setup-echo"
    help = "an integration's command"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--echo-only-option")

    def run(self, args, io) -> int:
        return 0


def test_the_script_is_made_from_the_full_parser_integrations_included() -> None:
    made = _completion.Completion(parser=lambda: cli.full_parser([SetupEcho(), SetupGit()]))
    out = io.StringIO()
    args = cli.full_parser([]).parse_args(["completion", "bash"])
    assert made.run(args, Streams(io.StringIO(), out, io.StringIO())) == 0
    script = out.getvalue()
    listed = " ".join((*EVERY_BUILT_IN, "setup-echo", "setup-git"))
    assert f"\n_shtab_amplify_credhelper_subparsers=({listed})\n" in script
    assert "--echo-only-option" in script


def test_a_shell_is_needed(run_cli) -> None:
    result = run_cli("completion")
    assert (result.code, result.err) == (
        1,
        "amplify-credhelper: error: completion needs a shell: amplify-credhelper completion "
        "bash|zsh|fish\n",
    )


def test_an_unknown_shell_is_a_usage_error(run_cli) -> None:
    result = run_cli("completion", "csh")
    assert result.code == 1
    assert result.err.startswith("amplify-credhelper: error: argument shell: invalid choice: 'csh'")


WATCHED = ("shtab", "importlib.metadata", "credhelper.cli._exec", "credhelper.cli._doctor",
           "credhelper.cli._completion")  # fmt: skip


def test_the_token_commands_never_load_shtab_or_the_new_commands(logged_in) -> None:
    probe = (
        "import io, sys\n"
        "from credhelper.cli import dispatch as cli\n"
        "for name in ('token', 'header', 'env'):\n"
        "    assert cli.run([name], io.StringIO(), io.StringIO(), sys.stderr) == 0\n"
        f"print(sorted(m for m in {WATCHED!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ), check=False)  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")
    assert logged_in.token_requests == 1  # each a cache hit on the login's token


def test_bash_offers_inspect_its_json_switch_and_login_key_id(run_cli) -> None:
    script = run_cli("completion", "bash").out
    assert re.search(r"_shtab_amplify_credhelper_inspect_option_strings=\([^)]* --json[ )]", script)
    assert re.search(r"_shtab_amplify_credhelper_login_option_strings=\([^)]* --key-id ", script)
    assert "_shtab_amplify_credhelper_inspect___profile_COMPGEN=" in script  # profile names
