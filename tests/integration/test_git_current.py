"""A current git (2.46+, which sends wwwauth[] and capability[]=authtype) through the installed
helper: it clones with `Authorization: Bearer` from a Bearer-only host and with the token as a
Basic password from a Basic-only one. Debian 12's git (2.39) sends neither field, so tests/run
builds Debian 13's git for this (AMPLIFY_TEST_GIT names it)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from support.git_server import GitServer
from support.require import need
from test_git_command import TIMEOUT, git_env, login  # noqa: F401  (git_env: a fixture)

pytestmark = pytest.mark.integration


@pytest.fixture
def current_git(git_env: dict[str, str]) -> str:  # noqa: F811
    path = os.environ.get("AMPLIFY_TEST_GIT", "")
    need(
        bool(path) and os.access(path, os.X_OK),
        "a git 2.46+ in AMPLIFY_TEST_GIT (tests/run builds one)",
    )
    done = subprocess.run(
        [path, "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    version = tuple(int(part) for part in done.stdout.split()[2].split(".")[:2])
    assert version >= (2, 46), done.stdout
    return path


@pytest.mark.parametrize(("schemes", "sent"), [(("Bearer",), "Bearer"), (("Basic",), "Basic")])
def test_a_current_git_clones_from_a_bearer_only_and_a_basic_only_host(
    git_env,  # noqa: F811  (the fixture imported above)
    endpoint,
    current_git: str,
    tmp_path: Path,
    schemes: tuple[str, ...],
    sent: str,  # noqa: F811
) -> None:
    login(git_env, endpoint)
    root = tmp_path / "served"
    root.mkdir()
    with GitServer(root, endpoint.issued, schemes=schemes) as server:
        url = server.create_repository("project.git")
        helper = f"credential.{server.url}.helper"
        cloned = subprocess.run(
            [current_git, "-c", f"{helper}=", "-c", f"{helper}=amplify --profile default",
             "clone", "-q", url, str(tmp_path / "work")],
            env=git_env, capture_output=True, text=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip
        assert cloned.returncode == 0, cloned.stderr
        answered = [(s.scheme, s.token) for s in server.seen if s.status < 400]
    assert answered and set(answered) == {(sent, endpoint.issued[0])}
