"""What a git host is (one rule for login, AMPLIFY_GIT_HOSTS and setup-git), which profile
answers it (by the user name git sends, then by name), and the plain-http hosts that a proxy
would carry, which get no token. git's protocol in-process; the real git is in
tests/integration/test_git_command.py."""

from __future__ import annotations

import io
import json

import pytest
from git_credential_amplify import handle
from git_credential_amplify.hostrule import normalise, serves
from git_credential_amplify.proxies import proxy_for
from hypothesis import given
from hypothesis import strategies as st

from credhelper import ConfigError
from credhelper.profiles import config

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_proxy_settings(monkeypatch, home) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(home)  # no repository around: git config reads the test's files alone
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_PARAMETERS", raising=False)
    monkeypatch.delenv("GIT_CONFIG_COUNT", raising=False)


def ask(request: bytes, profile: str | None = None, verbose: bool = True) -> tuple[bytes, str]:
    out, err = io.BytesIO(), io.StringIO()
    assert handle("get", io.BytesIO(request), out, err, profile=profile, verbose=verbose) == 0
    return out.getvalue(), err.getvalue()


def user(out: bytes) -> bytes:
    return out.split(b"\n")[0]


def login(run_cli, endpoint, name: str, *options: str) -> None:
    result = run_cli("login", "--profile", name, "--client-id", "test-client",
                     "--base-url", endpoint.base_url, *options, "--secret-stdin",
                     stdin="test-secret\n")  # fmt: skip
    assert result.code == 0, result


# -- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_", "kept"),
    [
        ("git.example.com", "git.example.com"),
        ("GIT.Example.com", "git.example.com"),
        ("https://git.example.com", "git.example.com"),
        ("https://git.example.com/", "git.example.com"),
        ("HTTPS://git.example.com:8443/", "git.example.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost/", "http://localhost"),
        ("http://[::1]:9", "http://[::1]:9"),
        ("*.example.com", "*.example.com"),
        ("git-*.example.com", "git-*.example.com"),
        ("127.0.0.1:*", "127.0.0.1:*"),
        ("[::1]:8080", "[::1]:8080"),
    ],
)
def test_hosts_are_kept_in_the_form_git_sends(given_: str, kept: str) -> None:
    assert normalise(given_) == kept


@pytest.mark.parametrize(
    ("given_", "why"),
    [
        ("https://git.example.com/org/repo", "no path"),
        ("git.example.com/org", "no path"),
        ("https://bot@git.example.com", "no user name"),
        ("https://git.example.com?x=1", "no ?query"),
        ("git.example.com#x", "no ?query or #fragment"),
        ("*", "a wildcard alone"),
        ("*.*", "a wildcard alone"),
        ("**.*:443", "a wildcard alone"),
        ("", "no blanks"),
        (" ", "no blanks"),
        ("git .example.com", "no blanks"),
        ("git..example.com", "none of them empty"),
        (".example.com", "none of them empty"),
        ("example.com.", "none of them empty"),
        ("gít.example.com", "xn-- for others"),
        ("git.example.com:0", "a port is a number from 1 to 65535"),
        ("git.example.com:99999", "a port is a number"),
        ("git.example.com:", "a port is a number"),
        ("ssh://git.example.com", "expected an https:// or http:// host"),
        ("http://git.example.com", "tokens only travel over https"),
        ("http://*.example.com", "tokens only travel over https"),
        (5, "expected text"),
    ],
)
def test_what_can_never_match_is_refused(given_: object, why: str) -> None:
    with pytest.raises(ConfigError, match="git host") as caught:
        normalise(given_)
    assert why in str(caught.value)


@pytest.mark.parametrize(
    ("pattern", "protocol", "host", "expected"),
    [
        ("git.example.com", "https", "git.example.com", True),
        ("git.example.com", "http", "git.example.com", False),  # the scheme decides
        ("127.0.0.1:8080", "http", "127.0.0.1:8080", True),  # loopback: both, as in 0.2.0
        ("127.0.0.1:8080", "https", "127.0.0.1:8080", True),
        ("http://127.0.0.1:8080", "http", "127.0.0.1:8080", True),
        ("http://127.0.0.1:8080", "https", "127.0.0.1:8080", False),
        ("*.example.com", "https", "a.b.example.com", False),
    ],
)
def test_a_pattern_serves_its_scheme(pattern, protocol, host, expected) -> None:
    assert serves(pattern, protocol, host) is expected


