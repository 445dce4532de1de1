"""`exec --renew` against a real Keycloak: short-sa's tokens live SHORT_LIFESPAN seconds, so a
job sees the token files renewed with tokens Keycloak minted, in seconds rather than minutes."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
from conftest import amplify, console_script
from support.keycloak_realm import ORG_ID, SHORT_LIFESPAN

pytestmark = pytest.mark.integration

MARGIN = 4  # renewed 4 s before expiry: every SHORT_LIFESPAN - 4 seconds

# Reads the header file every 0.2 s until it has seen three tokens (or 40 s have passed).
WATCH = """
import json, os, time
path, end, seen = os.environ["AMPLIFY_HEADER_FILE"], time.time() + 40, []
while time.time() < end and len(seen) < 3:
    headers = open(path).read()
    if not seen or seen[-1][0] != headers:
        seen.append([headers, time.time()])
    time.sleep(0.2)
print(json.dumps({"seen": seen, "folder": os.path.dirname(path)}))
"""


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_job_reads_three_keycloak_tokens_from_the_header_file(keycloak, subprocess_env) -> None:
    secret = keycloak.realm.secrets["short-sa"]
    login = amplify(subprocess_env, "login", "--client-id", "short-sa", "--base-url",
                    keycloak.base_url, "--secret-stdin", "--refresh-margin", str(MARGIN),
                    stdin=secret)  # fmt: skip
    assert login.returncode == 0, login.stderr
    before = keycloak.logins("short-sa")
    argv = [console_script("amplify-credhelper"), "exec", "--renew", "--", sys.executable, "-c",
            WATCH]  # fmt: skip
    done = subprocess.run(argv, env=subprocess_env, capture_output=True, text=True, timeout=90)
    assert (done.returncode, done.stderr) == (0, "")
    report = json.loads(done.stdout)
    tokens = []
    for headers, read_at in report["seen"]:
        authorization, tenant = headers.splitlines()
        assert authorization.startswith("Authorization: Bearer ")
        assert tenant == f"X-Axway-Tenant-Id: {ORG_ID}"
        token = authorization.removeprefix("Authorization: Bearer ")
        assert claims(token)["azp"] == "short-sa"
        assert claims(token)["exp"] - read_at > 0  # never an expired token in the file
        assert claims(token)["exp"] - claims(token)["iat"] == SHORT_LIFESPAN
        tokens.append(token)
    assert len(set(tokens)) == 3
    assert keycloak.logins("short-sa") == before + 2  # two renewals, each one token request
    assert not os.path.exists(report["folder"])
