"""Diagnostics: on stderr for our programs, through ``logging`` for a host program that uses the
library (never on its terminal unasked), and never a token or a secret."""

from __future__ import annotations

import io
import logging
import os
import select
import subprocess
import sys

import pytest
from support.token_endpoint import Fault

import credhelper
from credhelper.errors import reported
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _http
from credhelper.tokens.oauth import build_token_request

RETRY = "login service: HTTP 503; retrying in 1.0 s (attempt 2 of 3)"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _send_retried(endpoint) -> int:
    """A token request whose first answer is a 503 asking for a second's pause: one notice."""
    endpoint.faults.append(Fault(503, headers={"Retry-After": "1"}))
    profile = make_profile(name="default", client_id="test-client", base_url=endpoint.base_url)
    request = build_token_request(profile, "test-secret")
    return _http.send(request, timeout=5)[0]


def test_a_library_retry_goes_to_logging_not_to_the_terminal(endpoint, caplog, monkeypatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with caplog.at_level(logging.INFO, logger="credhelper"):
        assert _send_retried(endpoint) == 200
    assert terminal.getvalue() == ""
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("credhelper.tokens._http", "INFO", RETRY)
    ]


def test_our_program_tells_its_terminal_of_a_retry_and_logs_nothing(endpoint, caplog) -> None:
    terminal = Terminal()
    with caplog.at_level(logging.DEBUG, logger="credhelper"):
        assert reported("amplify-credhelper", terminal, lambda: _send_retried(endpoint)) == 200
    assert terminal.getvalue() == f"amplify-credhelper: {RETRY}\n"
    assert caplog.records == []


def test_our_program_says_nothing_to_a_pipe(endpoint) -> None:
    pipe = io.StringIO()
    assert reported("amplify-credhelper", pipe, lambda: _send_retried(endpoint)) == 200
    assert pipe.getvalue() == ""


def test_a_host_that_never_imported_logging_gets_nothing_on_its_terminal() -> None:
    # A real terminal as the host's stderr; 0.2.0 wrote the notice there.
    script = (
        "import sys\n"
        "from credhelper import _log\n"
        "_log.notice('a retry'); _log.debug('a detail')\n"
        "print('logging' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "AMPLIFY_VERBOSE"}
    leader, follower = os.openpty()
    try:
        done = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              stderr=follower, text=True, timeout=60, env=env, check=False)  # fmt: skip
        os.close(follower)
        assert (done.returncode, done.stdout) == (0, "False\n")
        assert _pending(leader) == b""
    finally:
        os.close(leader)


def _pending(fd: int) -> bytes:
    if not select.select([fd], [], [], 1)[0]:
        return b""
    try:
        return os.read(fd, 4096)
    except OSError:  # EIO: the terminal's other side is closed and nothing was written
        return b""


def test_the_pty_check_sees_what_is_written() -> None:
    leader, follower = os.openpty()
    try:
        subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('x')"],
                       stderr=follower, timeout=60, check=True)  # fmt: skip
        os.close(follower)
        assert _pending(leader) == b"x"
    finally:
        os.close(leader)


def test_amplify_verbose_still_writes_to_stderr_in_a_library(monkeypatch, caplog) -> None:
    from credhelper import _log

    err = io.StringIO()
    previous = _log.enable(err)  # what AMPLIFY_VERBOSE=1 sets when the module loads
    try:
        with caplog.at_level(logging.DEBUG, logger="credhelper"):
            _log.debug("a detail %d", 1)
    finally:
        _log.enable(previous)
    assert (err.getvalue(), caplog.records) == ("amplify-credhelper: a detail 1\n", [])


def test_a_debug_log_of_a_mint_holds_no_token_and_no_secret(logged_in, caplog) -> None:
    with caplog.at_level(logging.DEBUG, logger="credhelper"):
        token = credhelper.get_token(refresh=True)
    seen = [(r.name, r.getMessage()) for r in caplog.records]
    assert seen, "a mint logs what it does"
    assert all(name.startswith("credhelper.") for name, _ in seen), seen
    text = "\n".join(message for _, message in seen)
    assert token.access_token not in text and "test-secret" not in text
    assert token.access_token.split(".")[1] not in text  # not even the JWT's claims part


@pytest.fixture(autouse=True)
def _no_verbose_env(monkeypatch) -> None:
    from credhelper import _log

    monkeypatch.setattr(_log, "_stream", None)
