"""`amplify-credhelper setup-git` and git's login options, through the CLI with a fake git config
(the real git runs in tests/integration/test_git_command.py)."""

from __future__ import annotations

import io

import pytest
from conftest import CliResult, login_argv
from git_credential_amplify.configure import GlobalGitConfig, SetupGit
from support.fake_git_config import FakeGitConfig

from credhelper.cli import dispatch as cli
from credhelper.profiles import config

ERROR = "amplify-credhelper: error: "
RESET, OURS = "", "amplify --profile default"


@pytest.fixture
def git() -> FakeGitConfig:
    return FakeGitConfig()


@pytest.fixture
def setup_git(git):
    """Run the CLI with setup-git on the fake git config; git-credential-amplify on PATH."""
    command = SetupGit(git=git, which=lambda name: f"/bin/{name}")

    def run(*argv: str, stdin: str = "") -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = cli.run(list(argv), io.StringIO(stdin), out, err, integrations=[command])
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def logged_in_with_hosts(setup_git, endpoint, memory_keyring):
    argv = login_argv(endpoint, "--git-host", "git.example.com", "--git-host", "*.example.net")
    result = setup_git(*argv, stdin="test-secret")
    assert result.code == 0, result
    return endpoint


def test_writes_the_reset_then_the_helper_for_each_host(setup_git, git, logged_in) -> None:
    result = setup_git("setup-git", "git.example.com", "*.example.org:8443")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "git gets tokens of profile 'default' for https://git.example.com\n"
        "git gets tokens of profile 'default' for https://*.example.org:8443\n"
    )
    assert git.entries == [
        ("credential.https://git.example.com.helper", RESET),
        ("credential.https://git.example.com.helper", OURS),
        ("credential.https://*.example.org:8443.helper", RESET),
        ("credential.https://*.example.org:8443.helper", OURS),
    ]


def test_running_again_changes_nothing_but_moves_ours_after_a_later_helper(
    setup_git, git, logged_in
) -> None:
    setup_git("setup-git", "git.example.com")
    first = list(git.entries)
    assert setup_git("setup-git", "git.example.com").code == 0
    assert git.entries == first
    git.add("credential.https://git.example.com.helper", "store")
    setup_git("setup-git", "git.example.com")
    assert git.values("credential.https://git.example.com.helper") == ["store", RESET, OURS]


def test_without_hosts_the_profiles_git_hosts(setup_git, git, logged_in_with_hosts) -> None:
    assert setup_git("setup-git", "-v").code == 0  # --verbose, like every command
    assert [k for k, v in git.entries if v == OURS] == [
        "credential.https://git.example.com.helper",
        "credential.https://*.example.net.helper",
    ]


def test_the_login_options_are_the_git_integrations_settings(setup_git, logged_in) -> None:
    result = setup_git("login", "--username", "bob", "--git-host", "h.example", "--secret-stdin",
                       stdin="test-secret")  # fmt: skip
    assert result.code == 0, result
    assert config.load_all()["default"].settings == {
        "git": {"hosts": ("h.example",), "username": "bob"}
    }
    assert setup_git("login", "--secret-stdin", stdin="test-secret").code == 0  # kept as they were
    assert config.load_all()["default"].settings["git"]["username"] == "bob"
    status = setup_git("status").out
    assert status.endswith(", git hosts h.example, git username bob\n")


def test_a_bad_git_host_at_login_is_refused_before_any_request(setup_git, endpoint, memory_keyring) -> None:
    result = setup_git(*login_argv(endpoint, "--git-host", "a b"), stdin="test-secret")
    assert (result.code, result.err) == (1, (
        f"{ERROR}bad git host 'a b': no blanks or control characters; expected git.example.com, "
        "*.example.com, host:port, https://host or http://127.0.0.1:port\n"))  # fmt: skip
    assert endpoint.token_requests == 0


def test_warns_about_a_general_helper_after_its_lines(setup_git, git, logged_in) -> None:
    git.entries = [("credential.https://git.example.com.username", "bob"),
                   ("credential.helper", "store")]  # fmt: skip
    result = setup_git("setup-git", "git.example.com")
    assert result.code == 0
    assert result.err == (
        "amplify-credhelper: warning: credential.helper 'store' comes after "
        "credential.https://git.example.com.helper in your global git config, so git gives it "
        "the token too: run `amplify-credhelper setup-git` again\n"
    )


def test_warns_when_git_cannot_find_the_helper(git, logged_in) -> None:
    out, err = io.StringIO(), io.StringIO()
    command = SetupGit(git=git, which=lambda name: None)
    assert cli.run(["setup-git", "h.example"], io.StringIO(), out, err, integrations=[command]) == 0
    assert err.getvalue() == (
        "amplify-credhelper: warning: git-credential-amplify is not on PATH, so git cannot run "
        "it: add the folder it is installed in to PATH\n"
    )


