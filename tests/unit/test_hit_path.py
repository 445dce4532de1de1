"""The cache-hit path: what it loads, and each shortcut it takes proven to agree with the long way.

A cache hit answers from two small files, so its cost is mostly what Python loads to run it and
to end (tests/benchmark.py counts it). The hit takes shortcuts for the plainest inputs only, each
checked here against the general code it stands in for: the config folder without platformdirs,
the command line without argparse, a URL without urllib.parse, names and tokens without regular
expressions.
"""

from __future__ import annotations

import os
import sys
from unittest import mock

import platformdirs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from credhelper import _files, cli
from credhelper._builtin import BUILT_IN

# -- the config folder without platformdirs ------------------------------------------------------

# What people put in these variables, and what they should not: relative, "~", blank, "//".
_FOLDER_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "\t", "/", "//", "/home/u", "/home/u/", "~", "~/cfg", "cfg", " /x"]),
    st.text(alphabet="/~. \tab\u00e9\u2003", max_size=10),
)


def _outcome(find: object) -> tuple[str, object]:
    try:
        return "folder", find()  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001  (platformdirs' own error is the answer then)
        return type(exc).__name__, str(exc)


@given(xdg=_FOLDER_VALUES, home=_FOLDER_VALUES)
@example(xdg=None, home="/home/u")
@example(xdg="", home="/")
@example(xdg="relative", home="/home/u")
@example(xdg="/abs", home=None)
@example(xdg=None, home="relative")
@example(xdg=None, home=None)
def test_the_config_folder_is_the_one_platformdirs_names(xdg: str | None, home: str | None) -> None:
    values = {"XDG_CONFIG_HOME": xdg, "HOME": home}
    environ = {k: v for k, v in os.environ.items() if k not in values}
    environ.update({k: v for k, v in values.items() if v is not None})
    with mock.patch.dict(os.environ, environ, clear=True):
        ours = _outcome(_files.config_dir)
        theirs = _outcome(lambda: platformdirs.user_config_dir(_files.APP_NAME, appauthor=False))
    assert ours == theirs


@pytest.mark.parametrize(
    ("xdg", "home", "expected"),
    [
        ("/x/cfg", "/home/u", "/x/cfg/amplify-credhelper"),
        (None, "/home/u/", "/home/u/.config/amplify-credhelper"),
        ("  ", "/home/u", "/home/u/.config/amplify-credhelper"),
        ("cfg", "/home/u", None),  # platformdirs versions differ here: they decide
        ("~/cfg", "/home/u", None),
        (None, "home/u", None),
        (None, None, None),
    ],
)
def test_the_plain_linux_cases_are_answered_without_platformdirs(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None, home: str | None, expected: str | None
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    for name, value in (("XDG_CONFIG_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert _files._plain_linux_config_dir() == expected


@pytest.mark.parametrize("platform", ["darwin", "win32", "freebsd14", "ios"])
def test_other_systems_ask_platformdirs(monkeypatch: pytest.MonkeyPatch, platform: str) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    assert _files._plain_linux_config_dir() is None


@pytest.mark.parametrize("variable", ["ANDROID_DATA", "ANDROID_ROOT"])
def test_anything_android_like_asks_platformdirs(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    # platformdirs takes Android for its own (ANDROID_DATA=/data, ANDROID_ROOT=/system): its call.
    monkeypatch.setenv(variable, "/data")
    assert _files._plain_linux_config_dir() is None


# -- the command line without argparse -----------------------------------------------------------

_ARGS = st.sampled_from([
    "-p", "--profile", "-v", "--verbose", "--refresh", "--json", "--all", "--", "-h", "--help",
    "--ref", "--prof", "--verb", "-pci", "-p=ci", "--profile=", "--profile=ci", "--profile=-x",
    "--verbose=1", "ci", "-x", "-1", "-", "=", "token", "login", "", "a b",
])  # fmt: skip
_COMMAND_LINES = st.tuples(
    st.sampled_from([*BUILT_IN, "login", "setup-git", "-v", "--help", ""]),
    st.lists(st.one_of(_ARGS, st.text(max_size=5)), max_size=6),
).map(lambda parts: [parts[0], *parts[1]])


@given(argv=_COMMAND_LINES)
@example(argv=["token", "--profile", "ci", "-v", "--json", "--refresh"])
@example(argv=["header", "-p", "x y"])
@example(argv=["env", "--profile=", "--verbose"])
@example(argv=["token", "-p", "-1"])
def test_the_plain_parse_agrees_with_argparse(argv: list[str]) -> None:
    plain = cli._plain_args(argv)
    if plain is None:
        return  # argparse decides
    parser = cli._parser([BUILT_IN[argv[0]]])
    assert vars(plain) == vars(parser.parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [["token"], ["token", "--profile", "ci", "-v"], ["token", "-p", "ci", "--json"],
     ["header", "--profile=ci"], ["env", "--verbose"], ["status", "--json"], ["logout", "--all"]],
)  # fmt: skip
def test_the_plain_command_lines_need_no_parser(argv: list[str]) -> None:
    assert cli._plain_args(argv) is not None


@pytest.mark.parametrize(
    "argv",
    [[], ["login"], ["-v", "token"], ["token", "--prof", "x"], ["token", "-p"], ["token", "-h"],
     ["token", "-v", "-v"], ["token", "x"], ["token", "--"], ["header", "--json"]],
)  # fmt: skip
def test_anything_else_goes_to_argparse(argv: list[str]) -> None:
    assert cli._plain_args(argv) is None
