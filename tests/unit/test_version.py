"""--version: one source of truth (the package metadata), read only when asked for."""

from __future__ import annotations

import io
import subprocess
import sys
from importlib.metadata import version

import git_credential_amplify

import credhelper

VERSION = version("amplify-credhelper")


def test_the_version_is_the_packages(run_cli) -> None:
    result = run_cli("--version")
    assert (result.code, result.out, result.err) == (0, f"amplify-credhelper {VERSION}\n", "")
    assert credhelper.__version__ == VERSION


def test_the_version_is_listed_in_help(run_cli) -> None:
    assert "--version" in run_cli("--help").out


def test_git_credential_amplify_says_its_version() -> None:
    out, err = io.BytesIO(), io.StringIO()
    code = git_credential_amplify.run(["--version"], io.BytesIO(), out, err)
    assert (code, out.getvalue(), err.getvalue()) == (
        0, f"git-credential-amplify {VERSION}\n".encode(), ""
    )  # fmt: skip


def test_nothing_reads_the_metadata_unless_asked() -> None:
    code = (
        "import sys, credhelper, credhelper.cli.dispatch;"
        "print('importlib.metadata' in sys.modules, 'credhelper.cli._version' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # cli imports _version (its --version action, an argparse.Action) only when it builds a
    # parser, and importlib.metadata never unless asked
    assert done.stdout == "False False\n"


def test_the_installed_wheel_carries_the_license() -> None:
    # setup.cfg's license_files: the MIT license travels with every copy of the code.
    from importlib.metadata import files

    [license_file] = [f for f in files("amplify-credhelper") or [] if f.name == "LICENSE"]
    assert "MIT License" in license_file.read_text()
