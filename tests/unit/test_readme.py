"""What README.md shows users, checked against the installed program, so that the two cannot drift
apart: the synopsis names only options the parser has (and every option a command's help
shows), and each example of the `| command | example | prints |` table whose answer is not prose
prints what the table says, run against the local token endpoint."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from conftest import console_script

from credhelper.cli import dispatch as cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
# Every command takes these (the command contract), so the synopsis needs not repeat them.
COMMON = {"-h", "--help", "-v", "--verbose", "-p", "--profile"}


def _synopsis() -> dict[str, str]:
    """The synopsis block under "## Commands": each command's text, continuation lines joined."""
    block = README.split("## Commands\n", 1)[1].split("```\n", 2)[1]
    found: dict[str, str] = {}
    name = ""
    for line in block.splitlines():
        if line.startswith("amplify-credhelper "):
            words = line.split()
            name = "" if words[1].startswith("-") else words[1]  # "" : the program's own options
            found[name] = found.get(name, "") + " " + " ".join(words[1 + bool(name) :])
        else:
            found[name] += " " + line.strip()
    return found


def _table() -> dict[str, tuple[str, str]]:
    """The table's rows: command -> (the example, the prints cell), with `\\|` made `|`."""
    rows = {}
    for line in README.splitlines():
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[1].strip("`"), cells[2])
    return rows


def _options(parser: argparse.ArgumentParser) -> set[str]:
    """The options the parser's help shows (not those hidden with SUPPRESS)."""
    return {
        switch
        for action in parser._actions
        if action.help != argparse.SUPPRESS
        for switch in action.option_strings
    }


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.full_parser()
    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {"": parser, **found.choices}


def _quoted(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_the_synopsis_names_every_command_and_option_and_no_other() -> None:
    synopsis, parsers = _synopsis(), _subparsers()
    assert sorted(synopsis) == sorted(parsers)
    for name, text in synopsis.items():
        named = set(re.findall(r"(?<![\w-])--?[a-z][a-z-]*", text))
        shown = _options(parsers[name])
        assert named <= shown | COMMON, (name, named - shown)
        assert shown - COMMON <= named, (name, shown - COMMON - named)


def test_the_table_has_a_row_for_every_command() -> None:
    commands = {row.split()[0] for row in _table()}
    assert commands >= set(_subparsers()) - {"", "setup-git", "setup-docker"} | {"--version"}


def test_version_prints_what_the_table_says(run_cli) -> None:
    example, prints = _table()["--version"]
    said, also = _quoted(prints)
    assert run_cli(*shlex.split(example)[1:]).out == said + "\n"
    helper, option = also.split()
    done = subprocess.run([console_script(helper), option], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.stdout == said.replace("amplify-credhelper", helper) + "\n"


def test_login_prints_what_the_table_says(run_cli, endpoint, memory_keyring) -> None:
    example, prints = _table()["login"]
    argv = shlex.split(example.split("| amplify-credhelper ", 1)[1])
    client = argv[argv.index("--client-id") + 1]
    endpoint.clients[client] = "the-secret"
    result = run_cli(*argv, "--base-url", endpoint.base_url, stdin="the-secret")
    assert (result.code, result.err) == (0, ""), result
    # The endpoint's token lives 1800 s, as Amplify's do (FACTS.md); a second may pass.
    [said] = _quoted(prints)
    assert result.out in (said + "\n", said.replace("29 min 59 s", "30 min") + "\n")


@pytest.mark.parametrize("command", ["header", "env"])
def test_header_and_env_print_what_the_table_says(run_cli, logged_in, command) -> None:
    example, prints = _table()[command]
    token = logged_in.issued[-1]
    lines = run_cli(command).out.splitlines()
    assert example.startswith(("curl", "eval")) and f"amplify-credhelper {command}" in example
    values = {"<token>": token, "<org id>": "652605300303530", "...": ".+"}
    patterns = [re.escape(p) for p in _quoted(prints) if not p.startswith("unset")]
    for placeholder, value in values.items():
        patterns = [p.replace(re.escape(placeholder), value) for p in patterns]
    assert len(lines) == len(patterns), lines
    for line, pattern in zip(lines, patterns):
        if line.startswith("unset "):  # a value not known here: the row's variable, unset
            name = line.removeprefix("unset ")
            assert pattern.startswith(re.escape(f"export {name}=")), (line, pattern)
            continue
        assert re.fullmatch(pattern, line), (line, pattern)


def test_token_json_has_every_field_the_table_names(run_cli, logged_in) -> None:
    example, prints = _table()["token --json"]
    answer = json.loads(run_cli("token", "--json").out)
    assert example.endswith("| jq -r .org.id")
    for field in [example.rsplit(" ", 1)[1], *(f.split()[0] for f in _quoted(prints))]:
        value = answer
        for key in field.strip(".").split("."):
            value = value[key]
        # A profile on its own base URL (this one) has no region: null, as the README says.
        if field not in (".auth.region", ".auth.centralUrl"):
            assert value not in (None, ""), field
