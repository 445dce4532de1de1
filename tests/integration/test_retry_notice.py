"""A person at a terminal sees each retry on stderr, without --verbose; a pipe sees nothing."""

from __future__ import annotations

import os
import pty
import re

import pytest
from conftest import amplify, console_script, login_argv
from support.token_endpoint import Fault
from test_prompt import _read_until

pytestmark = pytest.mark.integration

RETRY_LINE = re.compile(
    rb"amplify-credhelper: login service: HTTP 503; retrying in \d+\.\d s \(attempt 2 of 3\)\r\n"
)


@pytest.fixture
def env(endpoint, subprocess_env) -> dict[str, str]:
    login = amplify(subprocess_env, *login_argv(endpoint), stdin="test-secret\n")
    assert login.returncode == 0, login.stderr
    endpoint.faults.append(Fault(503))
    return subprocess_env


def test_a_terminal_sees_one_line_per_retry(endpoint, env) -> None:
    argv = [console_script("amplify-credhelper"), "token", "--refresh"]
    pid, terminal = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    try:
        seen = _read_until(terminal, b"\r\n", seconds=30)
        seen += _read_until(terminal, b"\r\n", seconds=30)  # the token, after the retry
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    notice, token = seen.split(b"\r\n", 1)
    assert RETRY_LINE.fullmatch(notice + b"\r\n"), seen
    assert token.strip() == endpoint.issued[-1].encode()


def test_without_a_terminal_retries_stay_quiet(endpoint, env) -> None:
    done = amplify(env, "token", "--refresh")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == endpoint.issued[-1] + "\n"
    assert endpoint.token_requests == 3  # login, the 503, the retry


def test_verbose_shows_the_retry_without_a_terminal(endpoint, env) -> None:
    done = amplify(env, "token", "--refresh", "--verbose")
    assert done.returncode == 0
    assert re.search(RETRY_LINE.pattern.replace(rb"\r\n", rb"\n").decode(), done.stderr)
