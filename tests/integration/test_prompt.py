"""`login` on a terminal asks for the secret with a hidden prompt (a real pseudo-terminal)."""

from __future__ import annotations

import os
import pty
import select
import time

import pytest
from conftest import console_script, login_argv

pytestmark = pytest.mark.integration


def _read_until(fd: int, wanted: bytes, seconds: float = 30) -> bytes:
    seen, deadline = b"", time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_the_secret_prompt_is_hidden_and_used(endpoint, subprocess_env) -> None:
    argv = [console_script("amplify-credhelper"), *login_argv(endpoint)]
    argv.remove("--secret-stdin")
    pid, terminal = pty.fork()  # the child gets the pty as its controlling terminal
    if pid == 0:
        os.execve(argv[0], argv, subprocess_env)
    try:
        shown = _read_until(terminal, b"(input hidden): ")
        assert shown.endswith(b"Client secret (input hidden): ")
        os.write(terminal, b"test-secret\n")
        rest = _read_until(terminal, b"token valid for")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, rest
    assert b"Logged in: profile 'default'" in rest
    assert b"test-secret" not in shown + rest  # the terminal never echoed it