def test_unset_removes_only_its_own_lines(setup_git, git, logged_in) -> None:
    git.entries = [("credential.helper", "store"),
                   ("credential.https://other.example.com.helper", "")]  # fmt: skip
    setup_git("setup-git", "git.example.com", "docs.example.com")
    one = setup_git("setup-git", "--unset", "docs.example.com", "never.example.com")
    assert (one.code, one.out) == (0,
        "git no longer gets tokens from amplify-credhelper for https://docs.example.com\n"
        "nothing to remove for https://never.example.com\n")  # fmt: skip
    everything = setup_git("setup-git", "--unset")
    assert everything.out == (
        "git no longer gets tokens from amplify-credhelper for https://git.example.com\n"
    )
    assert git.entries == [("credential.helper", "store"),
                           ("credential.https://other.example.com.helper", "")]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--profile", "nope", "h.example.com"], "no profile 'nope'"),
        (["bad host"], "bad git host 'bad host': no blanks or control characters"),
        (["https://h.example.com/path"], "bad git host 'https://h.example.com/path': no path: git "
                                         "matches host and port alone"),
        (["ftp://h.example.com"], "bad git host 'ftp://h.example.com': expected an https:// or http:// host"),
        (["http://git.example.com"], "refusing git host 'http://git.example.com': tokens only travel "
                                     "over https (plain http is allowed for 127.0.0.1, ::1 and localhost only)"),
        (["127.0.0.1:*"], "git host '127.0.0.1:*': git's URL matching has no wildcard port: name the port"),
        ([], "no host given, and profile 'default' lists none: name one"),
        (["--bogus"], "unrecognized arguments: --bogus (see `amplify-credhelper setup-git --help`)"),
    ],
)  # fmt: skip
def test_refuses_what_it_cannot_write(setup_git, git, logged_in, argv, message) -> None:
    result = setup_git("setup-git", *argv)
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith(ERROR + message) and result.err.count("\n") == 1
    assert git.entries == []


def test_a_loopback_host_without_scheme_gets_both_sections(setup_git, git, logged_in) -> None:
    # A bare host means https; on this machine it serves plain http too, so git's http
    # request finds the helper in the credential.http://... section it reads.
    assert setup_git("setup-git", "127.0.0.1:8080", "HTTPS://Git.Example.com/").code == 0
    assert [k for k, v in git.entries if v == OURS] == [
        "credential.https://127.0.0.1:8080.helper", "credential.http://127.0.0.1:8080.helper",
        "credential.https://git.example.com.helper",
    ]


def test_plain_http_to_this_machine_is_written(setup_git, git, logged_in) -> None:
    assert setup_git("setup-git", "http://127.0.0.1:8080/", "http://[::1]:9").code == 0
    assert [k for k, v in git.entries if v == OURS] == [
        "credential.http://127.0.0.1:8080.helper", "credential.http://[::1]:9.helper"
    ]  # fmt: skip


def test_the_environment_profile_is_refused(setup_git, git, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "c")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "s")
    result = setup_git("setup-git", "h.example.com")
    assert (result.code, result.err) == (
        1, f"{ERROR}setup-git needs a stored profile: name one with --profile\n"
    )  # fmt: skip


def test_a_failing_git_is_one_line(setup_git, logged_in, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no git anywhere
    out, err = io.StringIO(), io.StringIO()
    command = SetupGit(which=lambda name: "/bin/x")  # the real runner
    assert cli.run(["setup-git", "h.example"], io.StringIO(), out, err, integrations=[command]) == 1
    assert err.getvalue() == f"{ERROR}git is not installed (or not on PATH)\n"
    with pytest.raises(Exception, match="git is not installed"):
        GlobalGitConfig().helper_entries()


def test_a_folder_at_gitconfig_is_one_line_naming_it(logged_in, home) -> None:
    import shutil

    from support.require import need

    need(shutil.which("git") is not None, "git")  # the real git: its words are what is joined
    gitconfig = home / "home" / ".gitconfig"
    gitconfig.mkdir(parents=True)
    err = io.StringIO()
    command = SetupGit()
    assert cli.run(["setup-git", "h.example"], io.StringIO(), io.StringIO(), err,
                   integrations=[command]) == 1  # fmt: skip
    said = err.getvalue()
    assert said.startswith(f"{ERROR}git config failed: unable to access '{gitconfig}': Is a "
                           "directory") and said.count("\n") == 1, said  # fmt: skip


def test_a_host_given_joins_the_profiles_hosts_so_the_helper_serves_it(
    setup_git, git, logged_in_with_hosts
) -> None:
    assert setup_git("setup-git", "h2.example.com").code == 0
    hosts = config.load_all()["default"].settings["git"]["hosts"]
    assert list(hosts) == ["git.example.com", "*.example.net", "h2.example.com"]
    assert setup_git("setup-git", "h2.example.com").code == 0  # listed once
    assert list(config.load_all()["default"].settings["git"]["hosts"]) == list(hosts)


def test_a_symlinked_config_json_is_refused_and_nothing_written(setup_git, git, logged_in) -> None:
    import os

    target = config.path() + ".real"
    os.rename(config.path(), target)
    os.symlink(target, config.path())
    result = setup_git("setup-git", "h2.example.com")
    assert (result.code, result.out, git.entries) == (1, "", [])
    assert result.err == (f"{ERROR}{config.path()} is a symbolic link: writing would replace it by "
                          "a file and leave its target stale; put the file itself in its place, "
                          "or point XDG_CONFIG_HOME at a folder of its own\n")  # fmt: skip
