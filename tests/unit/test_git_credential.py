"""The git credential helper in-process: git's protocol with in-memory streams, exact answers."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings

import git_credential_amplify
import keyring
import pytest
from git_credential_amplify import handle, run
from git_credential_amplify.protocol import MAX_LINE, format_answer, read_request
from hypothesis import given
from hypothesis import strategies as st
from support.fake_keyring import LockedKeyring
from support.token_endpoint import Fault

from credhelper import CacheWarning, Token, get_token, host_matches
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile

HTTPS = b"protocol=https\nhost=git.example.com\n"
AUTHTYPE = b"capability[]=authtype\n"
BEARER_OFFERED = b'wwwauth[]=Bearer realm="git"\n'  # the server's challenge (git 2.41+)


def ask(action: str, request: bytes, profile: str | None = None) -> tuple[int, bytes, str]:
    out, err = io.BytesIO(), io.StringIO()
    code = handle(action, io.BytesIO(request), out, err, profile=profile)
    return code, out.getvalue(), err.getvalue()


def cached() -> Token:
    return get_token("default")  # a cache hit: the core's own view of the token


def answer(token: Token, username: str = "test-client", margin: int = 300) -> bytes:
    expiry = int(token.expires_at - margin)
    return f"username={username}\npassword={token.access_token}\npassword_expiry_utc={expiry}\n".encode()


@pytest.fixture
def hosts(run_cli, endpoint, memory_keyring):
    """Two profiles that list git hosts: 'wild' *.example.com, 'exact' git.example.com."""
    for name, host in (("wild", "*.example.com"), ("exact", "git.example.com")):
        result = run_cli(
            "login", "--profile", name, "--client-id", "test-client", "--username", f"{name}-user",
            "--base-url", endpoint.base_url, "--git-host", host, "--git-host", "127.0.0.1:*",
            "--secret-stdin", stdin="test-secret\n",
        )  # fmt: skip
        assert result.code == 0, result
    return endpoint


# -- get -------------------------------------------------------------------------------------


def test_get_with_a_profile_answers_username_password_and_expiry(logged_in) -> None:
    code, out, err = ask("get", HTTPS + b"\n", profile="default")
    assert (code, err) == (0, "")
    assert out == answer(cached())
    assert logged_in.token_requests == 1  # the login's token, from the cache


def test_the_margin_is_capped_at_half_a_short_lifetime(run_cli, endpoint, memory_keyring) -> None:
    endpoint.expires_in = 120  # a margin of 300 s would make it stale at once
    result = run_cli("login", "--client-id", "test-client", "--base-url", endpoint.base_url,
                     "--secret-stdin", stdin="test-secret\n")  # fmt: skip
    assert result.code == 0, result
    _, out, _ = ask("get", HTTPS, profile="default")
    token = cached()
    assert token.expires_at - token.issued_at == 120
    assert out == answer(token, margin=60)


def test_authtype_is_answered_only_to_a_caller_that_declared_it(logged_in) -> None:
    token = cached().access_token
    code, out, _ = ask("get", AUTHTYPE + BEARER_OFFERED + HTTPS, profile="default")
    assert code == 0
    assert out == b"capability[]=authtype\n" + answer(cached()) + (
        f"authtype=Bearer\ncredential={token}\nephemeral=1\n".encode()
    )


@pytest.mark.parametrize(
    "capabilities",
    [b"", b"capability[]=state\n", AUTHTYPE + b"capability[]=\n", b"capability[]=authtype2\n"],
    ids=["none", "another", "declared-then-reset", "lookalike"],
)
def test_without_the_authtype_capability_only_username_and_password(
    logged_in, capabilities: bytes
) -> None:
    _, out, _ = ask("get", capabilities + HTTPS, profile="default")
    assert out == answer(cached())


def test_the_profile_username_replaces_the_client_id(run_cli, logged_in) -> None:
    result = run_cli("login", "--username", "bob", "--base-url", logged_in.base_url,
                     "--secret-stdin", stdin="test-secret\n")  # fmt: skip
    assert result.code == 0, result
    _, out, _ = ask("get", HTTPS, profile="default")
    assert out.startswith(b"username=bob\npassword=")


def test_without_a_profile_the_host_chooses_it(hosts) -> None:
    def username(host: str) -> bytes:
        _, out, err = ask("get", b"protocol=https\nhost=%s\n" % host.encode())
        assert err == ""
        return out.split(b"\n")[0]

    assert username("git.example.com") == b"username=exact-user"  # exact beats wildcard
    assert username("GIT.Example.COM") == b"username=exact-user"  # host names ignore case
    assert username("docs.example.com") == b"username=wild-user"
    assert username("127.0.0.1:8080") == b"username=exact-user"  # both list it: first by name
    for other in ("a.b.example.com", "example.com", "git.example.com:8443", "example.org"):
        assert username(other) == b""  # not ours: nothing, so git asks its next helper


def test_without_a_profile_and_no_host_list_nothing_is_answered(logged_in) -> None:
    assert ask("get", HTTPS) == (0, b"", "")


@pytest.mark.parametrize(
    "request_",
    [
        b"protocol=http\nhost=git.example.com\n",  # a token never travels in clear text
        b"protocol=cert\npath=/home/me/cert.p12\n",  # git asks for a certificate's passphrase
        b"host=git.example.com\n",
        b"protocol=https\nhost=\n",
        b"protocol=HTTPS\nhost=git.example.com\n",
        b"",
    ],
)
def test_only_https_requests_get_a_token(logged_in, request_: bytes) -> None:
    assert ask("get", request_, profile="default") == (0, b"", "")


def test_plain_http_to_this_machine_gets_a_token(logged_in) -> None:
    for host in (b"127.0.0.1:8080", b"localhost", b"[::1]:9000"):
        _, out, _ = ask("get", b"protocol=http\nhost=%s\n" % host, profile="default")
        assert out == answer(cached())


# -- reading git's request -----------------------------------------------------------------


def test_lines_end_with_lf_and_one_cr_is_stripped(logged_in) -> None:
    _, out, _ = ask("get", b"protocol=https\r\nhost=git.example.com\r\n\r\n", profile="default")
    assert out == answer(cached())


def test_a_lone_cr_is_not_a_line_break() -> None:
    request = read_request(io.BytesIO(b"protocol=http\rprotocol=https\nhost=h\rx\n"))
    assert (request.protocol, request.host) == ("http\rprotocol=https", "h\rx")


def test_the_request_ends_at_a_blank_line() -> None:
    stream = io.BytesIO(b"protocol=https\nhost=a\n\nhost=b\n")
    assert read_request(stream).host == "a"
    assert stream.read() == b"host=b\n"  # left unread: a caller may keep stdin open


def test_the_last_of_a_repeated_key_wins_and_odd_lines_are_skipped() -> None:
    request = read_request(io.BytesIO(b"host=a\nnonsense\n=x\nurl=https://b\nhost=c=d\n"))
    assert request.host == "c=d" and request.protocol is None


def test_a_line_of_the_maximum_length_is_read() -> None:
    line = b"host=" + b"h" * (MAX_LINE - 5)
    assert len(read_request(io.BytesIO(line + b"\n")).host) == MAX_LINE - 5


def test_a_longer_line_is_refused(logged_in) -> None:
    line = b"host=" + b"h" * (MAX_LINE - 4)
    code, out, err = ask("get", b"protocol=https\n" + line + b"\n", profile="default")
    assert (code, out) == (1, b"")
    assert (
        err
        == f"git-credential-amplify: error: a line of git's request is longer than {MAX_LINE} bytes\n"
    )


# -- erase and store -------------------------------------------------------------------------


def test_erase_with_the_cached_token_makes_the_next_get_mint(logged_in) -> None:
    token = cached().access_token
    assert ask("erase", HTTPS + b"username=test-client\npassword=%s\n" % token.encode(),
               profile="default") == (0, b"", "")  # fmt: skip
    _, out, _ = ask("get", HTTPS, profile="default")
    assert logged_in.token_requests == 2
    assert b"password=%s\n" % logged_in.issued[1].encode() in out


def test_erase_matches_the_bearer_credential_too(logged_in) -> None:
    token = cached().access_token
    ask("erase", AUTHTYPE + HTTPS + b"authtype=Bearer\ncredential=%s\n" % token.encode(),
        profile="default")  # fmt: skip
    ask("get", HTTPS, profile="default")
    assert logged_in.token_requests == 2


@pytest.mark.parametrize(
    ("request_", "profile"),
    [
        (HTTPS + b"password=some-other-token\n", "default"),  # a stale refusal
        (HTTPS, "default"),
        (HTTPS + b"password=\n", "default"),
        (b"protocol=https\nhost=example.org\npassword=%s\n", None),  # a host no profile lists
    ],
)
def test_erase_keeps_the_token_unless_it_is_the_one_given(
    logged_in, request_: bytes, profile: str | None
) -> None:
    token = cached().access_token
    request_ = request_.replace(b"%s", token.encode())
    assert ask("erase", request_, profile=profile) == (0, b"", "")
    assert cached().access_token == token and logged_in.token_requests == 1


def test_store_and_unknown_operations_do_nothing(logged_in) -> None:
    token = cached().access_token
    for action in ("store", "capability", "frobnicate", ""):
        request_ = HTTPS + b"username=x\npassword=%s\n" % token.encode()
        assert ask(action, request_, profile="default") == (0, b"", "")
    assert cached().access_token == token and logged_in.token_requests == 1


# -- failures --------------------------------------------------------------------------------


def test_an_unknown_profile_fails_with_one_line(logged_in) -> None:
    code, out, err = ask("get", HTTPS, profile="nope")
    assert (code, out) == (1, b"")
    assert err == (
        "git-credential-amplify: error: no profile 'nope': run `amplify-credhelper login "
        "--profile nope --client-id ID` first (or set AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET)\n"
    )


def test_a_locked_keyring_fails_with_its_exit_code(logged_in) -> None:
    ask("erase", HTTPS + b"password=%s\n" % cached().access_token.encode(), profile="default")
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        code, out, err = ask("get", HTTPS, profile="default")
    finally:
        keyring.set_keyring(previous)
    assert (code, out) == (4, b"")
    assert err.startswith("git-credential-amplify: error: ") and err.count("\n") == 1


def test_a_failing_login_service_fails_with_its_exit_code(logged_in) -> None:
    ask("erase", HTTPS + b"password=%s\n" % cached().access_token.encode(), profile="default")
    logged_in.faults.append(Fault(status=200, body=b"<html>maintenance</html>"))
    code, out, err = ask("get", HTTPS, profile="default")
    assert (code, out) == (3, b"")
    assert err.startswith("git-credential-amplify: error: ") and err.count("\n") == 1


def test_a_username_git_cannot_carry_is_refused(logged_in) -> None:
    path = config.path()
    with open(path) as handle_:
        stored = json.load(handle_)
    stored["profiles"]["default"]["settings"] = {"git": {"username": "bob\nurl=https://evil.example"}}
    with open(path, "w") as handle_:
        json.dump(stored, handle_)
    code, out, err = ask("get", HTTPS, profile="default")
    assert (code, out) == (1, b"")
    assert err == (
        f"git-credential-amplify: error: profile 'default' in {path}: bad setting git.username "
        "'bob\\nurl=https://evil.example': expected one line of text (at most 4096 characters): "
        "fix or remove it\n"
    )


def test_a_token_git_cannot_carry_is_never_printed(monkeypatch) -> None:
    # The core never hands out such a token; this guards the adapter should that ever change.
    bad = Token(access_token="abc\rdef", expires_at=2e9, issued_at=2e9 - 1800)
    monkeypatch.setattr(git_credential_amplify, "get_token", lambda profile: bad)
    monkeypatch.setattr("git_credential_amplify.hosts.load_profile",
                        lambda name: make_profile(name=name, client_id="c"))  # fmt: skip
    code, out, err = ask("get", HTTPS, profile="default")
    assert (code, out) == (3, b"")
    assert (
        err
        == "git-credential-amplify: error: the token holds a line break or NUL: not passing it to git\n"
    )


def test_a_cache_warning_is_one_line_and_the_answer_still_comes(logged_in, monkeypatch) -> None:
    token = cached()

    def warn_then_answer(profile: object) -> Token:
        warnings.warn("cannot cache the token (Read-only file system)", CacheWarning, stacklevel=2)
        return token

    monkeypatch.setattr(git_credential_amplify, "get_token", warn_then_answer)
    code, out, err = ask("get", HTTPS, profile="default")
    assert (code, out) == (0, answer(token))
    assert (
        err == "git-credential-amplify: warning: cannot cache the token (Read-only file system)\n"
    )


# -- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["--profile", "default", "get"], ["--profile=default", "get"], ["-p", "default", "get"]],
)
def test_the_command_line_names_the_profile(logged_in, argv: list[str]) -> None:
    out, err = io.BytesIO(), io.StringIO()
    assert run(argv, io.BytesIO(HTTPS), out, err) == 0
    assert out.getvalue() == answer(cached())


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        ([], "expected one operation"),
        (["get", "store"], "expected one operation"),
        (["--profile"], "--profile needs a profile name"),
        (["--profile=", "get"], "--profile needs a profile name"),
        (["--verbos", "get"], "unknown option '--verbos'"),
    ],
)
def test_a_bad_command_line_says_how_to_use_it(argv: list[str], problem: str) -> None:
    out, err = io.BytesIO(), io.StringIO()
    assert run(argv, io.BytesIO(HTTPS), out, err) == 1
    assert out.getvalue() == b""
    assert err.getvalue() == (
        f"git-credential-amplify: error: {problem}; "
        "usage: git-credential-amplify [--profile P] [--verbose] get|store|erase\n"
    )


def test_help_prints_the_usage() -> None:
    out = io.BytesIO()
    assert run(["--help"], io.BytesIO(), out, io.StringIO()) == 0
    assert out.getvalue() == b"usage: git-credential-amplify [--profile P] [--verbose] get|store|erase\n"


# -- host patterns and the answer format -----------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("git.example.com", "git.example.com", True),
        ("git.example.com", "GIT.EXAMPLE.COM", True),
        ("GIT.example.com", "git.example.com", True),
        ("git.example.com", "git.example.com:443", False),  # git's URL matching: a port is exact
        ("git.example.com:8443", "git.example.com:8443", True),
        ("*.example.com", "git.example.com", True),
        ("*.example.com", "a.b.example.com", False),  # one label, as in git's URL matching
        ("*.example.com", "example.com", False),
        ("*.example.com", "git.example.com.evil.org", False),
        ("git-*.example.com", "git-eu.example.com", True),
        ("127.0.0.1:*", "127.0.0.1:8080", True),
        ("127.0.0.1:*", "127.0.0.1", False),
        ("git.example.com", "gitxexample.com", False),  # a dot is a dot
        ("[::1]:8080", "[::1]:8080", True),
    ],
)
def test_host_patterns(pattern: str, host: str, matches: bool) -> None:
    assert host_matches(pattern, host) is matches


@pytest.mark.parametrize(
    "pair",
    [("url", "https://evil.example"), ("password", "a\nb"), ("password", "a\rb"),
     ("password", "a\0b"), ("user\nname", "x"), ("user=name", "x")],
)  # fmt: skip
def test_the_answer_refuses_what_git_would_misread(pair: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match="refusing to send git the attribute"):
        format_answer([pair])


# -- properties ------------------------------------------------------------------------------

keys = st.sampled_from(
    ["protocol", "host", "path", "username", "password", "credential", "capability[]", "url",
     "authtype", "wwwauth[]", "quit", "=", ""]
)  # fmt: skip
values = (
    st.sampled_from(["https", "http", "git.example.com", "127.0.0.1:1", "authtype", ""]) | st.text()
)
line_ends = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\0"])
heads = st.sampled_from([b"", HTTPS, AUTHTYPE + HTTPS, b"protocol=http\nhost=127.0.0.1:1\n"])
structured = st.tuples(heads, st.lists(st.tuples(keys, values, line_ends), max_size=8)).map(
    lambda parts: (
        parts[0]
        + "".join(f"{k}={v}{end}" for k, v, end in parts[1]).encode("utf-8", "surrogatepass")
    )
)
ANSWER_KEYS = {b"username", b"password", b"password_expiry_utc", b"capability[]", b"authtype",
               b"credential", b"ephemeral"}  # fmt: skip


@given(
    action=st.sampled_from(["get", "erase", "store", "get"]) | st.text(max_size=8),
    request_=st.binary(max_size=300) | structured,
    profile=st.sampled_from([None, "default", "nope", "wild"]),
)
def test_any_request_gets_a_clean_answer_or_one_error_line(
    hosts, logged_in, action: str, request_: bytes, profile: str | None
) -> None:
    out, err = io.BytesIO(), io.StringIO()
    code = handle(action, io.BytesIO(request_), out, err, profile=profile)  # never raises
    answer_ = out.getvalue()
    assert b"\r" not in answer_ and b"\0" not in answer_
    assert answer_ == b"" or answer_.endswith(b"\n")
    for line in answer_.splitlines():
        key, sep, value = line.partition(b"=")
        assert sep and key in ANSWER_KEYS and b"\n" not in value
    if code != 0:
        assert answer_ == b"" and err.getvalue().count("\n") == 1
    if b"capability[]=authtype" not in request_:
        assert not any(line.split(b"=")[0] in (b"authtype", b"credential", b"capability[]",
                                               b"ephemeral") for line in answer_.splitlines())  # fmt: skip


@given(pattern=st.text(max_size=20), host=st.text(max_size=20))
def test_host_patterns_never_fail_and_a_plain_name_is_an_exact_match(
    pattern: str, host: str
) -> None:
    matches = host_matches(pattern, host)
    if "*" not in pattern:
        assert matches is (pattern.lower() == host.lower())


# -- the cache-hit path stays light ----------------------------------------------------------


def test_a_cache_hit_imports_neither_keyring_nor_httpx(logged_in) -> None:
    probe = (
        "import io, sys\n"
        "import git_credential_amplify as g\n"
        "out = io.BytesIO()\n"
        "code = g.handle('get', io.BytesIO(b'protocol=https\\nhost=h\\n'), out, sys.stderr,"
        " profile='default')\n"
        "assert code == 0 and out.getvalue().startswith(b'username='), out.getvalue()\n"
        "print(sorted(m for m in ('keyring', 'httpx', 'filelock', 'platformdirs', 'argparse',"
        " 'urllib.parse') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ), check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_ci_credentials_serve_the_hosts_they_list(endpoint, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("AMPLIFY_BASE_URL", endpoint.base_url)
    monkeypatch.setenv("AMPLIFY_GIT_HOSTS", "git.example.com")
    code, out, _ = ask("get", b"protocol=https\nhost=git.example.com\n\n")
    assert code == 0 and out.startswith(b"username=test-client\npassword=" + endpoint.issued[0].encode())
    assert ask("get", b"protocol=https\nhost=other.example.com\n\n")[:2] == (0, b"")


def test_a_profile_with_bad_git_hosts_is_skipped_with_a_warning(hosts) -> None:
    path = config.path()
    with open(path) as handle_:
        stored = json.load(handle_)
    stored["profiles"]["exact"]["settings"]["git"]["hosts"] = "git.example.com"  # not a list
    with open(path, "w") as handle_:
        json.dump(stored, handle_)
    code, out, err = ask("get", HTTPS)
    assert (code, out.split(b"\n")[0]) == (0, b"username=wild-user")  # the other one serves
    assert err == (
        "git-credential-amplify: warning: profile 'exact': bad git hosts 'git.example.com': "
        "expected host names: skipped\n"
    )


def test_an_unexpected_failure_is_one_line_and_verbose_shows_why(logged_in, monkeypatch) -> None:
    monkeypatch.setattr(git_credential_amplify, "get_token", lambda profile: 1 / 0)
    code, out, err = ask("get", HTTPS, profile="default")
    assert (code, out) == (1, b"")
    assert err == (
        "git-credential-amplify: internal error: ZeroDivisionError "
        "(set AMPLIFY_VERBOSE=1 for details)\n"
    )
    monkeypatch.setenv("AMPLIFY_VERBOSE", "1")
    assert "Traceback" in ask("get", HTTPS, profile="default")[2]


def test_a_git_username_that_is_not_text_is_refused(logged_in) -> None:
    from credhelper import update_settings

    update_settings("default", "git", {"username": 5})
    code, out, err = ask("get", HTTPS, profile="default")
    assert (code, out) == (1, b"")
    assert err == "git-credential-amplify: error: profile 'default': bad git username 5: expected text\n"
