"""The installed `amplify-credhelper exec`, with real programs: environment, stdin and stdout,
exit statuses, signals, and the token kept off every command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import amplify, console_script, login_argv

pytestmark = pytest.mark.integration

ORG = "652605300303530"
PRINT_ENV = (
    "import json, os, sys; print(json.dumps({k: os.environ.get(k) for k in "
    "('AMPLIFY_TOKEN', 'AMPLIFY_TENANT_ID', 'AMPLIFY_TOKEN_EXPIRES_AT')})); "
    "print(json.dumps(sys.argv[1:]))"
)


@pytest.fixture
def env(endpoint, subprocess_env) -> dict[str, str]:
    login = amplify(subprocess_env, *login_argv(endpoint), stdin="test-secret\n")
    assert login.returncode == 0, login.stderr
    return subprocess_env


def exec_argv(*cmd: str) -> list[str]:
    return [console_script("amplify-credhelper"), "exec", "--", *cmd]


def test_cmd_gets_the_token_org_and_expiry_and_its_own_arguments(endpoint, env) -> None:
    done = subprocess.run(exec_argv(sys.executable, "-c", PRINT_ENV, "-v", "--profile", "x"),
                          env={**env, "AMPLIFY_TENANT_ID": "1"}, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    variables, argv = (json.loads(line) for line in done.stdout.splitlines())
    assert variables["AMPLIFY_TOKEN"] == endpoint.issued[0]
    assert variables["AMPLIFY_TENANT_ID"] == ORG
    expires = int(variables["AMPLIFY_TOKEN_EXPIRES_AT"])
    assert 0 < expires - time.time() <= 1800
    assert argv == ["-v", "--profile", "x"]


def test_stdin_and_stdout_are_cmds(env) -> None:
    done = subprocess.run(exec_argv(sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"),
                          input="piped in\n", env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "PIPED IN\n\n")


@pytest.mark.parametrize("status", [0, 3, 42])
def test_cmds_exit_status_is_execs(env, status) -> None:
    done = subprocess.run(exec_argv(sys.executable, "-c", f"raise SystemExit({status})"),
                          env=env, timeout=60)  # fmt: skip
    assert done.returncode == status


def test_a_cmd_killed_by_a_signal_shows_as_128_plus_n_in_a_shell(env) -> None:
    kill_self = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    line = " ".join(exec_argv(sys.executable, "-c", f'"{kill_self}"')) + '; echo "status=$?"'
    done = subprocess.run(["sh", "-c", line], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout == f"status={128 + signal.SIGTERM}\n"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signals_reach_cmd(env, signum) -> None:
    # CMD says it is ready, then waits; the signal sent to the process we started must reach it.
    waiter = (
        "import signal, sys, time\n"
        f"signal.signal({int(signum)}, lambda *_: (print('got', {int(signum)}, flush=True), "
        "sys.exit(5)))\n"
        "print('ready', flush=True)\n"
        "time.sleep(30)\n"
    )
    child = subprocess.Popen(exec_argv(sys.executable, "-c", waiter), env=env,
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert child.stdout.readline() == "ready\n"
        child.send_signal(signum)
        assert child.stdout.readline() == f"got {int(signum)}\n"
        assert child.wait(timeout=30) == 5
    finally:
        child.kill()
        child.wait()


def test_the_token_is_on_no_command_line(endpoint, env) -> None:
    child = subprocess.Popen(exec_argv(sys.executable, "-c", "print('ready', flush=True); "
                                       "import time; time.sleep(30)"),
                             env=env, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert child.stdout.readline() == "ready\n"
        with open(f"/proc/{child.pid}/cmdline", "rb") as cmdline:
            shown = cmdline.read()
        assert b"time.sleep(30)" in shown  # CMD's own arguments, in our process's place
        assert endpoint.issued[0].encode() not in shown
    finally:
        child.kill()
        child.wait()


def test_an_unknown_command_exits_127(env) -> None:
    done = subprocess.run(exec_argv("no-such-program-here"), env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (
        127, "", "amplify-credhelper: error: cannot run 'no-such-program-here': command not found\n"
    )  # fmt: skip


def test_a_file_that_is_not_executable_exits_126(env, home) -> None:
    script = home / "not-executable.sh"
    script.write_text("echo hi\n")
    os.chmod(script, 0o644)
    done = subprocess.run(exec_argv(str(script)), env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert (done.returncode, done.stderr) == (
        126, f"amplify-credhelper: error: cannot run '{script}': permission denied\n"
    )  # fmt: skip


def test_without_a_token_cmd_never_runs(subprocess_env, home) -> None:
    marker = home / "ran"
    done = subprocess.run(exec_argv("touch", str(marker)), env=subprocess_env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("amplify-credhelper: error: no profile 'default'")
    assert not marker.exists()


def test_ci_mode_cmd_gets_no_secret_and_a_nested_call_serves_the_same_token(
    endpoint, subprocess_env
) -> None:
    env = {**subprocess_env, "AMPLIFY_CLIENT_ID": "test-client",
           "AMPLIFY_CLIENT_SECRET": "test-secret", "AMPLIFY_BASE_URL": endpoint.base_url}  # fmt: skip
    nested = (
        "import os, subprocess, sys; "
        "print('AMPLIFY_CLIENT_SECRET' in os.environ); "
        "done = subprocess.run([sys.argv[1], 'token'], capture_output=True, text=True); "
        "print(done.stdout.strip() == os.environ['AMPLIFY_TOKEN'], done.returncode)"
    )
    cli = console_script("amplify-credhelper")
    done = subprocess.run(exec_argv(sys.executable, "-c", nested, cli), env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "False\nTrue 0\n"
    assert endpoint.token_requests == 1
