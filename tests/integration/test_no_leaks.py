"""A known secret and known tokens, through every command and the git helper, with --verbose:
the secret appears nowhere but the keyring, a token only where the user asked for it and in
the private cache."""

from __future__ import annotations

import subprocess

import pytest
from conftest import console_script

pytestmark = pytest.mark.integration

SECRET = "S3cret-only-the-keyring-may-hold-7f3a"
ASKED_FOR_THE_TOKEN = {
    ("token",),
    ("token", "--json"),
    ("token", "--refresh"),
    ("header",),
    ("env",),
    ("login", "--json"),
    ("git", "get"),
}


@pytest.fixture
def secret_endpoint(endpoint):
    endpoint.clients["test-client"] = SECRET
    return endpoint


def test_no_secret_or_token_where_it_does_not_belong(secret_endpoint, subprocess_env, home) -> None:
    endpoint = secret_endpoint
    outputs: list[tuple[tuple[str, ...], str, str]] = []

    # AMPLIFY_VERBOSE=1 makes the git helper talk too, where no --verbose can reach it.
    env = {**subprocess_env, "AMPLIFY_VERBOSE": "1"}

    def run(key: tuple[str, ...], argv: list[str], stdin: str = "") -> None:
        done = subprocess.run(
            argv, input=stdin, capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, (key, done.stderr)
        outputs.append((key, done.stdout, done.stderr))

    amplify, git_helper = (
        console_script("amplify-credhelper"),
        console_script("git-credential-amplify"),
    )
    run(
        ("login",),
        [
            amplify,
            "login",
            "--verbose",
            "--client-id",
            "test-client",
            "--base-url",
            endpoint.base_url,
            "--secret-stdin",
            "--git-host",
            "git.example.com",
        ],
        SECRET,
    )
    run(("login", "--json"), [amplify, "login", "--verbose", "--json", "--secret-stdin"], SECRET)
    for argv in (
        ["token"],
        ["token", "--json"],
        ["token", "--refresh"],
        ["header"],
        ["env"],
        ["status"],
        ["status", "--json"],
    ):
        run(tuple(argv), [amplify, *argv, "--verbose"])
    run(("git", "get"), [git_helper, "get"], "protocol=https\nhost=git.example.com\n\n")
    run(
        ("git", "erase"),
        [git_helper, "erase"],
        f"protocol=https\nhost=git.example.com\npassword={endpoint.issued[-1]}\n\n",
    )
    run(("logout",), [amplify, "logout", "--verbose"])

    assert len(endpoint.issued) >= 3
    for key, out, err in outputs:
        assert SECRET not in out + err, key
        assert not any(token in err for token in endpoint.issued), key
        if key not in ASKED_FOR_THE_TOKEN:
            assert not any(token in out for token in endpoint.issued), key
    assert any("cache hit" in err for _, _, err in outputs)  # --verbose really spoke
    git_get = next(err for key, _, err in outputs if key == ("git", "get"))
    assert "amplify-credhelper: cache hit for profile default" in git_get

    tokens_dir = home / "config" / "amplify-credhelper" / "tokens"
    for path in (p for p in home.rglob("*") if p.is_file()):
        content = path.read_text(errors="replace")
        if path.name != "keyring.json":
            assert SECRET not in content, path
        if tokens_dir not in path.parents:
            assert not any(token in content for token in endpoint.issued), path
