"""A login, token and logout round trip through a real Secret Service (gnome-keyring)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import amplify, login_argv
from support.secret_service import run_secret_service

pytestmark = pytest.mark.integration

READ_BACK = (
    "import keyring, sys; print(type(keyring.get_keyring()).__module__); "
    "print(keyring.get_password(sys.argv[1], 'test-client:profile:default'))"
)


@pytest.fixture
def secret_service_env(tmp_path, subprocess_env):
    with run_secret_service(tmp_path) as extra:
        env = {**subprocess_env, **extra}
        env.pop("PYTHONPATH")  # the fake keyring must not be reachable: only the real one
        yield env


def _stored(env, endpoint) -> list[str]:
    service = "amplify-credhelper:" + endpoint.token_url
    out = subprocess.run(
        [sys.executable, "-c", READ_BACK, service],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    ).stdout
    return out.splitlines()


def test_round_trip_through_gnome_keyring(secret_service_env, endpoint) -> None:
    env = secret_service_env
    login = amplify(
        env,
        *login_argv(endpoint),
        stdin="test-secret\n",
    )
    assert login.returncode == 0, login.stderr
    assert _stored(env, endpoint) == ["keyring.backends.SecretService", "test-secret"]
    refreshed = amplify(env, "token", "--refresh")  # reads the secret back from gnome-keyring
    assert refreshed.returncode == 0, refreshed.stderr
    assert refreshed.stdout == endpoint.issued[1] + "\n"
    assert amplify(env, "logout").returncode == 0
    assert _stored(env, endpoint) == ["keyring.backends.SecretService", "None"]


def test_no_secret_service_on_the_bus_is_exit_4(secret_service_env, endpoint, tmp_path) -> None:
    env = {**secret_service_env, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-such-bus"}
    login = amplify(
        env,
        *login_argv(endpoint),
        stdin="test-secret",
    )
    assert login.returncode == 4
    assert login.stderr.startswith(
        "amplify-credhelper: error: cannot read the secret from the keyring ("
    )
    assert login.stderr.rstrip().endswith(
        "or set AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET instead"
    )
    assert endpoint.token_requests == 0
