"""Any sequence of setup-docker, the helper's actions and login leaves the secret in the keyring
only: no file under the test's home (config, docker config, settings, cache) ever holds it,
plainly or base64-encoded as `docker login` would have written it."""

from __future__ import annotations

import base64
import io
import json
import os
import sys
from pathlib import Path

import pytest
from docker_credential_amplify.helper import ProfileRegistries
from docker_credential_amplify.protocol import handle
from hypothesis import given
from hypothesis import strategies as st

SECRET = "Leak-canary-S3cret-9e1f"
REGISTRIES = ["docker.repository.axway.com", "https://helm.repository.axway.com/", "127.0.0.1:5000"]
FORMS = [SECRET.encode(), base64.b64encode(SECRET.encode()),
         base64.b64encode(f"test-client:{SECRET}".encode())]  # fmt: skip


def helper(action: str, stdin: str) -> int:
    out, err = io.BytesIO(), io.StringIO()
    code = handle(action, io.BytesIO(stdin.encode()), out, err, ProfileRegistries())
    if not (action == "get" and code == 0):
        assert SECRET not in out.getvalue().decode() + err.getvalue()
    return code


def creds(registry: str, secret: str) -> str:
    return json.dumps({"ServerURL": registry, "Username": "test-client", "Secret": secret})


REGISTRY = st.sampled_from(REGISTRIES)
STEP = st.one_of(
    st.tuples(st.just("setup"), st.lists(REGISTRY, max_size=2)),
    st.tuples(st.just("unset"), st.lists(REGISTRY, max_size=1)),
    st.tuples(st.just("get"), REGISTRY),
    st.tuples(st.just("erase"), REGISTRY),
    st.tuples(st.just("store"), st.tuples(REGISTRY, st.sampled_from([SECRET, "wrong"]))),
    st.tuples(st.just("list"), st.none()),
    st.tuples(st.just("login"), st.lists(REGISTRY, max_size=2)),  # with --registry each
)


@pytest.fixture
def world(logged_in, run_cli, home: Path, monkeypatch: pytest.MonkeyPatch):
    logged_in.clients["test-client"] = SECRET
    monkeypatch.setenv("DOCKER_CONFIG", str(home / "docker"))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    (home / "docker").mkdir()
    # what an old `docker login` left: the password base64-encoded in config.json
    old = base64.b64encode(f"test-client:{SECRET}".encode()).decode()
    (home / "docker" / "config.json").write_text(json.dumps(
        {"auths": {f"https://{REGISTRIES[0]}": {"auth": old}}, "credsStore": "desktop"}))  # fmt: skip
    result = run_cli("login", "--secret-stdin", stdin=SECRET)
    assert result.code == 0, result
    assert run_cli("setup-docker", REGISTRIES[0]).code == 0  # which drops that old login
    return run_cli


def run_step(run_cli, step: tuple[str, object]) -> None:
    kind, value = step
    if kind == "setup":
        assert run_cli("setup-docker", *value).code in (0, 1)  # type: ignore[misc]
    elif kind == "unset":
        assert run_cli("setup-docker", "--unset", *value).code == 0  # type: ignore[misc]
    elif kind == "login":
        options = [arg for registry in value for arg in ("--registry", registry)]  # type: ignore[attr-defined]
        # 1: a registry another profile serves is refused (none here, but for the fuzzing)
        assert run_cli("login", "--secret-stdin", *options, stdin=SECRET).code in (0, 1)
    elif kind == "store":
        registry, secret = value  # type: ignore[misc]
        helper("store", creds(registry, secret))
    else:
        helper(kind, value or "unused")  # type: ignore[arg-type]


@given(steps=st.lists(STEP, max_size=8))
def test_the_secret_never_reaches_a_file(world, home, memory_keyring, steps) -> None:
    for step in steps:
        run_step(world, step)
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "config.json" for p in files)
    for path in files:
        data = path.read_bytes()
        assert not any(form in data for form in FORMS), (path, steps)
    assert SECRET in memory_keyring.entries.values()  # where it belongs, whatever happened
