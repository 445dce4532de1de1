"""Secret service accounts against a real Keycloak (the server Amplify's login runs), through the
installed commands: every output, every refusal, renewal, the 50-process race, git and HTTPie."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import amplify, console_script
from support.api_server import ApiServer
from support.keycloak_realm import ODD_SECRET, ORG_ID, SHORT_LIFESPAN

pytestmark = pytest.mark.integration

ORG = str(ORG_ID)
REFUSED = "amplify-credhelper: error: the login service refused the client credentials"
AGAIN = "then run `amplify-credhelper login` again\n"


def login(env, keycloak, client_id: str, secret: str, *options: str):
    return amplify(env, "login", "--client-id", client_id, "--base-url", keycloak.base_url,
                   "--secret-stdin", *options, stdin=secret)  # fmt: skip


def forget_cached_tokens(home: Path) -> None:
    shutil.rmtree(home / "config" / "amplify-credhelper" / "tokens", ignore_errors=True)


def assert_nothing_saved(env, home: Path) -> None:
    status = amplify(env, "status")
    assert (
        status.stdout == "No profiles: run `amplify-credhelper login --client-id ID` to add one.\n"
    )
    keyring_file = home / "keyring.json"
    assert not keyring_file.exists() or json.loads(keyring_file.read_text() or "{}") in ({}, [])


@pytest.mark.parametrize("method", ["basic", "post"])
@pytest.mark.parametrize("client_id", ["secret-sa", "odd-secret-sa"])
def test_every_output_carries_keycloaks_token_and_org(
    keycloak, subprocess_env, client_id, method
) -> None:
    secret = keycloak.realm.secrets[client_id]
    before = keycloak.logins(client_id)
    done = login(subprocess_env, keycloak, client_id, secret, "--auth-method", method, "--json")
    assert done.returncode == 0, done.stderr + keycloak.server.log_tail()
    shape = json.loads(done.stdout)
    token = shape["auth"]["tokens"]["access_token"]
    assert shape["org"] == {"id": ORG_ID, "org_id": ORG_ID}  # Keycloak's orgId claim, a long
    assert shape["auth"]["clientId"] == client_id
    assert 0 < shape["auth"]["tokens"]["expires_in"] <= 60  # the realm's lifespan
    assert amplify(subprocess_env, "token").stdout == token + "\n"
    assert amplify(subprocess_env, "header").stdout == (
        f"Authorization: Bearer {token}\nX-Axway-Tenant-Id: {ORG}\n"
    )
    assert amplify(subprocess_env, "env").stdout == (
        f"export AMPLIFY_TOKEN='{token}'\nexport AMPLIFY_TENANT_ID='{ORG}'\nunset AMPLIFY_CENTRAL_URL\n"
    )
    again = json.loads(amplify(subprocess_env, "token", "--json").stdout)
    assert (again["auth"]["tokens"]["access_token"], again["org"]["id"]) == (token, ORG_ID)
    assert keycloak.logins(client_id) == before + 1  # login's token, then the cache


def test_the_odd_secret_really_is_odd() -> None:
    assert set(":+/%&= ") <= set(ODD_SECRET) and not ODD_SECRET.isascii()


@pytest.mark.parametrize(
    ("client_id", "secret", "answer"),
    [
        ("secret-sa", "wrong", "HTTP 401, unauthorized_client"),
        ("nobody", "whatever", "HTTP 401, invalid_client"),
        ("disabled-sa", None, "HTTP 401, invalid_client"),
    ],
    ids=["wrong-secret", "unknown-client", "disabled-client"],
)
def test_a_refused_secret_exits_2_and_saves_nothing(
    keycloak, subprocess_env, home, client_id, secret, answer
) -> None:
    secret = secret or keycloak.realm.secrets[client_id]
    failures = len(keycloak.server.events(client_id, "CLIENT_LOGIN_ERROR"))
    done = login(subprocess_env, keycloak, client_id, secret)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"{REFUSED} ({answer}: Invalid client or Invalid client credentials): check the client "
        f"id and secret, {AGAIN}"
    )
    assert secret not in done.stderr
    assert_nothing_saved(subprocess_env, home)
    assert len(keycloak.server.events(client_id, "CLIENT_LOGIN_ERROR")) == failures + 1


def test_a_short_lived_token_renews_by_itself(keycloak, subprocess_env) -> None:
    """short-sa's tokens live SHORT_LIFESPAN s; the margin, capped at half of that, is reached
    in a few seconds: no minutes of waiting for the realm's 60 s."""
    secret = keycloak.realm.secrets["short-sa"]
    done = login(subprocess_env, keycloak, "short-sa", secret, "--json")
    assert done.returncode == 0, done.stderr
    shape = json.loads(done.stdout)
    first = shape["auth"]["tokens"]["access_token"]
    assert shape["auth"]["tokens"]["expires_in"] <= SHORT_LIFESPAN
    before = keycloak.logins("short-sa")
    assert amplify(subprocess_env, "token").stdout == first + "\n"  # fresh: from the cache
    renew_at = shape["auth"]["expires"]["access"] / 1000 - SHORT_LIFESPAN / 2
    time.sleep(max(0.0, renew_at - time.time()) + 0.5)
    renewed = amplify(subprocess_env, "token")
    assert renewed.returncode == 0, renewed.stderr
    assert renewed.stdout.strip() not in ("", first)
    assert amplify(subprocess_env, "token").stdout == renewed.stdout
    assert keycloak.logins("short-sa") == before + 1


