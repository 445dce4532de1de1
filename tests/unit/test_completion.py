"""`completion`: the scripts shtab makes from our parser, and the profile names they ask for.

tests/integration/test_completion_shells.py runs each script in its real shell.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from credhelper import _completion, profiles


def save_profiles(*names: str) -> None:
    made = {n: profiles.make_profile(name=n, client_id=f"id-{n}") for n in names}
    profiles.save_all(made)


def test_profiles_lists_the_stored_names_one_a_line(run_cli) -> None:
    save_profiles("prod", "ci", "dev")
    result = run_cli("completion", "--profiles")
    assert (result.code, result.out, result.err) == (0, "ci\ndev\nprod\n", "")


def test_profiles_is_quiet_with_a_broken_config(run_cli) -> None:
    save_profiles("ci")
    with open(profiles.config_path(), "w") as broken:
        broken.write("{not json")
    result = run_cli("completion", "--profiles")
    assert (result.code, result.out, result.err) == (0, "", "")  # never an error mid-line


def test_listing_profiles_loads_neither_keyring_nor_httpx_nor_shtab(home, subprocess_env) -> None:
    code = (
        "import io, sys; from credhelper import cli;"
        "cli.run(['completion', '--profiles'], sys.stdin, io.StringIO(), sys.stderr);"
        "print(sorted(m for m in ('keyring', 'httpx', 'shtab') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=subprocess_env, check=True)  # fmt: skip
    assert done.stdout == "[]\n"


@pytest.mark.parametrize("shell", _completion.SHELLS)
def test_each_script_knows_every_command_and_asks_for_profile_names(run_cli, shell) -> None:
    result = run_cli("completion", shell)
    assert result.code == 0 and result.err == ""
    for command in ("login", "token", "header", "env", "status", "logout", "exec", "doctor"):
        assert command in result.out
    assert "amplify-credhelper completion --profiles" in result.out
    assert "--min-valid" in result.out
    assert "--profiles" not in result.out.replace("completion --profiles", "")  # stays hidden


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


def test_the_token_commands_never_load_shtab_or_the_new_commands() -> None:
    code = (
        "import io, sys; from credhelper import cli;"
        "[cli._parser(io.StringIO(), name) for name in ('token', 'header', 'env')];"
        "print(sorted(m for m in sys.modules if m == 'shtab' or m.startswith('credhelper._')"
        " and m.split('.')[1] in ('_completion', '_doctor', '_exec')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