@given(st.text(max_size=30))
def test_whatever_is_kept_is_kept_again_unchanged(text: str) -> None:
    try:
        kept = normalise(text)
    except ConfigError:
        return
    assert normalise(kept) == kept
    rest = kept[len("http://") :] if kept.startswith("http://") else kept
    assert not any(c in rest for c in "/@?# \\")


# -- where the rule holds: login, the config file, AMPLIFY_GIT_HOSTS ---------------------------


def test_login_keeps_url_forms_as_git_sends_them_and_serves_them(
    run_cli, endpoint, memory_keyring
) -> None:
    login(run_cli, endpoint, "ci", "--git-host", "https://Git.Example.com/", "--git-host",
          "git.example.com", "--git-host", "http://127.0.0.1:8080")  # fmt: skip
    assert list(config.load_all()["ci"].settings["git"]["hosts"]) == [
        "git.example.com",
        "http://127.0.0.1:8080",
    ]
    assert user(ask(b"protocol=https\nhost=git.example.com\n")[0]) == b"username=test-client"
    assert user(ask(b"protocol=http\nhost=127.0.0.1:8080\n")[0]) == b"username=test-client"


def test_url_forms_written_before_the_rule_keep_serving(run_cli, endpoint, memory_keyring) -> None:
    login(run_cli, endpoint, "old")
    with open(config.path()) as file:
        stored = json.load(file)
    stored["profiles"]["old"]["settings"] = {
        "git": {"hosts": ["https://git.example.com/", "http://127.0.0.1:8080"]}
    }
    with open(config.path(), "w") as file:
        json.dump(stored, file)
    out, err = ask(b"protocol=https\nhost=git.example.com\n")
    assert user(out) == b"username=test-client", err
    assert user(ask(b"protocol=http\nhost=127.0.0.1:8080\n")[0]) == b"username=test-client"


