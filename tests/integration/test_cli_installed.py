"""The installed `amplify-credhelper` command, run as a user runs it, against the local endpoint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from conftest import amplify as run_installed
from conftest import console_script, login_argv
from support.token_endpoint import Fault

pytestmark = pytest.mark.integration

ORG = "652605300303530"


@pytest.fixture
def amplify(subprocess_env):
    def run(*argv: str, stdin: str = "", env: dict[str, str] | None = None):
        return run_installed({**subprocess_env, **(env or {})}, *argv, stdin=stdin)

    return run


def _login(amplify, endpoint, *extra: str) -> subprocess.CompletedProcess[str]:
    return amplify(*login_argv(endpoint, *extra), stdin="test-secret\n")


def test_round_trip_login_token_header_env_status_logout(amplify, endpoint, home) -> None:
    login = _login(amplify, endpoint)
    assert login.returncode == 0, login.stderr
    token = endpoint.issued[0]
    assert amplify("token").stdout == token + "\n"
    assert amplify("header").stdout == f"Authorization: Bearer {token}\nX-Axway-Tenant-Id: {ORG}\n"
    assert (
        amplify("env").stdout == f"export AMPLIFY_TOKEN='{token}'\nexport AMPLIFY_TENANT_ID='{ORG}'\n"
        "unset AMPLIFY_CENTRAL_URL\n"  # a loopback base URL: no known region
    )
    assert "token valid for 29 min" in amplify("status").stdout
    assert endpoint.token_requests == 1  # login's token served everything after it
    assert amplify("logout").returncode == 0
    assert json.loads((home / "keyring.json").read_text()) == {}
    gone = amplify("token")
    assert gone.returncode == 1 and gone.stderr.startswith(
        "amplify-credhelper: error: no profile 'default'"
    )


def test_eval_of_env_sets_the_variables(amplify, endpoint, subprocess_env) -> None:
    _login(amplify, endpoint)
    script = f'eval "$({console_script("amplify-credhelper")} env)" && echo "$AMPLIFY_TENANT_ID:$AMPLIFY_TOKEN"'
    shell = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, env=subprocess_env, timeout=60
    )
    assert shell.stdout == f"{ORG}:{endpoint.issued[0]}\n"


def test_the_published_jq_lines_keep_working(amplify, endpoint) -> None:
    shape = json.loads(_login(amplify, endpoint, "--json").stdout)
    assert shape["auth"]["tokens"]["access_token"] == endpoint.issued[0]
    assert shape["org"]["id"] == int(ORG)


def test_environment_credentials_need_no_login(amplify, endpoint, home) -> None:
    env = {
        "AMPLIFY_CLIENT_ID": "test-client",
        "AMPLIFY_CLIENT_SECRET": "test-secret",
        "AMPLIFY_BASE_URL": endpoint.base_url,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    first, second = amplify("token", env=env), amplify("token", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout == endpoint.issued[0] + "\n"
    assert endpoint.token_requests == 1
    assert not (home / "config" / "amplify-credhelper" / "config.json").exists()


@pytest.mark.parametrize(
    ("setup", "code", "start"),
    [
        (
            "wrong-secret",
            2,
            "amplify-credhelper: error: the login service refused the client credentials (HTTP 401",
        ),
        (
            "unreachable",
            3,
            "amplify-credhelper: error: no token from the login service at http://127.0.0.1:9/",
        ),
        (
            "garbage",
            3,
            "amplify-credhelper: error: the login service answered 200 with something that is not JSON",
        ),
        (
            "no-keyring",
            4,
            "amplify-credhelper: error: cannot read the secret from the keyring (NoKeyringError",
        ),
    ],
)
def test_failures_exit_with_their_code_and_one_line(
    amplify, endpoint, setup: str, code: int, start: str
) -> None:
    base_url, secret, env = endpoint.base_url, "test-secret", {}
    if setup == "wrong-secret":
        secret = "wrong"
    elif setup == "unreachable":
        base_url = "http://127.0.0.1:9"
    elif setup == "garbage":
        endpoint.faults.append(Fault(200, b"<html>captive portal</html>"))
    else:
        env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = amplify(
        "login",
        "--client-id",
        "test-client",
        "--base-url",
        base_url,
        "--secret-stdin",
        stdin=secret,
        env=env,
    )
    assert result.returncode == code
    assert result.stderr.startswith(start)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_the_users_keyring_choice_is_respected(amplify, endpoint, home) -> None:
    _login(amplify, endpoint)  # PYTHON_KEYRING_BACKEND names the file-backed test keyring
    entries = json.loads((home / "keyring.json").read_text())
    assert list(entries.values()) == ["test-secret"]


def test_no_secret_or_token_lands_in_any_file_but_the_keyring_and_cache(
    amplify, endpoint, home
) -> None:
    _login(amplify, endpoint)
    amplify("token", "--refresh")
    tokens_dir = home / "config" / "amplify-credhelper" / "tokens"
    for path in (p for p in home.rglob("*") if p.is_file()):
        content = path.read_bytes()
        if path != home / "keyring.json":
            assert b"test-secret" not in content, path
        if tokens_dir not in path.parents:
            assert not any(t.encode() in content for t in endpoint.issued), path


def test_files_are_private(amplify, endpoint, home) -> None:
    _login(amplify, endpoint)
    folder = home / "config" / "amplify-credhelper"
    for path in [folder, *folder.rglob("*")]:
        mode = os.stat(path).st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


@pytest.mark.parametrize("token", ["~root/x", "~/.ssh", "~+/a", "~-", "a+b/c==", "x~y=", "~"])
def test_env_evaluated_by_bash_gives_back_the_token_exactly(
    endpoint, subprocess_env, token
) -> None:
    # RFC 6750 §2.1's alphabet holds ~ + / =: unquoted, bash expands `~` after `=`.
    bash = shutil.which("bash")
    assert bash is not None
    endpoint.faults.append(Fault(200, {"access_token": token, "token_type": "bearer",
                                       "expires_in": 1800}))  # fmt: skip
    env = {**subprocess_env, "AMPLIFY_CLIENT_ID": "test-client",
           "AMPLIFY_CLIENT_SECRET": "test-secret", "AMPLIFY_BASE_URL": endpoint.base_url,
           "PATH": os.path.dirname(console_script("amplify-credhelper")) + os.pathsep
           + subprocess_env.get("PATH", "/usr/bin:/bin")}  # fmt: skip
    script = 'eval "$(amplify-credhelper env)"; printf %s "$AMPLIFY_TOKEN"'
    done = subprocess.run([bash, "-c", script], env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert (done.returncode, done.stdout) == (0, token), done.stderr
