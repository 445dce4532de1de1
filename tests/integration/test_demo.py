"""The README's try-it-without-an-account command works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

DEMO = Path(__file__).resolve().parent.parent / "demo.py"


def test_the_demo_runs_every_command_with_one_token_request() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMPLIFY_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("$ amplify-credhelper ") == 8
    assert "; token revoked.\n" in done.stdout and "(a JWT)\n" in done.stdout
    assert "X-Axway-Tenant-Id: 652605300303530\n" in done.stdout
    assert done.stdout.endswith("token requests made: 1 (the login's token served every command after it)\n")
