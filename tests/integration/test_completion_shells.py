"""Each completion script in its real shell: bash (compgen, as on Tab), zsh and fish."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import amplify, console_script
from support.require import need

pytestmark = pytest.mark.integration


@pytest.fixture
def shell_env(subprocess_env, home: Path) -> dict[str, str]:
    """The installed commands first on PATH, and two stored profiles to complete."""
    env = {**subprocess_env, "PATH": f"{Path(console_script('amplify-credhelper')).parent}:"
           f"{os.environ['PATH']}"}  # fmt: skip
    config = home / "config" / "amplify-credhelper"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.json").write_text(
        '{"profiles": {"ci": {"client_id": "a"}, "dev": {"client_id": "b"}}}'
    )
    return env


def script(env: dict[str, str], shell: str, tmp_path: Path) -> Path:
    made = amplify(env, "completion", shell)
    assert made.returncode == 0, made.stderr
    path = tmp_path / f"completion.{shell}"
    path.write_text(made.stdout)
    return path


def run_shell(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


BASH_TAB = """
source "$1"
complete() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=();
             _shtab_amplify_credhelper; echo "${COMPREPLY[*]}"; }
complete amplify-credhelper to
complete amplify-credhelper token --profile ''
complete amplify-credhelper exec -p d
complete amplify-credhelper completion ''
"""


def test_bash_completes_commands_profiles_and_shells(shell_env, tmp_path) -> None:
    path = script(shell_env, "bash", tmp_path)
    run_shell(["bash", "-n", str(path)], shell_env)
    out = run_shell(["bash", "-c", BASH_TAB, "bash", str(path)], shell_env)
    assert out.splitlines() == ["token", "ci dev", "dev", "bash zsh fish"]


def test_zsh_loads_the_script_and_registers_it(shell_env, tmp_path) -> None:
    need(shutil.which("zsh") is not None, "zsh (Debian package zsh)")
    path = script(shell_env, "zsh", tmp_path)
    run_shell(["zsh", "-n", str(path)], shell_env)
    out = run_shell(["zsh", "-f", "-c", 'autoload -U compinit; compinit -u -D; eval "$(<$1)";'
                     ' print -r -- $_comps[amplify-credhelper]', "zsh", str(path)], shell_env)  # fmt: skip
    assert out == "_shtab_amplify_credhelper\n"


def test_fish_completes_commands_profiles_and_shells(shell_env, tmp_path) -> None:
    need(shutil.which("fish") is not None, "fish (Debian package fish)")
    path = script(shell_env, "fish", tmp_path)
    run_shell(["fish", "--no-execute", str(path)], shell_env)
    asks = ["amplify-credhelper do", "amplify-credhelper token --profile ",
            "amplify-credhelper completion "]  # fmt: skip
    lines = "; ".join(f"complete -C '{ask}'" for ask in asks)
    out = run_shell(["fish", "--no-config", "-c", f"source {path}; {lines}"], shell_env)
    names = [line.split("\t")[0] for line in out.splitlines()]
    assert names == ["doctor", "ci", "dev", "bash", "zsh", "fish"]
