"""The installed `amplify-credhelper exec --renew`, in real time: tokens living a few seconds
from the in-process endpoint, real jobs reading the token files, real signals."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import amplify, console_script, login_argv
from support.token_endpoint import Fault

pytestmark = pytest.mark.integration

LIFETIME = 4  # seconds a token lives here
MARGIN = 2  # renewed this long before expiry: every 2 s


@pytest.fixture
def env(endpoint, subprocess_env, tmp_path) -> dict[str, str]:
    endpoint.expires_in = LIFETIME
    argv = login_argv(endpoint, "--refresh-margin", str(MARGIN))
    login = amplify(subprocess_env, *argv, stdin="test-secret\n")
    assert login.returncode == 0, login.stderr
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    return {**subprocess_env, "XDG_RUNTIME_DIR": str(runtime)}


def renew_argv(*cmd: str) -> list[str]:
    return [console_script("amplify-credhelper"), "exec", "--renew", "--", *cmd]


def python(code: str) -> list[str]:
    return renew_argv(sys.executable, "-c", code)


def left_behind(env: dict[str, str]) -> list[str]:
    return os.listdir(env["XDG_RUNTIME_DIR"])


def expiry(token: str) -> float:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]


# Reads both files every 0.2 s for 7 s: what it saw, and the files' and folder's modes.
WATCH = """
import json, os, stat, time
token_file, header_file = os.environ["AMPLIFY_TOKEN_FILE"], os.environ["AMPLIFY_HEADER_FILE"]
mode = lambda p: oct(stat.S_IMODE(os.stat(p).st_mode))
modes = [mode(os.path.dirname(token_file)), mode(token_file), mode(header_file)]
seen, stale = [], []
end = time.time() + 7
while time.time() < end:
    token = open(token_file).read()
    headers = open(header_file).read()
    if not seen or seen[-1][0] != token:
        seen.append([token, headers, time.time()])
    time.sleep(0.2)
print(json.dumps({"seen": seen, "modes": modes, "first": os.environ["AMPLIFY_TOKEN"],
                  "folder": os.path.dirname(token_file)}))
"""


def test_a_job_outliving_two_renewals_reads_three_fresh_tokens(endpoint, env) -> None:
    done = subprocess.run(python(WATCH), env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    report = json.loads(done.stdout)
    tokens = [token for token, _, _ in report["seen"]]
    assert len(tokens) >= 3 and len(set(tokens)) == len(tokens)
    assert tokens == endpoint.issued[: len(tokens)]  # each one the login service's, in order
    assert report["first"] == tokens[0]  # AMPLIFY_TOKEN: the first use
    for token, headers, read_at in report["seen"]:
        assert headers == f"Authorization: Bearer {token}\nX-Axway-Tenant-Id: 652605300303530\n"
        assert expiry(token) > read_at  # never a dead token in the file
    assert report["modes"] == ["0o700", "0o600", "0o600"]
    assert not os.path.exists(report["folder"]) and left_behind(env) == []


@pytest.mark.parametrize("status", [0, 3, 42])
def test_cmds_exit_status_is_passed_on_and_the_files_go(env, status) -> None:
    code = f"import os; assert os.path.isfile(os.environ['AMPLIFY_HEADER_FILE']); raise SystemExit({status})"
    done = subprocess.run(python(code), env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (status, "")
    assert left_behind(env) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL, signal.SIGUSR1])
def test_cmd_killed_by_signal_n_gives_128_plus_n(env, signum) -> None:
    code = f"import os; os.kill(os.getpid(), {int(signum)})"
    done = subprocess.run(python(code), env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 128 + signum
    assert left_behind(env) == []


# Says it is ready, then ends with 10 + N on the first forwarded signal N it gets.
CATCH = """
import os, signal, sys, time
def caught(number, frame):
    print("caught", number, flush=True)
    raise SystemExit(10 + number)
