"""Each profile owns its entry in a real Secret Service (gnome-keyring), and 0.1.0's shared
entries move to their profiles there, through the installed command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import amplify
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from support.secret_service import run_secret_service
from support.token_endpoint import TokenEndpoint

pytestmark = pytest.mark.integration

CLIENT = "test-client"
EC_KEY = ec.generate_private_key(ec.SECP256R1())
PEM = EC_KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
KEYRING = """
import json, sys, keyring
action, service, user = sys.argv[1:4]
if action == "set":
    keyring.set_password(service, user, sys.stdin.read())
else:
    print(json.dumps(keyring.get_password(service, user)))
"""


@pytest.fixture
def env(tmp_path, subprocess_env):
    with run_secret_service(tmp_path) as extra:
        environ = {**subprocess_env, **extra}
        environ.pop("PYTHONPATH")  # the fake keyring must not be reachable: only the real one
        yield environ


@pytest.fixture
def endpoint() -> TokenEndpoint:
    with TokenEndpoint(clients={CLIENT: ("test-secret", EC_KEY.public_key())}) as server:
        yield server


def _keyring(env: dict[str, str], action: str, key: tuple[str, str], value: str = "") -> object:
    done = subprocess.run([sys.executable, "-c", KEYRING, action, *key], input=value, env=env,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return json.loads(done.stdout) if action == "get" else None


def _own(endpoint: TokenEndpoint, profile: str) -> tuple[str, str]:
    return "amplify-credhelper:" + endpoint.token_url, f"{CLIENT}:profile:{profile}"


def _legacy(endpoint: TokenEndpoint) -> tuple[str, str]:
    return "amplify-credhelper:" + endpoint.token_url, CLIENT


def _login(env, endpoint, profile: str, key_file: str | None = None) -> None:
    argv = ["login", "--profile", profile, "--client-id", CLIENT, "--base-url", endpoint.base_url]
    credential = ["--key-file", key_file] if key_file else ["--secret-stdin"]
    done = amplify(env, *argv, *credential, stdin="test-secret")
    assert done.returncode == 0, done.stderr


def _sent(endpoint: TokenEndpoint) -> str:
    return "key" if endpoint.requests[-1]["form"].get("client_assertion") else "secret"


def _refresh(env, endpoint, profile: str) -> str:
    done = amplify(env, "token", "--refresh", "--profile", profile)
    assert done.returncode == 0, done.stderr
    return _sent(endpoint)


def test_a_secret_and_a_key_profile_of_one_client_keep_apart(env, endpoint, tmp_path) -> None:
    key_file = tmp_path / "sa.pem"
    key_file.write_text(PEM)
    key_file.chmod(0o600)
    _login(env, endpoint, "a")
    _login(env, endpoint, "k", str(key_file))
    assert _keyring(env, "get", _own(endpoint, "a")) == "test-secret"
    assert _keyring(env, "get", _own(endpoint, "k")) == PEM
    assert (_refresh(env, endpoint, "a"), _refresh(env, endpoint, "k")) == ("secret", "key")
    assert amplify(env, "logout", "--profile", "k").returncode == 0
    assert _refresh(env, endpoint, "a") == "secret"
    assert amplify(env, "logout", "--all").returncode == 0
    assert [_keyring(env, "get", _own(endpoint, p)) for p in ("a", "k")] == [None, None]


def _old_config(env: dict[str, str], endpoint: TokenEndpoint, **kinds: str) -> None:
    folder = Path(env["XDG_CONFIG_HOME"]) / "amplify-credhelper"
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    stored = {name: {"client_id": CLIENT, "base_url": endpoint.base_url,
                     **({"auth_method": "key"} if kind == "key" else {})}  # fmt: skip
              for name, kind in kinds.items()}  # fmt: skip
    (folder / "config.json").write_text(json.dumps({"profiles": stored}))
    os.chmod(folder / "config.json", 0o600)


def test_0_1_0_entries_move_to_their_profiles(env, endpoint) -> None:
    _old_config(env, endpoint, a="secret", b="secret")
    _keyring(env, "set", _legacy(endpoint), "test-secret")
    assert _refresh(env, endpoint, "a") == "secret"
    assert _keyring(env, "get", _legacy(endpoint)) == "test-secret"  # b still reads it
    assert _refresh(env, endpoint, "b") == "secret"
    assert _keyring(env, "get", _legacy(endpoint)) is None
    assert [_keyring(env, "get", _own(endpoint, p)) for p in ("a", "b")] == ["test-secret"] * 2


def test_a_key_0_1_0_wrote_over_a_secret_is_never_sent(env, endpoint) -> None:
    _old_config(env, endpoint, a="secret", k="key")
    _keyring(env, "set", _legacy(endpoint), PEM)
    done = amplify(env, "token", "--profile", "a")
    assert (done.returncode, done.stderr) == (
        1,
        "amplify-credhelper: error: the keyring holds a private key, not the secret, for "
        "profile 'a' (a login of another profile of this client overwrote it): run "
        "`amplify-credhelper login --profile a` again\n",
    )
    assert endpoint.token_requests == 0
    assert _refresh(env, endpoint, "k") == "key"
    assert _keyring(env, "get", _own(endpoint, "k")) == PEM
