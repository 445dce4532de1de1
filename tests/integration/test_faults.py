"""Many processes at once, processes killed at the worst moment: tokens keep flowing, one mint each time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import amplify, console_script, login_argv

pytestmark = pytest.mark.integration


@pytest.fixture
def logged_in_env(endpoint, subprocess_env, home):
    done = amplify(subprocess_env, *login_argv(endpoint), stdin="test-secret")
    assert done.returncode == 0, done.stderr
    return subprocess_env


def _cache_file(home):
    return home / "config" / "amplify-credhelper" / "tokens" / "default.json"


def _race(env, count: int) -> list[subprocess.CompletedProcess[str]]:
    argv = [console_script("amplify-credhelper"), "token"]
    with ThreadPoolExecutor(count) as pool:
        return list(
            pool.map(
                lambda _: subprocess.run(
                    argv, env=env, capture_output=True, text=True, timeout=120
                ),
                range(count),
            )
        )


def test_fifty_cold_processes_cause_one_token_request(logged_in_env, endpoint, home) -> None:
    _cache_file(home).unlink()
    before = endpoint.token_requests
    results = _race(logged_in_env, 50)
    assert [r.returncode for r in results] == [0] * 50, {r.stderr for r in results}
    assert endpoint.token_requests - before == 1
    assert {r.stdout for r in results} == {endpoint.issued[-1] + "\n"}


def test_fifty_processes_while_the_token_is_expiring(logged_in_env, endpoint, home) -> None:
    entry = json.loads(_cache_file(home).read_text())
    entry["issued_at"] -= 1700  # 100 s left: inside the 300 s refresh margin
    entry["expires_at"] = entry["issued_at"] + 1800
    _cache_file(home).write_text(json.dumps(entry))
    before = endpoint.token_requests
    results = _race(logged_in_env, 50)
    assert [r.returncode for r in results] == [0] * 50
    assert endpoint.token_requests - before == 1
    assert {r.stdout for r in results} == {endpoint.issued[-1] + "\n"}


HOLD_LOCK = """
import sys, time
from credhelper.tokens import cache; from credhelper import load_profile
lock = cache.lock(load_profile(), 5)
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_a_killed_lock_holder_never_blocks_the_others(logged_in_env, endpoint, home) -> None:
    _cache_file(home).unlink()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK], env=logged_in_env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        waiter = subprocess.Popen(
            [console_script("amplify-credhelper"), "token"],
            env=logged_in_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)
        assert waiter.poll() is None  # really waiting for the lock
        holder.send_signal(signal.SIGKILL)
        out, err = waiter.communicate(timeout=20)
    finally:
        holder.kill()
        holder.wait()
    assert waiter.returncode == 0, err
    assert out == endpoint.issued[-1] + "\n"


KILLED_MID_WRITE = """
import os, sys, time
import credhelper
real_replace = os.replace
def stall(src, dst):
    print("written, not yet renamed", flush=True)
    time.sleep(60)
os.replace = stall
credhelper.get_token(refresh=True)
"""


def test_a_process_killed_mid_write_leaves_the_old_token_whole(
    logged_in_env, endpoint, home
) -> None:
    old = _cache_file(home).read_text()
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_WRITE],
        env=logged_in_env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline() == "written, not yet renamed\n"
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
    finally:
        writer.kill()
    assert _cache_file(home).read_text() == old
    leftovers = [p for p in _cache_file(home).parent.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers and all(os.stat(p).st_mode & 0o777 == 0o600 for p in leftovers)
    before = endpoint.token_requests
    token = subprocess.run(
        [console_script("amplify-credhelper"), "token"],
        env=logged_in_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert token.stdout == endpoint.issued[0] + "\n" and endpoint.token_requests == before
    for path in leftovers:  # once stale, the next write sweeps them away
        os.utime(path, (time.time() - 120, time.time() - 120))
    subprocess.run(
        [console_script("amplify-credhelper"), "token", "--refresh"],
        env=logged_in_env,
        timeout=60,
        check=True,
        capture_output=True,
    )
    assert not [p for p in _cache_file(home).parent.iterdir() if p.name.startswith(".tmp-")]