for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"):
    signal.signal(getattr(signal, name), caught)
print("ready", os.path.dirname(os.environ["AMPLIFY_TOKEN_FILE"]), flush=True)
time.sleep(30)
raise SystemExit(99)
"""


@pytest.mark.parametrize(
    "signum",
    [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2],
)
def test_a_signal_to_the_helper_reaches_cmd(env, signum) -> None:
    helper = subprocess.Popen(python(CATCH), env=env, stdout=subprocess.PIPE, text=True)
    try:
        ready, folder = helper.stdout.readline().split()
        assert ready == "ready" and os.path.isdir(folder)
        helper.send_signal(signum)
        assert helper.wait(timeout=20) == 10 + signum
        assert helper.stdout.read() == f"caught {int(signum)}\n"
    finally:
        helper.kill()
        helper.wait()
        helper.stdout.close()
    assert not os.path.exists(folder) and left_behind(env) == []


# The renewal due 2 s in waits a minute for its answer: CMD's end, or a signal, must not.
SLOW_RENEWAL = 60


def renewal_under_way(endpoint) -> bool:
    """Whether the renewal's request has arrived (the login's was the first)."""
    end = time.monotonic() + 20
    while endpoint.arrivals < 2 and time.monotonic() < end:
        time.sleep(0.05)
    return endpoint.arrivals == 2


def test_cmd_ending_while_a_renewal_waits_ends_the_helper_at_once(endpoint, env) -> None:
    endpoint.delay = SLOW_RENEWAL
    code = "import time; time.sleep(3); raise SystemExit(7)"
    done = subprocess.run(python(code), env=env, capture_output=True, text=True, timeout=20)
    assert (done.returncode, done.stderr) == (7, "")
    assert (endpoint.arrivals, len(endpoint.issued)) == (2, 1)  # the renewal: unanswered
    assert left_behind(env) == []


def test_a_signal_while_a_renewal_waits_reaches_cmd_and_ends_the_helper(endpoint, env) -> None:
    endpoint.delay = SLOW_RENEWAL
    helper = subprocess.Popen(python(CATCH), env=env, stdout=subprocess.PIPE, text=True)
    try:
        ready, folder = helper.stdout.readline().split()
        assert renewal_under_way(endpoint)
        helper.send_signal(signal.SIGTERM)
        assert helper.wait(timeout=20) == 10 + signal.SIGTERM
        assert helper.stdout.read() == f"caught {int(signal.SIGTERM)}\n"
    finally:
        helper.kill()
        helper.wait()
        helper.stdout.close()
    assert not os.path.exists(folder) and left_behind(env) == []


@pytest.mark.parametrize("signum", [signal.SIGALRM, signal.SIGXCPU, signal.SIGRTMIN + 2])
def test_any_signal_that_would_end_the_helper_goes_to_cmd_and_the_files_go(env, signum) -> None:
    code = "import os, time; print(os.path.dirname(os.environ['AMPLIFY_TOKEN_FILE']), flush=True); time.sleep(30)"
    helper = subprocess.Popen(python(code), env=env, stdout=subprocess.PIPE, text=True)
    try:
        folder = helper.stdout.readline().strip()
        assert os.path.isdir(folder)
        helper.send_signal(signum)
        assert helper.wait(timeout=20) == 128 + signum  # CMD died of it, and we say so
    finally:
        helper.kill()
        helper.wait()
        helper.stdout.close()
    assert not os.path.exists(folder) and left_behind(env) == []


# Reads whether the token file is there 1.5 s after its token expired (the renewal due 2 s in
# waits a minute for its answer meanwhile).
AFTER_EXPIRY = """
import os, time
from base64 import urlsafe_b64decode
import json
path = os.environ["AMPLIFY_TOKEN_FILE"]
payload = open(path).read().split(".")[1]
exp = json.loads(urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]
time.sleep(max(0.0, exp + 1.5 - time.time()))
print(os.path.exists(path), os.path.exists(os.environ["AMPLIFY_HEADER_FILE"]))
"""


def test_the_files_go_at_expiry_while_a_renewal_waits(endpoint, env) -> None:
    endpoint.delay = SLOW_RENEWAL
    done = subprocess.run(python(AFTER_EXPIRY), env=env, capture_output=True, text=True,
                          timeout=30)  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "False False\n"), done.stderr
    assert done.stderr == (
        "amplify-credhelper exec: the token has expired while its renewal is still under way: "
        "the token files are removed until a renewal succeeds; retrying\n"
    )
    assert left_behind(env) == []


def test_a_cmd_that_cannot_run_leaves_no_files(env) -> None:
    done = subprocess.run(renew_argv("/nonexistent/cmd"), env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 127
    assert (
        done.stderr
        == "amplify-credhelper: error: cannot run '/nonexistent/cmd': command not found\n"
    )
    assert left_behind(env) == []


# Notes every 0.2 s whether the token file is there, until it has seen it go and come back
# (the first renewal loads the HTTP client: on a busy machine that alone can take a second).
PRESENCE = """
import json, os, time
path, end, seen = os.environ["AMPLIFY_TOKEN_FILE"], time.time() + 30, []
def came_back():
    return [False, True] == [present for present, _ in seen[-2:]]