def test_fifty_cold_processes_make_one_token_request(keycloak, subprocess_env, home) -> None:
    secret = keycloak.realm.secrets["secret-sa"]
    assert login(subprocess_env, keycloak, "secret-sa", secret).returncode == 0
    forget_cached_tokens(home)  # cold: no cached token, fifty processes want one at once
    before = keycloak.logins("secret-sa")
    processes = [
        subprocess.Popen([console_script("amplify-credhelper"), "token"], env=subprocess_env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(50)
    ]  # fmt: skip
    results = [(p.communicate(timeout=120), p.returncode) for p in processes]
    assert {code for _, code in results} == {0}, [err for (_, err), _ in results if err][:3]
    assert len({out for (out, _), _ in results}) == 1
    assert keycloak.logins("secret-sa") == before + 1  # Keycloak's own count


# -- through HTTPie and git, checked by Keycloak's introspection ------------------------------


def test_http_with_a_keycloak_token(keycloak, subprocess_env, home) -> None:
    env = {**subprocess_env, "HTTPIE_CONFIG_DIR": str(home / "httpie")}
    assert login(env, keycloak, "secret-sa", keycloak.realm.secrets["secret-sa"]).returncode == 0
    token = amplify(env, "token").stdout.strip()
    with ApiServer(keycloak.checker()) as api:
        done = subprocess.run(
            [console_script("http"), "--ignore-stdin", "--check-status", "-A", "amplify",
             api.url + "/apis/management/v1alpha1/environments"],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tenant"] == ORG
    assert api.seen[0]["headers"]["authorization"] == f"Bearer {token}"


def test_git_clone_with_a_keycloak_token(keycloak, subprocess_env, tmp_path) -> None:
    from support.git_server import GitServer
    from test_git_command import git

    env = _git_env(subprocess_env)
    assert login(env, keycloak, "secret-sa", keycloak.realm.secrets["secret-sa"]).returncode == 0
    token = amplify(env, "token").stdout.strip()
    (tmp_path / "served").mkdir()
    with GitServer(tmp_path / "served", keycloak.checker().issued) as server:
        url = server.create_repository("project.git")
        assert amplify(env, "setup-git", server.url).returncode == 0
        cloned = git(env, "clone", "-q", url, str(tmp_path / "work"))
        assert cloned.returncode == 0, cloned.stderr
        assert server.tokens_accepted() and set(server.tokens_accepted()) == {token}
        assert server.accepts("not-" + token) is False  # Keycloak says no to anything else


def _git_env(subprocess_env: dict[str, str]) -> dict[str, str]:
    import os

    from support.require import need

    need(shutil.which("git") is not None, "git (Debian package git)")
    env = {k: v for k, v in subprocess_env.items() if not k.startswith("GIT_")}
    bin_dir = os.path.dirname(console_script("git-credential-amplify"))
    env.update(PATH=bin_dir + os.pathsep + env.get("PATH", "/usr/bin:/bin"),
               GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0")  # fmt: skip
    Path(env["HOME"]).mkdir(parents=True, exist_ok=True)
    return env
