"""The real git through the installed helper: `git credential`, setup-git, and a real clone and push
from a token-protected git server on loopback, including the erase-then-renew path after a 401."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import amplify, console_script, login_argv
from support import signalling_git
from support.git_server import GitServer
from support.proxy import RecordingProxy
from support.require import need

pytestmark = pytest.mark.integration

TIMEOUT = 120


@pytest.fixture
def git_env(subprocess_env: dict[str, str], home: Path) -> dict[str, str]:
    """The installed commands on PATH; no system config, no prompt, no askpass, a private HOME."""
    need(shutil.which("git") is not None, "git (Debian package git)")
    env = {k: v for k, v in subprocess_env.items() if not k.startswith("GIT_")}
    env.pop("SSH_ASKPASS", None)
    bin_dir = os.path.dirname(console_script("git-credential-amplify"))
    env.update(
        PATH=bin_dir + os.pathsep + env.get("PATH", "/usr/bin:/bin"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME="Tester",
        GIT_AUTHOR_EMAIL="tester@example.com",
        GIT_COMMITTER_NAME="Tester",
        GIT_COMMITTER_EMAIL="tester@example.com",
    )
    Path(env["HOME"]).mkdir(parents=True, exist_ok=True)
    return env


def git(
    env: dict[str, str], *args: str, cwd: Path | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], input=stdin, env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=TIMEOUT, check=False)  # fmt: skip


def login(env: dict[str, str], endpoint, *extra: str) -> None:
    done = amplify(env, *login_argv(endpoint, *extra), stdin="test-secret\n")
    assert done.returncode == 0, done.stderr


def cached_token(env: dict[str, str]) -> str | None:
    """The token in the cache (from `status`, which never mints), or None."""
    status = amplify(env, "status")
    assert status.returncode == 0, status.stderr
    if "no cached token" in status.stdout or "expired" in status.stdout:
        return None
    return amplify(env, "token").stdout.strip()


@pytest.fixture
def server(tmp_path: Path, endpoint, git_env) -> GitServer:
    need(
        subprocess.run(["git", "http-backend"], env={**git_env, "REQUEST_METHOD": "GET"},
                       capture_output=True, timeout=30, check=False).returncode != 127,
        "git http-backend",
    )  # fmt: skip
    root = tmp_path / "served"
    root.mkdir()
    with GitServer(root, endpoint.issued) as running:
        yield running


# -- git credential fill / approve / reject ---------------------------------------------------


def test_fill_gets_the_token_for_any_host_with_a_profile(git_env, endpoint) -> None:
    login(git_env, endpoint)
    done = git(git_env, "-c", "credential.helper=amplify --profile default", "credential", "fill",
               stdin="protocol=https\nhost=git.example.com\n\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"protocol=https\nhost=git.example.com\nusername=test-client\npassword={endpoint.issued[0]}\n"
    )


def test_fill_without_a_profile_serves_only_the_listed_hosts(git_env, endpoint) -> None:
    login(git_env, endpoint, "--git-host", "*.example.com")
    helper = ("-c", "credential.helper=amplify")
    listed = git(
        git_env, *helper, "credential", "fill", stdin="protocol=https\nhost=git.example.com\n"
    )
    assert listed.returncode == 0 and f"password={endpoint.issued[0]}\n" in listed.stdout
    other = git(git_env, *helper, "credential", "fill", stdin="protocol=https\nhost=example.org\n")
    assert other.returncode != 0 and other.stdout == ""
    assert "terminal prompts disabled" in other.stderr  # git went on to its prompt, as it should
    assert "amplify" not in other.stderr


def test_reject_with_the_token_erases_it_and_approve_keeps_it(git_env, endpoint) -> None:
    login(git_env, endpoint)
    helper = ("-c", "credential.helper=amplify --profile default")
    token = endpoint.issued[0]
    given = f"protocol=https\nhost=git.example.com\nusername=test-client\npassword={token}\n"
    assert git(git_env, *helper, "credential", "approve", stdin=given).returncode == 0
    assert cached_token(git_env) == token
    stale = given.replace(token, "an-older-token")
    assert git(git_env, *helper, "credential", "reject", stdin=stale).returncode == 0
    assert cached_token(git_env) == token
    assert git(git_env, *helper, "credential", "reject", stdin=given).returncode == 0
    assert cached_token(git_env) is None
    assert endpoint.token_requests == 1


def test_a_failure_is_one_line_and_git_moves_on(git_env, endpoint) -> None:
    done = git(git_env, "-c", "credential.helper=amplify --profile missing", "credential", "fill",
               stdin="protocol=https\nhost=git.example.com\n")  # fmt: skip
    assert done.returncode != 0 and done.stdout == ""
    ours = [line for line in done.stderr.splitlines() if "amplify" in line]
    assert ours == [
        "git-credential-amplify: error: no profile 'missing': run `amplify-credhelper login "
        "--profile missing --client-id ID` first (or set AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET)"
    ]
    assert "terminal prompts disabled" in done.stderr


# -- a real clone and push ---------------------------------------------------------------------


def commit(env: dict[str, str], work: Path, name: str) -> None:
    (work / name).write_text(name + "\n")
    assert git(env, "add", name, cwd=work).returncode == 0
    assert git(env, "commit", "-q", "-m", name, cwd=work).returncode == 0


def test_clone_and_push_and_a_new_token_after_a_refusal(
    git_env, endpoint, server, tmp_path
) -> None:
    login(git_env, endpoint)
    setup = amplify(git_env, "setup-git", "--profile", "default", server.url)
    assert setup.returncode == 0, setup.stderr
    url = server.create_repository("project.git")
    work = tmp_path / "work"

    cloned = git(git_env, "clone", "-q", url, str(work))
    assert cloned.returncode == 0, cloned.stderr
    commit(git_env, work, "one")
    pushed = git(git_env, "push", "-q", "origin", "HEAD", cwd=work)
    assert pushed.returncode == 0, pushed.stderr
    first = endpoint.issued[0]
    assert set(server.tokens_accepted()) == {first}
    assert endpoint.token_requests == 1  # login's token, from the cache each time

    server.refuse(first)  # revoked: the server turns the cached token away
    commit(git_env, work, "two")
    refused = git(git_env, "push", "-q", "origin", "HEAD", cwd=work)
    assert refused.returncode != 0
    assert "Authentication failed" in refused.stderr
    assert cached_token(git_env) is None  # git sent erase with that token: the cache let it go

    renewed = git(git_env, "push", "-q", "origin", "HEAD", cwd=work)
    assert renewed.returncode == 0, renewed.stderr
    assert endpoint.token_requests == 2
    assert server.tokens_accepted()[-1] == endpoint.issued[1] != first
    log = git(git_env, "--git-dir", str(server.root / "project.git"), "log", "--format=%s")
    assert log.stdout == "two\none\n"


def test_git_asks_again_without_a_token_when_the_server_refuses_all(
    git_env, endpoint, server, tmp_path
) -> None:
    login(git_env, endpoint)
    url = server.create_repository("closed.git")
    server.refuse(endpoint.issued[0])
    done = git(git_env, "-c", "credential.helper=amplify --profile default", "clone", "-q", url,
               str(tmp_path / "closed"))  # fmt: skip
    assert done.returncode != 0 and "Authentication failed" in done.stderr
    assert [s.status for s in server.seen] == [401, 401]  # anonymous, then our token: no loop


def test_setup_git_keeps_a_storing_helper_from_writing_the_token_down(
    git_env, endpoint, server, tmp_path
) -> None:
    login(git_env, endpoint)
    credentials = Path(git_env["HOME"]) / ".git-credentials"
    url = server.create_repository("kept.git")
    assert git(git_env, "config", "--global", "credential.helper", "store").returncode == 0

    # Without the reset line, git 2.39 hands our token to credential-store, which writes it down.
    plain = ("-c", f"credential.{server.url}.helper=amplify --profile default")
    assert git(git_env, *plain, "clone", "-q", url, str(tmp_path / "a")).returncode == 0
    assert endpoint.issued[0] in credentials.read_text()
    credentials.unlink()

    assert amplify(git_env, "setup-git", "--profile", "default", server.url).returncode == 0
    done = git(git_env, "clone", "-q", url, str(tmp_path / "b"))
    assert done.returncode == 0, done.stderr
    assert not credentials.exists()


# -- setup-git ---------------------------------------------------------------------------------


def helpers(env: dict[str, str], url: str) -> list[str]:
    done = git(env, "config", "--global", "--get-all", f"credential.{url}.helper")
    return done.stdout.splitlines()


def test_setup_git_writes_the_reset_and_the_helper_and_is_idempotent(git_env, endpoint) -> None:
    login(git_env, endpoint, "--profile", "ci")
    assert git(git_env, "config", "--global", "credential.helper", "store").returncode == 0
    done = amplify(git_env, "setup-git", "--profile", "ci", "git.example.com", "*.example.org:8443")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "git gets tokens of profile 'ci' for https://git.example.com\n"
        "git gets tokens of profile 'ci' for https://*.example.org:8443\n"
    )
    assert done.stderr == ""
    config = Path(git_env["HOME"]) / ".gitconfig"
    first = config.read_text()
    assert helpers(git_env, "https://git.example.com") == ["", "amplify --profile ci"]
    assert helpers(git_env, "https://*.example.org:8443") == ["", "amplify --profile ci"]
    assert (
        amplify(
            git_env, "setup-git", "--profile", "ci", "git.example.com", "*.example.org:8443"
        ).returncode
        == 0
    )
    assert config.read_text() == first
    fill = git(git_env, "credential", "fill", stdin="protocol=https\nhost=a.example.org:8443\n")
    assert f"password={endpoint.issued[0]}" in fill.stdout


def test_setup_git_without_hosts_uses_the_profiles_git_hosts(git_env, endpoint) -> None:
    login(git_env, endpoint, "--git-host", "git.example.com", "--git-host", "*.example.net")
    done = amplify(git_env, "setup-git")
    assert done.returncode == 0, done.stderr
    assert helpers(git_env, "https://git.example.com") == ["", "amplify --profile default"]
    assert helpers(git_env, "https://*.example.net") == ["", "amplify --profile default"]


def test_setup_git_unset_removes_only_its_own_lines(git_env, endpoint) -> None:
    login(git_env, endpoint)
    git(git_env, "config", "--global", "credential.helper", "store")
    git(git_env, "config", "--global", "credential.https://other.example.com.helper", "")
    amplify(git_env, "setup-git", "git.example.com", "docs.example.com")
    one = amplify(git_env, "setup-git", "--unset", "docs.example.com", "never.example.com")
    assert one.returncode == 0, one.stderr
    assert one.stdout == (
        "git no longer gets tokens from amplify-credhelper for https://docs.example.com\n"
        "nothing to remove for https://never.example.com\n"
    )
    assert helpers(git_env, "https://docs.example.com") == []
    assert helpers(git_env, "https://git.example.com") == ["", "amplify --profile default"]
    everything = amplify(git_env, "setup-git", "--unset")
    assert (
        everything.stdout
        == "git no longer gets tokens from amplify-credhelper for https://git.example.com\n"
    )
    assert helpers(git_env, "https://git.example.com") == []
    assert helpers(git_env, "https://other.example.com") == [""]  # the user's own reset stays
    assert git(git_env, "config", "--global", "credential.helper").stdout == "store\n"


def test_setup_git_warns_about_a_general_helper_after_its_lines(git_env, endpoint) -> None:
    login(git_env, endpoint)
    config = Path(git_env["HOME"]) / ".gitconfig"
    config.write_text(
        '[credential "https://git.example.com"]\n\tusername = bob\n[credential]\n\thelper = store\n'
    )
    done = amplify(git_env, "setup-git", "git.example.com")
    assert done.returncode == 0
    assert done.stderr == (
        "amplify-credhelper: warning: credential.helper 'store' comes after "
        "credential.https://git.example.com.helper in your global git config, so git gives it "
        "the token too: run `amplify-credhelper setup-git` again\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--profile", "nope", "h.example.com"], "no profile 'nope'"),
        (
            ["bad host"],
            "bad git host 'bad host': no blanks or control characters; expected git.example.com",
        ),
        (["https://h.example.com/path"], "bad git host 'https://h.example.com/path': no path"),
        (["ftp://h.example.com"], "bad git host 'ftp://h.example.com'"),
        (["*.*"], "bad git host '*.*': a wildcard alone would hand the token to any host"),
        (
            ["http://git.example.com"],
            "refusing git host 'http://git.example.com': tokens only travel over https",
        ),
        ([], "no host given, and profile 'default' lists none: name one"),
    ],
)
def test_setup_git_refuses_what_it_cannot_write(git_env, endpoint, argv, message) -> None:
    login(git_env, endpoint)
    done = amplify(git_env, "setup-git", *argv)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"amplify-credhelper: error: {message}")
    assert not (Path(git_env["HOME"]) / ".gitconfig").exists()


# -- the installed helper's cache hit stays light ------------------------------------------------


def test_the_installed_helper_imports_neither_keyring_nor_httpx_on_a_cache_hit(
    git_env, endpoint
) -> None:
    login(git_env, endpoint, "--git-host", "git.example.com")
    done = subprocess.run(
        [console_script("git-credential-amplify"), "get"],
        input="protocol=https\nhost=git.example.com\n\n",
        env={**git_env, "PYTHONPROFILEIMPORTTIME": "1"},
        capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("username=test-client\n")
    loaded = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "git_credential_amplify" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("keyring", "httpx", "filelock")}


# -- where the token goes: host forms, a proxy, several profiles on one host (issue 19) -------


@pytest.mark.parametrize("form", ["url", "ci"])
def test_a_host_written_as_a_url_is_served_without_a_profile_in_the_helper_line(
    git_env, endpoint, server, tmp_path, form
) -> None:
    # The URL form that setup-git --help shows, used where only the host list chooses the
    # profile (credential.helper = amplify: the one way CI's variables serve git).
    if form == "url":
        login(git_env, endpoint, "--git-host", server.url + "/")
        env = git_env
    else:
        env = {**git_env, "AMPLIFY_CLIENT_ID": "test-client", "AMPLIFY_CLIENT_SECRET": "test-secret",
               "AMPLIFY_BASE_URL": endpoint.base_url, "AMPLIFY_GIT_HOSTS": server.url}  # fmt: skip
    url = server.create_repository("listed.git")
    done = git(env, "-c", "credential.helper=amplify", "clone", "-q", url, str(tmp_path / "w"))
    assert done.returncode == 0, done.stderr
    assert server.tokens_accepted() and set(server.tokens_accepted()) <= set(endpoint.issued)


def test_setup_git_for_a_loopback_host_writes_the_http_section(git_env, endpoint, server, tmp_path) -> None:
    login(git_env, endpoint, "--git-host", server.host)  # bare host:port, as 0.2.0 users wrote it
    assert amplify(git_env, "setup-git").returncode == 0
    sections = git(git_env, "config", "--global", "--get-regexp", r"credential\..*helper").stdout
    assert f"credential.http://{server.host}.helper amplify --profile default" in sections
    done = git(git_env, "clone", "-q", server.create_repository("s.git"), str(tmp_path / "w"))
    assert done.returncode == 0, done.stderr


def test_verbose_says_when_no_profile_lists_the_host(git_env, endpoint, server, tmp_path) -> None:
    login(git_env, endpoint, "--git-host", "git.example.com")
    url = server.create_repository("unlisted.git")
    env = {**git_env, "AMPLIFY_VERBOSE": "1"}
    done = git(env, "-c", "credential.helper=amplify", "clone", "-q", url, str(tmp_path / "w"))
    assert done.returncode != 0
    assert (
        f"git-credential-amplify: no profile lists http://{server.host} as a git host" in done.stderr
    )
    verbose = git(git_env, "-c", "credential.helper=amplify --verbose", "clone", "-q", url,
                  str(tmp_path / "v"))  # fmt: skip
    assert "no profile lists" in verbose.stderr


def proxied_clone(env, server, tmp_path, *config: str) -> tuple[subprocess.CompletedProcess[str], RecordingProxy]:
    url = server.create_repository("p.git")
    if any("bot@" in arg for arg in config):  # a proxy for a user: clone as that user
        url = url.replace("http://", "http://bot@")
    with RecordingProxy() as proxy:
        settings = [arg.replace("PROXY", proxy.url).replace("SERVER", server.host) for arg in config]
        env = {k: v.replace("PROXY", proxy.url) for k, v in env.items()}
        done = git(env, *settings, "-c", "credential.helper=amplify --profile default --verbose",
                   "clone", "-q", url, str(tmp_path / "w"))  # fmt: skip
    return done, proxy


@pytest.mark.parametrize(
    ("variables", "config", "named"),
    [
        ({"http_proxy": "PROXY"}, (), "http_proxy"),
        ({"ALL_PROXY": "PROXY"}, (), "ALL_PROXY"),
        ({}, ("-c", "http.proxy=PROXY"), "http.proxy"),
        ({"no_proxy": "example.com"}, ("-c", "http.proxy=PROXY"), "http.proxy"),
        # no_proxy set, even empty, wins over NO_PROXY in git (issue 19's hostile round)
        ({"http_proxy": "PROXY", "no_proxy": "", "NO_PROXY": "127.0.0.1"}, (), "http_proxy"),
        # an address is no name: ".1" or "0.0.1" does not cover 127.0.0.1
        ({"http_proxy": "PROXY", "no_proxy": ".1"}, (), "http_proxy"),
        ({"http_proxy": "PROXY", "no_proxy": "0.0.1"}, (), "http_proxy"),
        # a proxy for the repository's path or user (git sends neither by default)
        ({}, ("-c", "http.http://SERVER/p.git.proxy=PROXY"), "http.<url>.proxy"),
        ({}, ("-c", "http.http://bot@SERVER.proxy=PROXY"), "http.proxy"),  # git sends the user
        ({}, ("-c", "credential.useHttpPath=true", "-c", "http.http://SERVER/p.git.proxy=PROXY"),
         "http.proxy"),
    ],
)
def test_no_token_for_plain_http_that_a_proxy_carries(
    git_env, endpoint, server, tmp_path, variables, config, named
) -> None:
    login(git_env, endpoint)
    env = {**{k: v for k, v in git_env.items() if "proxy" not in k.lower()}, **variables}
    done, proxy = proxied_clone(env, server, tmp_path, *config)
    assert done.returncode != 0
    assert proxy.seen, "git did not go through the proxy: the test proves nothing"
    assert not proxy.received(endpoint.issued[0])
    # git itself tries a user in the URL with an empty password: that is no token of ours.
    empty = "Authorization: Basic " + base64.b64encode(b"bot:").decode()
    assert not any(h.lower().startswith("authorization") and h != empty for h in proxy.headers)
    assert f"{named} would send it through a proxy" in done.stderr
    assert server.tokens_accepted() == []


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "127.0.0.0/8"])
@pytest.mark.parametrize("config", [(), ("-c", "http.proxy=PROXY"),
                                    ("-c", "http.http://SERVER/other.git.proxy=")])  # fmt: skip
def test_no_proxy_for_the_host_lets_the_token_through_directly(
    git_env, endpoint, server, tmp_path, config, no_proxy
) -> None:
    login(git_env, endpoint)
    env = {**{k: v for k, v in git_env.items() if "proxy" not in k.lower()},
           "http_proxy": "PROXY", "no_proxy": no_proxy}  # fmt: skip
    done, proxy = proxied_clone(env, server, tmp_path, *config)
    assert done.returncode == 0, done.stderr
    assert proxy.seen == [] and server.tokens_accepted() == [endpoint.issued[0]] * len(server.tokens_accepted())


@pytest.mark.parametrize(("user", "chosen"), [("bot-b@", 1), ("bot-a@", 0), ("", 0)])
def test_the_user_in_the_url_picks_the_profile(git_env, endpoint, server, tmp_path, user, chosen) -> None:
    for name in ("a", "b"):
        login(git_env, endpoint, "--profile", name, "--git-host", server.url, "--username", f"bot-{name}")
    url = server.create_repository("shared.git").replace("http://", f"http://{user}")
    env = {**git_env, "AMPLIFY_VERBOSE": "1"}
    done = git(env, "-c", "credential.helper=amplify", "clone", "-q", url, str(tmp_path / "w"))
    assert done.returncode == 0, done.stderr
    assert set(server.tokens_accepted()) == {endpoint.issued[chosen]}
    assert f"profile {'ab'[chosen]!r} answers http://{server.host}" in done.stderr


def _readme_hand_setup() -> list[list[str]]:
    """The git config commands of README's "By hand" git setup, as argument lists."""
    import shlex

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme.partition("By hand, ")[2].partition("```sh\n")[2].partition("```")[0]
    return [shlex.split(line)[1:] for line in block.splitlines() if line.startswith("git config")]


