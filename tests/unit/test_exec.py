"""`exec` in-process: the child's environment, --min-valid, and what happens when CMD cannot run.

The process part (a real CMD replacing the process) is in tests/integration/test_exec_command.py.
"""

from __future__ import annotations

import io

import pytest
from conftest import CliResult

from credhelper import Token, get_token, load_profile
from credhelper.cli import _exec
from credhelper.cli import dispatch as cli
from credhelper.tokens import cache

ORG = "652605300303530"


class FakeExecute:
    """Stands in for os.execvpe: records what would run; raises or returns as told."""

    def __init__(self, result: int | OSError = 0) -> None:
        self.result, self.calls = result, []

    def __call__(self, argv: list[str], env: dict[str, str]) -> int:
        self.calls.append((argv, env))
        if isinstance(self.result, OSError):
            raise self.result
        return self.result


@pytest.fixture
def execute(monkeypatch) -> FakeExecute:
    fake = FakeExecute()
    monkeypatch.setattr(_exec.EXEC, "_execute", fake)
    return fake


def run_exec(*argv: str) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["exec", *argv], io.StringIO(), out, err)
    return CliResult(code, out.getvalue(), err.getvalue())


def token(org: str | None = ORG) -> Token:
    return Token(access_token="tok.en.value", expires_at=1700000000.9, org_id=org, issued_at=1.0)


# -- the child's environment -------------------------------------------------------------------


def test_the_environment_gets_the_token_its_org_and_its_expiry() -> None:
    env = _exec.child_environment({"PATH": "/bin", "AMPLIFY_TENANT_ID": "1"}, token())
    assert env == {
        "PATH": "/bin",
        "AMPLIFY_TOKEN": "tok.en.value",
        "AMPLIFY_TENANT_ID": ORG,
        "AMPLIFY_TOKEN_EXPIRES_AT": "1700000000",
    }


def test_an_unknown_org_unsets_an_inherited_tenant_id() -> None:
    env = _exec.child_environment({"AMPLIFY_TENANT_ID": "111"}, token(org=None))
    assert "AMPLIFY_TENANT_ID" not in env
    assert env["AMPLIFY_TOKEN"] == "tok.en.value"


def test_the_callers_environment_is_left_alone() -> None:
    base = {"HOME": "/h"}
    _exec.child_environment(base, token())
    assert base == {"HOME": "/h"}


def test_the_long_lived_secret_is_withheld_from_cmd() -> None:
    env = _exec.child_environment({"AMPLIFY_CLIENT_ID": "c", "AMPLIFY_CLIENT_SECRET": "s"}, token())
    assert "AMPLIFY_CLIENT_SECRET" not in env
    assert env["AMPLIFY_CLIENT_SECRET_WITHHELD"] == "1" and env["AMPLIFY_CLIENT_ID"] == "c"


def test_keep_secret_passes_it_on_and_no_mark() -> None:
    inherited = {"AMPLIFY_CLIENT_SECRET": "s", "AMPLIFY_CLIENT_SECRET_WITHHELD": "1"}
    env = _exec.child_environment(inherited, token(), keep_secret=True)
    assert env["AMPLIFY_CLIENT_SECRET"] == "s" and "AMPLIFY_CLIENT_SECRET_WITHHELD" not in env


def test_without_a_secret_to_withhold_there_is_no_mark() -> None:
    assert "AMPLIFY_CLIENT_SECRET_WITHHELD" not in _exec.child_environment({}, token())


# -- running ------------------------------------------------------------------------------------


@pytest.fixture
def ci(endpoint, monkeypatch):
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("AMPLIFY_BASE_URL", endpoint.base_url)
    return endpoint


@pytest.mark.parametrize(("option", "kept"), [((), False), (("--keep-secret-env",), True)])
def test_ci_mode_cmd_gets_the_token_instead_of_the_secret(ci, execute, option, kept) -> None:
    assert run_exec(*option, "--", "env").code == 0
    [(_, env)] = execute.calls
    assert env["AMPLIFY_TOKEN"] == ci.issued[0]
    assert ("test-secret" in env.values()) is kept


def test_inside_cmd_the_same_profile_serves_its_cached_token_and_cannot_mint(
    ci, execute, monkeypatch, run_cli
) -> None:
    assert run_exec("--", "env").code == 0
    [(_, env)] = execute.calls
    monkeypatch.delenv("AMPLIFY_CLIENT_SECRET")  # now as CMD sees it
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET_WITHHELD", env["AMPLIFY_CLIENT_SECRET_WITHHELD"])
    inside = run_cli("token")
    assert (inside.code, inside.out) == (0, ci.issued[0] + "\n")  # not a stored profile's
    refreshed = run_cli("token", "--refresh")
    assert (refreshed.code, refreshed.out) == (1, "")
    assert refreshed.err == (
        "amplify-credhelper: error: AMPLIFY_CLIENT_SECRET was withheld from this program by "
        "`amplify-credhelper exec`, so no new token can be minted here: use $AMPLIFY_TOKEN (good "
        "until $AMPLIFY_TOKEN_EXPIRES_AT), or run exec with --keep-secret-env\n"
    )
    assert ci.token_requests == 1


