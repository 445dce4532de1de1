"""The installed commands against a hostile login service: `login`, `token`, the git helper and
HTTPie each end within the README's 30 s deadline however slowly the answer trickles, and
none grows beyond a bounded memory whatever the answer's size."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import console_script
from support.hostile_server import HostileServer

pytestmark = pytest.mark.integration

DEADLINE = 30  # the README: "retried at most 3 times within 30 s"
NEVER_LONGER = 75  # seconds; a command still running then is killed and the test fails
MEMORY_BOUND_MIB = 128  # a venv's Python with httpx and keyring loaded is about 45 MiB


@pytest.fixture
def hostile():
    # 256 MiB of "endless" answer: a client without a cap would show it in its memory.
    with HostileServer(interval=0.2, lifetime=NEVER_LONGER, max_bytes=256 << 20) as server:
        yield server


def _environment(subprocess_env: dict[str, str], home: Path, base_url: str) -> dict[str, str]:
    """The CI profile (no keyring, no login) pointed at ``base_url``; HTTPie quiet."""
    httpie = home / "httpie"
    httpie.mkdir(exist_ok=True)
    (httpie / "config.json").write_text('{"disable_update_warnings": true}')
    return {**subprocess_env, "AMPLIFY_CLIENT_ID": "c", "AMPLIFY_CLIENT_SECRET": "s",
            "AMPLIFY_BASE_URL": base_url, "AMPLIFY_GIT_HOSTS": "git.example.com",
            "HTTPIE_CONFIG_DIR": str(httpie), "NO_PROXY": "*"}  # fmt: skip


class Finished:
    def __init__(self, code: int, out: str, err: str, seconds: float, max_rss_mib: float):
        self.code, self.out, self.err = code, out, err
        self.seconds, self.max_rss_mib = seconds, max_rss_mib

    def __repr__(self) -> str:
        return f"Finished({self.code}, {self.err!r}, {self.seconds:.1f} s, {self.max_rss_mib:.0f} MiB)"


def _run(argv: list[str], env: dict[str, str], stdin: str = "") -> Finished:
    """Run ``argv`` to its end (killed after NEVER_LONGER), with its peak memory (wait4)."""
    started = time.monotonic()
    process = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    killer = threading.Timer(NEVER_LONGER, process.kill)
    killer.start()
    try:
        assert process.stdin and process.stdout and process.stderr
        process.stdin.write(stdin)
        process.stdin.close()
        err_reader = ThreadPoolExecutor(1)
        err = err_reader.submit(process.stderr.read)
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        killer.cancel()
    seconds = time.monotonic() - started
    assert seconds < NEVER_LONGER, f"{argv[0]} was killed after {NEVER_LONGER} s"
    return Finished(process.returncode, out, err.result(), seconds, usage.ru_maxrss / 1024)


def _commands(env: dict[str, str], hostile: HostileServer, base_url: str) -> dict[str, tuple]:
    return {
        "login": ([console_script("amplify-credhelper"), "login", "--profile", "p",
                   "--client-id", "c", "--base-url", base_url, "--secret-stdin",
                   "--timeout", "2"], "s"),  # fmt: skip
        "token": ([console_script("amplify-credhelper"), "token"], ""),
        "git": ([console_script("git-credential-amplify"), "get"],
                "protocol=https\nhost=git.example.com\n\n"),  # fmt: skip
        "http": ([console_script("http"), "--ignore-stdin", "-A", "amplify",
                  hostile.url + "/catch/api"], ""),  # fmt: skip
    }


@pytest.mark.parametrize("mode", ["trickle-body", "trickle-headers"])
def test_every_command_ends_within_the_deadline_of_a_trickling_server(
    hostile, subprocess_env, home, mode
) -> None:
    base_url = hostile.base_url(mode)
    env = _environment(subprocess_env, home, base_url)
    commands = _commands(env, hostile, base_url)
    with ThreadPoolExecutor(len(commands)) as pool:  # all at once: one deadline for all four
        running = {name: pool.submit(_run, argv, env, stdin) for name, (argv, stdin) in
                   commands.items()}  # fmt: skip
        done = {name: future.result() for name, future in running.items()}
    token_url = base_url + "/auth/realms/Broker/protocol/openid-connect/token"
    said = (
        f"no token from the login service at {token_url} after 1 attempt(s): no complete "
        f"answer within {DEADLINE} s; check the network and the URL, or try again later"
    )
    assert (done["login"].code, done["login"].err) == (3, f"amplify-credhelper: error: {said}\n")
    assert (done["token"].code, done["token"].err) == (3, f"amplify-credhelper: error: {said}\n")
    assert (done["git"].code, done["git"].out) == (3, "")
    assert done["git"].err == f"git-credential-amplify: error: {said}\n"
    assert done["http"].code == 1 and said in done["http"].err
    assert hostile.caught == []  # HTTPie never sent its request without a token
    for finished in done.values():
        assert finished.seconds < DEADLINE + 15, finished  # ends; not a speed test
    print({name: f"{f.seconds:.1f} s" for name, f in done.items()})


@pytest.mark.parametrize(
    ("mode", "detail"),
    [
        ("endless-chunked", "it goes on beyond that"),
        ("huge-length", f"it announces {2 << 30} bytes"),
        ("gzip-bomb", "it goes on beyond that"),
    ],
)
def test_an_answer_of_any_size_keeps_the_memory_bounded(
    hostile, subprocess_env, home, mode, detail
) -> None:
    env = _environment(subprocess_env, home, hostile.base_url(mode))
    done = _run([console_script("amplify-credhelper"), "token"], env)
    assert (done.code, done.err) == (
        3,
        f"amplify-credhelper: error: the login service's answer is larger than 1024 KiB "
        f"({detail}), and a token answer is a few kilobytes: check the token URL\n",
    )
    assert done.max_rss_mib < MEMORY_BOUND_MIB, done
    print(f"{mode}: {done.max_rss_mib:.0f} MiB at most, {done.seconds:.1f} s")


def test_a_redirect_never_carries_the_secret_elsewhere(hostile, subprocess_env, home) -> None:
    env = _environment(subprocess_env, home, hostile.base_url("redirect"))
    done = _run([console_script("amplify-credhelper"), "token"], env)
    assert done.code == 3 and "redirects are not followed" in done.err
    assert hostile.caught == []
