"""The cache-hit path: what it loads, and each shortcut it takes proven to agree with the long way.

A cache hit answers from two small files, so its cost is mostly what Python loads to run it and
to end (tests/benchmark.py counts it). The hit takes shortcuts for the plainest inputs only, each
checked here against the general code it stands in for: the config folder without platformdirs,
the command line without argparse, a URL without urllib.parse, names and tokens without regular
expressions.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from unittest import mock
from urllib.parse import urlsplit

import platformdirs
import pytest
from conftest import console_script, login_argv
from hypothesis import example, given
from hypothesis import strategies as st

from credhelper import ConfigError, _files
from credhelper.cli import dispatch as cli
from credhelper.cli.dispatch import BUILT_IN
from credhelper.profiles import _urls, _validate
from credhelper.tokens import token as tokens

GIT_REQUEST = "protocol=https\nhost=git.example.com\n\n"
# Never on a cache hit: what a mint needs, what a parser needs, what only other commands need.
NOT_ON_A_HIT = (
    "argparse", "credhelper.cli._login", "credhelper.tokens._audit", "credhelper.api._holder", "credhelper.cli._output",
    "credhelper._signals", "credhelper.tokens._secret", "credhelper.tokens._transaction",
    "credhelper._parser", "credhelper.api._policy", "cryptography", "dataclasses", "filelock", "httpx", "importlib", "importlib.metadata", "ipaddress", "jwt",
    "keyring", "math", "pathlib", "platformdirs", "random", "shutil", "tempfile", "typing",
    "urllib.parse",
)  # fmt: skip


@pytest.fixture
def logged_in_for_git(run_cli, endpoint, memory_keyring):
    # A loopback --base-url, as every test here has: the URL check must not load urllib.parse.
    result = run_cli(*login_argv(endpoint, "--git-host", "git.example.com"), stdin="test-secret\n")
    assert result.code == 0, result
    return endpoint


def _loaded_by(script: str, argv: list[str], stdin: str = "") -> set[str]:
    """The modules the installed ``script`` loads, run as a user runs it (through pip's wrapper)."""
    output, modules = _imports([console_script(script), *argv], stdin)
    assert output, "the command printed nothing"
    return modules


def _imports(args: list[str], stdin: str = "") -> tuple[str, set[str]]:
    """What ``python -X importtime ARGS`` prints, and the modules it loaded."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args],
                          input=stdin, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line.rsplit("|", 1) for line in done.stderr.splitlines()]
    return done.stdout, {row[1].strip() for row in rows if row[0].startswith("import time:")}


def _loaded_before_our_code() -> set[str]:
    """What this venv's interpreter loads at start-up, before any of our code: site's .pth
    hooks, such as the finder of a `pip install -e .` (setuptools' editable finder loads
    pathlib and urllib.parse itself). The hit is charged only for what it adds."""
    return _imports(["-c", "pass"])[1]


@pytest.mark.parametrize(
    ("script", "argv", "stdin"),
    [
        ("amplify-credhelper", ["token"], ""),
        ("amplify-credhelper", ["header", "--profile", "default"], ""),
        ("amplify-credhelper", ["env", "-v"], ""),
        ("git-credential-amplify", ["get"], GIT_REQUEST),
    ],
)
def test_a_cache_hit_loads_only_what_it_uses(
    logged_in_for_git, script: str, argv: list[str], stdin: str
) -> None:
    loaded = _loaded_by(script, argv, stdin)
    assert "credhelper.tokens.cache" in loaded  # the probe sees our modules at all
    assert sorted((loaded - _loaded_before_our_code()) & set(NOT_ON_A_HIT)) == []


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


_FOLDERS = {  # kind: (its variable, ours, platformdirs')
    "config": ("XDG_CONFIG_HOME", _files.config_dir, platformdirs.user_config_dir),
    "state": ("XDG_STATE_HOME", _files.state_dir, platformdirs.user_state_dir),
}


@pytest.mark.parametrize("kind", sorted(_FOLDERS))
@given(xdg=_FOLDER_VALUES, home=_FOLDER_VALUES)
@example(xdg=None, home="/home/u")
@example(xdg="", home="/")
@example(xdg="relative", home="/home/u")
@example(xdg="/abs", home=None)
@example(xdg=None, home="relative")
@example(xdg=None, home=None)
def test_our_folders_are_the_ones_platformdirs_names(kind: str, xdg: str | None,
                                                     home: str | None) -> None:  # fmt: skip
    variable, ours, theirs = _FOLDERS[kind]
    values = {variable: xdg, "HOME": home}
    environ = {k: v for k, v in os.environ.items() if k not in values}
    environ.update({k: v for k, v in values.items() if v is not None})
    with mock.patch.dict(os.environ, environ, clear=True):
        found = _outcome(ours), _outcome(lambda: theirs(_files.APP_NAME, appauthor=False))
    assert found[0] == found[1]


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
    assert _files._plain_linux_dir("XDG_CONFIG_HOME", "~/.config") == expected


@pytest.mark.parametrize("platform", ["darwin", "win32", "freebsd14", "ios"])
def test_other_systems_ask_platformdirs(monkeypatch: pytest.MonkeyPatch, platform: str) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    assert _files._plain_linux_dir("XDG_CONFIG_HOME", "~/.config") is None


@pytest.mark.parametrize("variable", ["ANDROID_DATA", "ANDROID_ROOT"])
def test_anything_android_like_asks_platformdirs(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    # platformdirs takes Android for its own (ANDROID_DATA=/data, ANDROID_ROOT=/system): its call.
    monkeypatch.setenv(variable, "/data")
    assert _files._plain_linux_dir("XDG_CONFIG_HOME", "~/.config") is None


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


# -- a URL without urllib.parse ------------------------------------------------------------------

# Plain URLs, and each with one odd thing put in somewhere: a near miss of the plain shape.
_PLAIN_URLS = st.from_regex(
    r"(https|http)://(127\.0\.0\.1|localhost|[A-Za-z0-9._-]{1,10})(:[0-9]{1,5})?"
    r"(/[A-Za-z0-9._~/%-]{0,10})?",
    fullmatch=True,
)
_ODD = st.sampled_from([*"@#?[]:/\\ \t\u00e9%.-", "://", "user@", "HTTP", "[::1]", "\u0661"])
_URLS = st.one_of(
    _PLAIN_URLS,
    st.builds(lambda url, odd, at: url[:at] + odd + url[at:], _PLAIN_URLS, _ODD, st.integers(0, 30)),
    st.builds("{}/a{}b".format, _PLAIN_URLS, _ODD),  # in the path
)  # fmt: skip


def _accepted_by_urlsplit(url: str) -> bool:
    try:
        _urls._check_split_url(url, "url")
    except ConfigError:
        return False
    return True


@given(url=_URLS)
@example(url="https://user@login.example.com")
@example(url="https://h/a#b")
@example(url="http://127.0.0.1:8080/auth")
@example(url="http://127.0.0.1.example.com")
@example(url="https://h:")
@example(url="https://[::1]")
@example(url="https://h:0")
@example(url="https://h:65535/x")
@example(url="https://h:65536")
@example(url="https://a..b")
@example(url="https://-a.example.com")
@example(url="https://xn--80ak6aa92e.com")
@example(url="https://xn--zz.com")
@example(url=f"https://{'a' * 64}.com")
def test_every_plain_url_is_one_urlsplit_accepts(url: str) -> None:
    if _urls._is_plain_url(url):
        assert _accepted_by_urlsplit(url)
        assert urlsplit(url).hostname  # and the one host it sends to is the one checked


@pytest.mark.parametrize(
    "url",
    ["https://login.axway.com", "https://login.axwaytest.net/", "http://127.0.0.1:51234",
     "http://localhost:8080/auth", "https://sso.example.com/auth/realms/R/protocol/x/token"],
)  # fmt: skip
def test_the_urls_people_have_need_no_urllib(url: str) -> None:
    assert _urls._is_plain_url(url)
    assert _urls.check_url(url, "base url") == url


@pytest.mark.parametrize(
    "url",
    ["https://h:x", "https://u@h", "https://h#f", "https://h/?q", "https://[::1]", "HTTPS://h",
     "http://example.com", "https://h\\x", "https://h/\u00fc", "https://", "https:///x",
     "https://h:0", "https://h:65536", "https://a..b", "https://-a.com", "https://a_b.com",
     "https://xn--80ak6aa92e.com", "https://h./"],
)  # fmt: skip
def test_anything_else_goes_to_urlsplit(url: str) -> None:
    assert not _urls._is_plain_url(url)


# -- names and tokens without compiling a regular expression -------------------------------------
# The patterns themselves, as the rules were first written: the checks must agree with them.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
INTEGRATION = re.compile(r"[a-z][a-z0-9_-]{0,31}\Z")
BEARER = re.compile(r"[A-Za-z0-9\-._~+/]+=*\Z")  # RFC 6750 section 2.1, b64token
_NEAR = st.text(alphabet="aZ09._-~+/=é ²\n", max_size=70)


def _passes(check, value) -> bool:
    try:
        check(value)
    except ConfigError:
        return False
    return True


@given(value=st.one_of(_NEAR, st.text(max_size=70)))
@example(value="a" * 64)
@example(value="a" * 65)
def test_the_name_checks_are_the_patterns(value: str) -> None:
    assert _passes(_validate.check_name, value) is bool(NAME.match(value))
    assert _validate._is_integration_name(value) is bool(INTEGRATION.match(value))


@given(value=st.one_of(_NEAR, st.text(max_size=20)))
@example(value="===")
@example(value="abc==")
@example(value="a=b")
def test_the_bearer_token_check_is_the_pattern(value: str) -> None:
    assert tokens.is_bearer_token(value) is bool(BEARER.match(value))


# -- the end of a program ------------------------------------------------------------------------


def test_a_program_ends_with_its_code_its_output_flushed_and_its_objects_frozen() -> None:
    probe = (
        "import atexit, gc, sys\n"
        "from credhelper.errors import exit_program\n"
        "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0))\n"
        "sys.stdout.write('x' * 100000)\n"
        "exit_program(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (3, "x" * 100000 + "frozen: True\n", "")