def test_the_readme_hand_setup_keeps_the_token_from_a_global_store(
    git_env, endpoint, server, tmp_path
) -> None:
    # A global credential.helper=store receives what git approves unless the host's own
    # section resets the list first: the README's lines must do what setup-git does.
    login(git_env, endpoint, "--git-host", server.url)
    assert git(git_env, "config", "--global", "credential.helper", "store").returncode == 0
    commands = _readme_hand_setup()
    assert len(commands) == 2, commands
    for args in commands:
        args = [a.replace("https://git.example.com", server.url).replace(" P", " default")
                for a in args]  # fmt: skip
        assert git(git_env, *args).returncode == 0
    done = git(git_env, "clone", "-q", server.create_repository("h.git"), str(tmp_path / "w"))
    assert done.returncode == 0, done.stderr
    assert server.tokens_accepted()
    stored = Path(git_env["HOME"]) / ".git-credentials"
    assert not stored.exists() or endpoint.issued[0] not in stored.read_text()


def test_setup_git_killed_at_any_git_call_changes_nothing(git_env, endpoint, tmp_path) -> None:
    """The hostile tester's case: a global `credential.helper = store`, and SIGTERM while a
    `git config` runs. Here git itself sends the signal (to its parent) at its K-th run, then
    does its work: setup-git must wait for it, put the file back and say so in one line."""
    login(git_env, endpoint, "--git-host", "git.example.com")
    gitconfig = Path(git_env["HOME"]) / ".gitconfig"
    gitconfig.write_text("[credential]\n\thelper = store\n")
    bin_dir = tmp_path / "bin"
    signalling_git.install(bin_dir, shutil.which("git"))
    profiles = Path(git_env["XDG_CONFIG_HOME"]) / "amplify-credhelper" / "config.json"
    before = profiles.read_bytes()
    for k in range(3):  # --unset-all, --add "", --add "amplify --profile default"
        (tmp_path / "count").unlink(missing_ok=True)
        env = {**git_env, "K": str(k), "COUNT": str(tmp_path / "count"),
               "PATH": f"{bin_dir}{os.pathsep}{git_env['PATH']}"}  # fmt: skip
        done = amplify(env, "setup-git", "h2.example.com")
        assert (done.returncode, done.stdout) == (143, ""), k
        assert done.stderr == "amplify-credhelper: SIGTERM received: nothing was changed\n", k
        assert gitconfig.read_text() == "[credential]\n\thelper = store\n", k
        assert sorted(os.listdir(gitconfig.parent)) == [".gitconfig"], k  # no config.lock
        assert profiles.read_bytes() == before, k
    done = amplify(git_env, "setup-git", "h2.example.com")
    assert done.returncode == 0, done.stderr
    values = git(git_env, "config", "--global", "--get-all", "credential.https://h2.example.com.helper")
    assert values.stdout == "\namplify --profile default\n"
