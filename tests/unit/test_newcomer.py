"""What a newcomer meets first: the exact text of errors and help for the small mistakes."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["token", "--jsn"], "token"),
        (["status", "--profile", "x", "--jsno"], "status"),
        (["logout", "--everything"], "logout"),
        (["completion", "bash", "--nope"], "completion"),
    ],
)
def test_a_typo_in_a_commands_option_points_to_that_commands_help(
    run_cli, argv: list[str], command: str
) -> None:
    result = run_cli(*argv)
    bad = argv[-1]
    assert (result.code, result.out, result.err) == (
        1,
        "",
        f"amplify-credhelper: error: unrecognized arguments: {bad} "
        f"(see `amplify-credhelper {command} --help`)\n",
    )


def test_a_typo_before_any_command_points_to_the_main_help(run_cli) -> None:
    assert run_cli("--bogus").err == (
        "amplify-credhelper: error: unrecognized arguments: --bogus "
        "(see `amplify-credhelper --help`)\n"
    )


@pytest.mark.parametrize(
    ("argv", "name"), [(["logout", "--profile", "nope"], "nope"), (["logout"], "default")]
)
def test_logout_of_a_profile_that_is_not_stored_does_not_say_log_in(
    run_cli, logged_in, argv: list[str], name: str
) -> None:
    if name == "default":
        assert run_cli("logout").code == 0  # now nothing is stored
    result = run_cli(*argv)
    assert (result.code, result.out, result.err) == (
        1,
        "",
        f"amplify-credhelper: error: no profile {name!r} is stored: nothing to log out "
        "(see `amplify-credhelper status`)\n",
    )


def test_logout_all_with_nothing_stored_says_so(run_cli) -> None:
    result = run_cli("logout", "--all")
    assert (result.code, result.out, result.err) == (
        0,
        "No profiles stored: nothing to log out.\n",
        "",
    )


def test_completion_help_shows_only_what_applies(run_cli) -> None:
    out = run_cli("completion", "--help").out
    assert out.startswith("usage: amplify-credhelper completion [-h] [{bash,zsh,fish}]\n")
    assert "--profile" not in out and "--verbose" not in out