def test_exec_runs_cmd_with_the_cached_token_and_nothing_on_its_command_line(
    logged_in, execute
) -> None:
    result = run_exec("--", "printenv", "AMPLIFY_TOKEN")
    assert (result.code, result.out, result.err) == (0, "", "")
    [(argv, env)] = execute.calls
    assert argv == ["printenv", "AMPLIFY_TOKEN"]
    assert env["AMPLIFY_TOKEN"] == logged_in.issued[0]
    assert env["AMPLIFY_TENANT_ID"] == ORG
    assert logged_in.issued[0] not in " ".join(argv)
    assert logged_in.token_requests == 1  # the login's token, from the cache


def test_cmds_own_options_stay_cmds(logged_in, execute) -> None:
    result = run_exec("--profile", "default", "--", "grep", "-v", "--profile", "x")
    assert result.code == 0, result
    assert execute.calls[0][0] == ["grep", "-v", "--profile", "x"]
    assert result.err == ""  # "-v" after "--" is grep's: no --verbose lines


def test_exec_passes_cmds_exit_status_on(logged_in, execute) -> None:
    execute.result = 7  # Windows: the child's status comes back
    assert run_exec("--", "false").code == 7


def test_exec_without_a_command_is_a_usage_error(logged_in, execute) -> None:
    for argv in ((), ("--",)):
        result = run_exec(*argv)
        assert (result.code, result.err) == (
            1,
            "amplify-credhelper: error: exec needs a command: "
            "amplify-credhelper exec [--profile P] -- CMD [ARGS...]\n",
        )
    assert execute.calls == []


def test_an_unknown_command_exits_127_in_one_line(logged_in, execute) -> None:
    execute.result = FileNotFoundError(2, "No such file or directory")
    result = run_exec("--", "no-such-program")
    assert (result.code, result.err) == (
        127,
        "amplify-credhelper: error: cannot run 'no-such-program': command not found\n",
    )


def test_a_command_that_cannot_run_exits_126(logged_in, execute) -> None:
    execute.result = PermissionError(13, "Permission denied")
    result = run_exec("--", "./not-executable")
    assert (result.code, result.err) == (
        126,
        "amplify-credhelper: error: cannot run './not-executable': permission denied\n",
    )


def test_no_token_no_cmd(run_cli, execute, memory_keyring) -> None:
    result = run_exec("--profile", "nobody", "--", "true")
    assert result.code == 1
    assert result.err.startswith("amplify-credhelper: error: no profile 'nobody'")
    assert execute.calls == []


# -- --min-valid ----------------------------------------------------------------------------


def _age_cached_token(seconds_left: float) -> None:
    """Make the cached token of 'default' expire in ``seconds_left`` (its life unchanged)."""
    profile = load_profile("default")
    old = cache.read(profile)
    shift = old.expires_in() - seconds_left
    cache.write(profile, old.replace(expires_at=old.expires_at - shift,
                                     issued_at=old.issued_at - shift))  # fmt: skip


def test_a_token_with_enough_time_left_is_used_as_it_is(logged_in, execute) -> None:
    assert run_exec("--min-valid", "1200", "--", "true").code == 0
    assert logged_in.token_requests == 1


def test_a_token_with_less_than_min_valid_left_is_replaced(logged_in, execute) -> None:
    _age_cached_token(1000)  # fresh for the 300 s margin, short of the 1200 s asked
    assert run_exec("--min-valid", "1200", "--", "true").code == 0
    assert logged_in.token_requests == 2
    assert execute.calls[0][1]["AMPLIFY_TOKEN"] == logged_in.issued[1]
    assert get_token("default").access_token == logged_in.issued[1]  # and it is cached


def test_more_than_a_token_lasts_is_refused_without_a_request(logged_in, execute) -> None:
    _age_cached_token(1000)
    result = run_exec("--min-valid", "1800", "--", "true")
    assert (result.code, result.err) == (
        1,
        "amplify-credhelper: error: --min-valid 1800: a token of profile 'default' lasts "
        "30 min 0 s from the login service; ask for less\n",
    )
    assert logged_in.token_requests == 1 and execute.calls == []


@pytest.mark.parametrize("value", ["-5", "abc", "86401", "1.5"])
def test_min_valid_must_be_whole_seconds_up_to_a_day(logged_in, execute, value) -> None:
    result = run_exec("--min-valid", value, "--", "true")
    assert result.code == 1
    assert result.err.startswith("amplify-credhelper: error: argument --min-valid: ")
    assert result.err.endswith("(see `amplify-credhelper exec --help`)\n")
    assert execute.calls == []
