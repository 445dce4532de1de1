"""The benchmark script keeps working, and what it counts (not what it times) is right."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parent.parent / "benchmark.py"


def test_benchmark_runs_and_counts_requests_and_imports() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMPLIFY_")}
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--venv",
            sys.prefix,
            "--runs",
            "3",
            "--concurrent",
            "12",
            "--busy-race",
            "12",
            "--no-httpie-baseline",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "token requests made by one login: 1\n" in out
    assert (
        "keyring/httpx/filelock/platformdirs/argparse/urllib.parse/typing/dataclasses among them: "
        "none\n"
    ) in out
    assert (
        "12 concurrent cold `token` calls: 1 token request(s), 12/12 succeeded, 1 distinct token(s)"
        in out
    )
    assert (
        "12 concurrent cold `token` calls beside 3 CPU-bound processes: 1 token request(s), "
        "0 failure(s)"
    ) in out
    assert "amplify-credhelper token" in out and "x\n" in out
    # Instructions are counted next to the wall-clock ratios, on the real interpreter binary.
    assert "instructions (callgrind)" in out
    assert f"(callgrind) running {Path(sys.executable).resolve()}\n" in out
    for command in ("token", "header", "env"):
        row = next(line for line in out.splitlines() if f"amplify-credhelper {command} " in line)
        assert row.count("x") == 2, row  # a wall-clock ratio and an instruction ratio
    # The miss, beside the hits: each run mints, so it reads the keyring and asks the endpoint.
    miss = next(line for line in out.splitlines() if "amplify-credhelper token --refresh" in line)
    assert miss.count("x") == 2 and "OVER" not in miss, miss
    for auth in ("httpx AmplifyAuth (flow alone)", "requests AmplifyRequestsAuth"):
        assert f"  {auth}" in out  # the per-request cost next to a static auth
