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


def test_status_json_gives_the_org_id_as_token_json_does(run_cli, logged_in) -> None:
    import json

    status = json.loads(run_cli("status", "--json").out)[0]["token"]["orgId"]
    token = json.loads(run_cli("token", "--json").out)["org"]["id"]
    assert status == token == 652605300303530


def test_a_long_keyring_error_is_cut_between_words_not_in_a_url(
    run_cli, endpoint, memory_keyring, monkeypatch
) -> None:
    url = "https://vault.example.com/v1/secret/data/" + "x" * 40
    words = "the backend refused the request from this client " * 3

    def refuse(*args: str) -> None:
        raise RuntimeError(f"{words}see {url} for details")

    monkeypatch.setattr(memory_keyring, "set_password", refuse)
    from conftest import login_argv

    result = run_cli(*login_argv(endpoint), stdin="test-secret\n")
    assert result.code == 4
    assert (
        "cannot store the secret in the keyring (RuntimeError: "
        + " ".join(words.split())
        + " see ...): "
    ) in result.err


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_scripts_offer_envs_choices(run_cli, shell: str) -> None:
    script = run_cli("completion", shell).out
    for name in ("prod", "staging", "preprod", "production", "dev", "test"):
        assert name in script


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_scripts_install_note_is_the_one_completion_help_gives(run_cli, shell: str) -> None:
    script = run_cli("completion", shell).out
    note = " ".join(
        line.removeprefix("# install: ")
        for line in script.splitlines()
        if line.startswith("# install: ")
    )
    help_text = run_cli("completion", "--help").out
    lines = help_text[help_text.index("install:\n") :].splitlines()[1:]
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {shell} "))
    given = [lines[start][len(shell) + 3 :]]
    given += [line for line in lines[start + 1 :] if line.startswith("        ")][:1]
    assert note and note.split() == " ".join(given).split()
    assert "bash_completion/" not in script  # shtab's own suggestion, a folder bash never reads


@pytest.mark.parametrize(
    "argv", [["login"], ["login", "--secret-stdin"], ["login", "--env", "prod"]]
)
def test_login_without_a_terminal_or_client_id_names_the_client_id_first(
    run_cli, memory_keyring, argv: list[str]
) -> None:
    result = run_cli(*argv)  # stdin is not a terminal: no prompt could ask for anything
    assert (result.code, result.err) == (
        1,
        "amplify-credhelper: error: login needs --client-id (or AMPLIFY_CLIENT_ID)\n",
    )