while time.time() < end and not came_back():
    try:
        seen.append([True, open(path).read()])
    except FileNotFoundError:
        seen.append([False, None])
    time.sleep(0.2)
print(json.dumps(seen))
"""


def test_failing_renewals_keep_the_token_then_remove_the_files_once_it_expires(
    endpoint, env
) -> None:
    # The renewal due at 2 s, its retry 1 s later and the one at expiry (4 s) are refused;
    # the next, 4 s later, works.
    refused = {"error": "invalid_client", "error_description": "Invalid client credentials"}
    endpoint.faults.extend(Fault(401, refused) for _ in range(3))
    done = subprocess.run(python(PRESENCE), env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 3, done.stderr
    assert lines[0].startswith("amplify-credhelper exec: renewing the token failed (")
    assert "the token files keep the current one, valid until " in lines[0]
    assert lines[1] == (
        "amplify-credhelper exec: the token has expired and renewing it still fails: the token "
        "files are removed until a renewal succeeds; retrying"
    )
    assert lines[2] == "amplify-credhelper exec: renewed the token: the token files are back"
    states = [present for present, _ in json.loads(done.stdout)]
    # present (the first token), then absent, then present again (a new token): in that order
    changes = [state for i, state in enumerate(states) if i == 0 or states[i - 1] != state]
    assert changes == [True, False, True], (done.stdout, done.stderr)
    contents = {content for _, content in json.loads(done.stdout) if content}
    assert {endpoint.issued[0], endpoint.issued[1]} <= contents <= set(endpoint.issued)
    assert "test-secret" not in done.stderr + done.stdout
    assert left_behind(env) == []


def test_without_renew_there_are_no_token_files(env) -> None:
    code = "import os; print(os.environ.get('AMPLIFY_TOKEN_FILE'), os.environ.get('AMPLIFY_HEADER_FILE'))"
    argv = [console_script("amplify-credhelper"), "exec", "--", sys.executable, "-c", code]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "None None\n")


def test_the_files_are_private_even_under_a_loose_umask(env) -> None:
    code = (
        "import os, stat; f = os.environ['AMPLIFY_TOKEN_FILE']; "
        "print(*(oct(stat.S_IMODE(os.stat(p).st_mode)) for p in (os.path.dirname(f), f)))"
    )
    done = subprocess.run(python(code), env=env, capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: os.umask(0))  # fmt: skip  # noqa: PLW1509
    assert (done.returncode, done.stdout) == (0, "0o700 0o600\n")
    assert left_behind(env) == []
