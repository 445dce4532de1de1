"""On GitHub Actions every command that hands out a token registers it with the runner's log
masking (`::add-mask::TOKEN`), so a `set -x` or a failing curl later shows `***`; the output
scripts read stays exactly what it is elsewhere."""

from __future__ import annotations

import io
import subprocess

import pytest
from conftest import amplify, console_script, login_argv
from test_exec import FakeExecute, run_exec

from credhelper.cli import _exec
from credhelper.cli import dispatch as cli

ORG = "652605300303530"


@pytest.fixture
def on_github(monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")


@pytest.fixture
def execute(monkeypatch) -> FakeExecute:
    fake = FakeExecute()
    monkeypatch.setattr(_exec.EXEC, "_execute", fake)
    return fake


def test_env_prints_the_mask_on_stderr_and_the_same_exports_on_stdout(
    run_cli, logged_in, on_github
) -> None:
    token = logged_in.issued[0]
    result = run_cli("env")
    assert result.out == (  # a loopback base URL: no region, so no Central URL
        f"export AMPLIFY_TOKEN='{token}'\nexport AMPLIFY_TENANT_ID='{ORG}'\nunset AMPLIFY_CENTRAL_URL\n"
    )
    assert result.err == f"::add-mask::{token}\n"


@pytest.mark.parametrize("argv", [["token"], ["token", "--json"], ["header"]])
def test_token_and_header_mask_on_stderr_and_keep_stdout(
    run_cli, logged_in, on_github, monkeypatch, argv: list[str]
) -> None:
    masked = run_cli(*argv)
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert (masked.out, masked.err) == (run_cli(*argv).out, f"::add-mask::{logged_in.issued[0]}\n")


def test_exec_prints_the_mask_on_stdout_before_cmd_runs(logged_in, on_github, monkeypatch) -> None:
    out = io.StringIO()
    written_before_cmd: list[str] = []
    monkeypatch.setattr(
        _exec.EXEC, "_execute", lambda argv, env: written_before_cmd.append(out.getvalue()) or 0
    )
    code = cli.run(["exec", "--", "true"], io.StringIO(), out, io.StringIO())
    assert (code, written_before_cmd) == (0, [f"::add-mask::{logged_in.issued[0]}\n"])


@pytest.mark.parametrize("value", ["false", "1", "TRUE", ""])
def test_nothing_is_added_off_github(run_cli, logged_in, execute, monkeypatch, value: str) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", value)
    assert run_cli("env").err == ""
    assert run_exec("--", "true").out == ""


def test_envs_output_evals_in_a_real_shell_to_the_same_variables(subprocess_env, endpoint) -> None:
    assert amplify(subprocess_env, *login_argv(endpoint), stdin="test-secret\n").returncode == 0
    subprocess_env["GITHUB_ACTIONS"] = "true"
    script = 'set -e; eval "$("$0" env)"; printf "%s|%s\\n" "$AMPLIFY_TOKEN" "$AMPLIFY_TENANT_ID"'
    done = subprocess.run(["bash", "-c", script, console_script("amplify-credhelper")],
                          env=subprocess_env, capture_output=True, text=True, timeout=60)  # fmt: skip
    token = endpoint.issued[-1]
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"{token}|{ORG}\n",
        f"::add-mask::{token}\n",
    )