def test_ci_hosts_written_as_urls_are_served(endpoint, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("AMPLIFY_BASE_URL", endpoint.base_url)
    monkeypatch.setenv("AMPLIFY_GIT_HOSTS", "https://git.example.com/, http://localhost:3000")
    assert user(ask(b"protocol=https\nhost=git.example.com\n")[0]) == b"username=test-client"
    assert user(ask(b"protocol=http\nhost=localhost:3000\n")[0]) == b"username=test-client"


def test_a_bad_ci_host_is_named_and_skipped(endpoint, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("AMPLIFY_GIT_HOSTS", "*")
    out, err = ask(b"protocol=https\nhost=git.example.com\n", verbose=False)
    assert out == b""
    assert err.startswith("git-credential-amplify: warning: AMPLIFY_GIT_HOSTS: bad git host '*': "
                          "a wildcard alone would hand the token to any host")  # fmt: skip


# -- --verbose says why nothing is answered ------------------------------------------------------


def test_verbose_says_no_profile_lists_the_host(logged_in, monkeypatch) -> None:
    assert ask(b"protocol=https\nhost=git.example.com\n", verbose=False) == (b"", "")
    assert ask(b"protocol=https\nhost=git.example.com\n") == (b"", (
        "git-credential-amplify: no profile lists https://git.example.com as a git host: add it "
        "with `login --git-host`, or name a profile in the helper line\n"))  # fmt: skip
    monkeypatch.setenv("AMPLIFY_VERBOSE", "1")
    assert "no profile lists" in ask(b"protocol=https\nhost=git.example.com\n", verbose=False)[1]


def test_the_verbose_option_of_the_command_line(logged_in) -> None:
    from git_credential_amplify import run

    out, err = io.BytesIO(), io.StringIO()
    request = io.BytesIO(b"protocol=https\nhost=git.example.com\n")
    assert run(["--verbose", "get"], request, out, err) == 0
    assert (out.getvalue(), err.getvalue().split(":")[1]) == (b"", " no profile lists https")


# -- --profile P answers only for P's hosts when P lists any -----------------------------------


def test_a_named_profile_that_lists_hosts_serves_those_alone(
    run_cli, endpoint, memory_keyring
) -> None:
    login(run_cli, endpoint, "ci", "--git-host", "git.example.com")
    assert user(ask(b"protocol=https\nhost=git.example.com\n", "ci")[0]) == b"username=test-client"
    out, err = ask(b"protocol=https\nhost=submodule.example.org\n", "ci")
    assert (out, err) == (b"", (
        "git-credential-amplify: not answering for https://submodule.example.org: profile 'ci' "
        "lists its git hosts (git.example.com), and not this one\n"))  # fmt: skip


def test_a_named_profile_without_hosts_serves_what_git_sends(logged_in) -> None:
    out, err = ask(b"protocol=https\nhost=any.example.org\n", "default")
    assert user(out) == b"username=test-client"
    assert err == ("git-credential-amplify: profile 'default' (named on the command line) "
                   "answers https://any.example.org\n")  # fmt: skip


# -- several profiles on one host: the user name git sends chooses -----------------------------


@pytest.fixture
def two_on_one_host(run_cli, endpoint, memory_keyring):
    for name in ("alpha", "beta"):
        login(run_cli, endpoint, name, "--git-host", "git.example.com", "--username", f"{name}-bot")
    return endpoint


@pytest.mark.parametrize(
    ("username", "chosen", "how"),
    [
        (b"beta-bot", "beta", "its git user name is the one git sent"),
        (b"alpha-bot", "alpha", "its git user name is the one git sent"),
        (b"someone-else", "alpha", "first by name"),
        (None, "alpha", "first by name"),
    ],
)
def test_the_username_git_sends_chooses_the_profile(two_on_one_host, username, chosen, how) -> None:
    request = b"protocol=https\nhost=git.example.com\n"
    if username is not None:
        request += b"username=%s\n" % username
    out, err = ask(request)
    assert user(out) == f"username={chosen}-bot".encode()
    assert err == (f"git-credential-amplify: profile {chosen!r} answers https://git.example.com "
                   f"({how}; listed by 'alpha', 'beta')\n")  # fmt: skip


def test_the_username_beats_an_exact_name_over_a_wildcard(
    run_cli, endpoint, memory_keyring
) -> None:
    login(run_cli, endpoint, "exact", "--git-host", "git.example.com", "--username", "e")
    login(run_cli, endpoint, "wild", "--git-host", "*.example.com", "--username", "w")
    assert user(ask(b"protocol=https\nhost=git.example.com\nusername=w\n")[0]) == b"username=w"
    assert user(ask(b"protocol=https\nhost=git.example.com\n")[0]) == b"username=e"


# -- plain http that a proxy would carry gets nothing ------------------------------------------


@pytest.mark.parametrize("variable", ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"])
def test_a_proxy_variable_stops_the_plain_http_answer(logged_in, monkeypatch, variable) -> None:
    monkeypatch.setenv(variable, "http://127.0.0.1:3128")
    out, err = ask(b"protocol=http\nhost=127.0.0.1:8080\n", "default")
    assert out == b""
    assert err == (
        f"git-credential-amplify: not answering for http://127.0.0.1:8080: {variable} would send "
        "it through a proxy, and the token in clear text with it; add the host to no_proxy, or "
        "use https\n"
    )
    assert (
        user(ask(b"protocol=https\nhost=127.0.0.1:8080\n", "default")[0]) == b"username=test-client"
    )


@pytest.mark.parametrize(
    ("no_proxy", "host", "bypassed"),
    [
        ("127.0.0.1", "127.0.0.1:8080", True),
        ("localhost,127.0.0.1", "127.0.0.1:8080", True),
        ("*", "localhost:1", True),
        (".localhost", "localhost:1", True),
        ("::1", "[::1]:9", True),
        ("[::1]", "[::1]:9", False),  # measured: curl 7.88 does not strip the brackets
        ("localhost", "127.0.0.1:8080", False),
        ("127.0.0.10", "127.0.0.1:8080", False),
        ("", "127.0.0.1:8080", False),
        # An address is matched whole, or by an IPv4 network; never as a name's suffix.
        (".1", "127.0.0.1:8080", False),
        ("0.0.1", "127.0.0.1:8080", False),
        ("*.0.0.1", "127.0.0.1:8080", False),
        ("127.0.0.1.", "127.0.0.1:8080", False),
        ("127.0.0.0/8", "127.0.0.1:8080", True),
        ("127.0.0.2/31", "127.0.0.1:8080", False),
        ("10.0.0.0/0", "127.0.0.1:8080", False),  # curl: "/0" is not every address
        ("127.0.0.1/33", "127.0.0.1:8080", False),
        ("::/0", "[::1]:9", False),
        ("::1/128", "[::1]:9", False),  # measured: curl 7.88 matches no IPv6 network
        ("1", "localhost:1", False),
        # curl trims blanks and tabs alone: a stray CR (a CRLF .env file), LF or VT stays in
        # the entry, which then names no host, and curl takes the proxy (measured, 7.88).
        (" 127.0.0.1\t", "127.0.0.1:8080", True),
        ("127.0.0.1\r", "127.0.0.1:8080", False),
        ("127.0.0.1\n", "127.0.0.1:8080", False),
        ("\v127.0.0.1", "127.0.0.1:8080", False),
    ],
)
def test_no_proxy_lets_the_answer_through(monkeypatch, no_proxy, host, bypassed) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert (proxy_for(host) is None) is bypassed


@pytest.mark.parametrize(("lower", "bypassed"), [(None, True), ("", False), ("example.com", False)])
def test_no_proxy_set_even_empty_wins_over_upper_case(monkeypatch, lower, bypassed) -> None:
    # git reads NO_PROXY, then no_proxy over it when set at all (measured with git 2.39).
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    if lower is None:
        monkeypatch.delenv("no_proxy", raising=False)
    else:
        monkeypatch.setenv("no_proxy", lower)
    assert (proxy_for("127.0.0.1:8080") is None) is bypassed


@pytest.mark.parametrize(
    ("section", "path", "username", "proxied"),
    [
        ("http://127.0.0.1:8080/repo.git", None, None, True),  # no path from git: in doubt
        ("http://bot@127.0.0.1:8080", None, None, True),
        ("http://127.0.0.1:8080/repo.git", "repo.git", None, True),
        ("http://127.0.0.1:8080/repo.git", "other.git", None, False),  # useHttpPath: exact
        ("http://bot@127.0.0.1:8080", "r.git", "bot", True),
        ("http://bot@127.0.0.1:8080", "r.git", "other", False),
        ("http://*.0.0.1:8080/x", None, None, True),
        ("http://127.0.0.1:9/x", None, None, False),  # another port
        ("https://127.0.0.1:8080/x", None, None, False),  # another scheme
        ("http://127.0.0.2:8080/x", None, None, False),
    ],
)
def test_a_proxy_for_a_path_or_a_user_counts(
    monkeypatch, home, section, path, username, proxied
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    (home / "gitconfig").write_text(f'[http "{section}"]\n\tproxy = http://p:1\n')
    found = proxy_for("127.0.0.1:8080", path, username)
    assert (found is not None) is proxied, found


def test_git_config_http_proxy_counts(monkeypatch, home) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    assert proxy_for("127.0.0.1:8080") is None
    (home / "gitconfig").write_text("[http]\n\tproxy = http://127.0.0.1:3128\n")
    assert proxy_for("127.0.0.1:8080") == "http.proxy"
    (home / "gitconfig").write_text('[http "http://127.0.0.1:8080"]\n\tproxy = http://p:1\n')
    assert proxy_for("127.0.0.1:8080") == "http.proxy" and proxy_for("127.0.0.1:9") is None
    (home / "gitconfig").write_text('[remote "origin"]\n\tproxy = http://127.0.0.1:3128\n')
    assert proxy_for("127.0.0.1:8080") == "remote.<name>.proxy"
    (home / "gitconfig").write_text('[remote "origin"]\n\tproxy =\n[http]\n\tproxy = ""\n')
    assert proxy_for("127.0.0.1:8080") is None  # an empty value turns the proxy off
    monkeypatch.setenv("PATH", "/nonexistent")  # git cannot be asked: in doubt, proxied
    assert proxy_for("127.0.0.1:8080") == "git config (which could not be read)"
