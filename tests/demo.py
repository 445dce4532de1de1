#!/usr/bin/env python3
"""Try every amplify-credhelper command without an Amplify account: python tests/demo.py

It starts the local token endpoint the tests use (on 127.0.0.1, stopping when the demo ends),
points a throw-away config folder and a throw-away file keyring at it, and runs the installed
commands one by one, showing what each prints. Nothing touches your real config or keyring.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SUPPORT = Path(__file__).resolve().parent / "support"
sys.path.insert(0, str(SUPPORT))
from token_endpoint import TokenEndpoint  # noqa: E402

STEPS = [
    (
        "log in once: the secret goes to the keyring, never to a file",
        ["login", "--client-id", "test-client", "--base-url", "{base_url}", "--secret-stdin"],
        "test-secret",
    ),
    ("the token, from the cache: no request", ["token"], ""),
    ("headers for curl -H @<(...)", ["header"], ""),
    ("variables for eval", ["env"], ""),
    ("the official CLI's JSON shape, for jq", ["token", "--json"], ""),
    ("what is stored, without secrets", ["status"], ""),
    ("what the cached token says, never the token", ["inspect"], ""),
    ("forget everything, and revoke the token", ["logout"], ""),
]


def main() -> int:
    command = shutil.which("amplify-credhelper")
    if command is None:
        print("amplify-credhelper is not on PATH: run `pip install .` first", file=sys.stderr)
        return 1
    with (
        tempfile.TemporaryDirectory(prefix="amplify-demo-") as scratch,
        TokenEndpoint() as endpoint,
    ):
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": f"{scratch}/config",
            "PYTHONPATH": str(SUPPORT),
            "PYTHON_KEYRING_BACKEND": "fake_keyring.FileKeyring",
            "AMPLIFY_TEST_KEYRING_FILE": f"{scratch}/keyring.json",
        }
        print(f"local token endpoint: {endpoint.token_url}\n")
        for what, argv, stdin in STEPS:
            argv = [a.format(base_url=endpoint.base_url) for a in argv]
            print(f"# {what}\n$ amplify-credhelper {' '.join(argv)}")
            done = subprocess.run(
                [command, *argv], input=stdin, text=True, capture_output=True, env=env
            )
            print(done.stdout + done.stderr)
            if done.returncode != 0:
                return done.returncode
        print(
            f"token requests made: {endpoint.token_requests} (the login's token served every command after it)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
