"""Hostile or broken input from the user's side: numbers in cache files, URLs, options, CA
files and proxy variables. Each either works or gives one line with its documented exit
code; none reaches `internal error`, blocks, or sends anything."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import login_argv
from hypothesis import given
from hypothesis import strategies as st
from support.token_endpoint import make_jwt

from credhelper import ConfigError
from credhelper.cli._output import official_shape, status_line, status_of
from credhelper.profiles import config
from credhelper.profiles._urls import check_url
from credhelper.profiles._validate import make_profile
from credhelper.tokens import cache
from credhelper.tokens.oauth import parse_token_response
from credhelper.tokens.token import org_id_from_jwt

PROFILE = make_profile(name="ci", client_id="C", base_url="https://login.example.com")


def _ends(call, within: float = 10.0):
    found: list[object] = []
    worker = threading.Thread(target=lambda: found.append(call()), daemon=True)
    worker.start()
    worker.join(within)
    assert not worker.is_alive(), f"still running after {within} s"
    return found[0]


# -- numbers in the token cache --------------------------------------------------------------


def _plant(**fields: object) -> None:
    """A cache entry for PROFILE as a corrupt disk or a hand edit could leave it."""
    now = time.time()
    entry = {"format": 1, "client_id": "C", "token_url": PROFILE.token_endpoint,
             "access_token": "tok.en", "issued_at": now - 10, "expires_at": now + 1790,
             "org_id": "42", **fields}  # fmt: skip
    path = cache._path(PROFILE)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    Path(path).write_text(json.dumps(entry) if "raw" not in fields else str(fields["raw"]))
    os.chmod(path, 0o600)


def test_a_sane_entry_is_served() -> None:
    _plant()
    assert cache.read(PROFILE) is not None


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_at": float("inf")},  # served forever before
        {"expires_at": float("nan")},  # status and token --json crashed on int(nan)
        {"issued_at": float("-inf")},
        {"expires_at": 10**400},  # float() raised OverflowError
        {"expires_at": True},
        {"expires_at": "1e12"},
        {"issued_at": time.time() + 3600, "expires_at": time.time() + 5400},  # the clock went back
        {"issued_at": time.time(), "expires_at": time.time() - 1},  # expires before it is issued
        {"issued_at": 0.0, "expires_at": 400 * 86400.0},  # a lifetime no service gives
        {"org_id": "1; rm -rf ~"},  # printed unquoted by `env`, eval'd by the shell
        {"org_id": "\u00b2"},  # a digit to str.isdigit, not to int()
        {"org_id": 42},
        {"raw": "[" * 100_000},  # RecursionError before
    ],
)
def test_an_entry_with_unusable_numbers_is_a_miss(fields: dict) -> None:
    _plant(**fields)
    assert cache.read(PROFILE) is None


def test_an_infinite_expiry_no_longer_serves_a_token_forever(run_cli, logged_in) -> None:
    path = cache._path(config.load_all()["default"])
    entry = json.loads(Path(path).read_text())
    Path(path).write_text(json.dumps({**entry, "issued_at": 0, "expires_at": float("inf")}))
    result = run_cli("token")
    assert result.code == 0 and result.out == logged_in.issued[1] + "\n"  # a new one


def test_a_cache_file_replaced_by_a_fifo_does_not_block() -> None:
    path = cache._path(PROFILE)
    os.makedirs(os.path.dirname(path), mode=0o700)
    os.mkfifo(path, 0o600)
    assert _ends(lambda: cache.read(PROFILE)) is None


finite_or_not = (
    st.floats() | st.integers(min_value=-(10**400), max_value=10**400) | st.booleans()
    | st.text(max_size=8) | st.none()
)  # fmt: skip


@given(issued=finite_or_not, expires=finite_or_not, org=st.text(max_size=40) | st.integers())
def test_whatever_the_numbers_a_served_entry_can_be_shown(issued, expires, org) -> None:
    _plant(issued_at=issued, expires_at=expires, org_id=org)
    token = cache.read(PROFILE)
    if token is None:
        return
    assert token.issued_at <= time.time() + 60 < token.expires_at + 60 + 366 * 86400
    status_line(status_of(PROFILE))  # neither may raise
    official_shape(PROFILE, token)


# -- what a token's payload may hide --------------------------------------------------------


@pytest.mark.parametrize("org", ["\u00b2", "\u0663", "1 2", "", "9" * 33, [1]])
def test_an_org_id_that_is_not_plain_digits_is_unknown(org: object) -> None:
    assert org_id_from_jwt(make_jwt({"orgId": org})) is None


def test_a_payload_nested_too_deep_is_opaque() -> None:
    deep = make_jwt({}).split(".")
    import base64

    deep[1] = base64.urlsafe_b64encode(b"[" * 30_000).decode().rstrip("=")
    token = ".".join(deep)
    assert org_id_from_jwt(token) is None
    answer = json.dumps({"access_token": token, "expires_in": 60}).encode()
    assert parse_token_response(200, answer).org_id is None


# -- URLs a user gives ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://login.example.com:99999/", "expected an https:// URL (a port from 1 to 65535"),
        ("https://login.example.com:0/", "expected an https:// URL (a port from 1 to 65535"),
        ("https://login.example.com:x/", "expected an https:// URL (a port from 1 to 65535"),
        ("https://:@login.example.com/", "no user, password or #fragment allowed"),
        ("https://login.example.com@evil.example/", "no user, password or #fragment allowed"),
        ("https://login.example.com/#", "no user, password or #fragment allowed"),
        ("https://login.example.com/?", "no ?query allowed (paths are added to it)"),
        ("https://login.example.com/?a=b", "no ?query allowed (paths are added to it)"),
        (" https://login.example.com", "no spaces, backslashes or control characters"),
        ("https://log in.example.com", "no spaces, backslashes or control characters"),
        ("https://login.example.com\\.evil.example/", "no spaces, backslashes or control"),
        ("https://login.exa\tmple.com/", "no spaces, backslashes or control characters"),
        ("https://login\u3000.example.com/", "no spaces, backslashes or control characters"),
        ("https://a..example.com/", "'a..example.com' is not a host name"),
        ("https://-a.example.com/", "'-a.example.com' is not a host name"),
        ("https://%6cogin.example.com/", "'%6cogin.example.com' is not a host name"),
        ("https://xn--a.example.com/", "'xn--a.example.com' is not a host name"),
        ("https://l\u043egin.axway.com/", "give an international host name in its xn-- form"),
        ("https://b\u00fccher.example/", "give an international host name in its xn-- form"),
        ("https://" + "a" * 64 + ".example.com/", "is not a host name"),
        ("http://localhost.evil.example/", "secrets only travel over https"),
        ("http://127.0.0.1.nip.io/", "secrets only travel over https"),
    ],
)
def test_a_url_hiding_something_is_refused(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_url(url, "base url")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["https://login.example.com/prefix", "https://login.example.com:8443/", "http://[::1]:8080",
     "https://xn--bcher-kva.example/", "https://login.example.com.", "https://a_b.example"],
)  # fmt: skip
def test_a_plain_url_is_accepted(url: str) -> None:
    assert check_url(url, "base url") == url


def test_a_token_url_may_have_a_query_rfc_6749_3_2() -> None:
    url = "https://login.example.com/token?tenant=x"
    assert make_profile(name="a", client_id="c", token_url=url).token_endpoint == url


@given(st.text(max_size=40).map(lambda tail: "https://" + tail) | st.text(max_size=40))
def test_an_accepted_url_is_one_httpx_reads_as_we_do(url: str) -> None:
    try:
        check_url(url, "base url")
    except ConfigError as exc:
        assert "\n" not in str(exc)
        return
    try:
        parsed = httpx.URL(url)
        parsed.host  # noqa: B018  (an 'xn--' label IDNA 2008 refuses fails here)
    except (httpx.InvalidURL, UnicodeError):
        return  # what _http turns into a ConfigError: refused, never read otherwise
    # The host we checked is the host httpx connects to: no parser differential.
    assert parsed.raw_host.decode("ascii") == urlsplit(url).hostname
    assert not parsed.userinfo and not parsed.query and not parsed.fragment
    if parsed.scheme == "http":
        assert parsed.host in ("127.0.0.1", "::1", "localhost")


@pytest.mark.parametrize("realm", ["a/b", "Broker?x=1", "Broker#x", "%2e%2e", "a\\b", ""])
def test_a_realm_that_would_change_the_token_url_is_refused(realm: str) -> None:
    with pytest.raises(ConfigError, match="a realm name has no '/', '\\?', '#', '%' or"):
        make_profile(name="a", client_id="c", realm=realm)


def test_a_bad_url_at_login_is_exit_1_and_no_request(run_cli, endpoint, memory_keyring) -> None:
    result = run_cli(
        "login", "--client-id", "c", "--base-url", endpoint.base_url + ":99999", "--secret-stdin",
        stdin="s",
    )  # fmt: skip
    assert result.code == 1 and result.err.count("\n") == 1
    assert endpoint.token_requests == 0 and memory_keyring.entries == {}


# -- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--timeout", "nan", "bad timeout nan: seconds, more than 0 and at most 300"),
        ("--timeout", "inf", "bad timeout inf: seconds, more than 0 and at most 300"),
        ("--timeout", "1e400", "bad timeout inf: seconds, more than 0 and at most 300"),
        ("--timeout", "-1", "bad timeout -1.0: seconds, more than 0 and at most 300"),
        ("--timeout", "ten", "argument --timeout: invalid float value: 'ten'"),
        ("--refresh-margin", "9" * 30, f"bad refresh margin {'9' * 30}: seconds from 0 to"),
        ("--refresh-margin", "-1", "bad refresh margin -1: seconds from 0 to 86400"),
        ("--refresh-margin", "1e3", "argument --refresh-margin: invalid int value: '1e3'"),
        ("--realm", "../admin", "bad realm '../admin': a realm name has no"),
        ("--token-url", "https://t.example/#x", "no user, password or #fragment allowed"),
        ("--platform-url", "https://p.example/?x", "no ?query allowed"),
    ],
)
def test_a_bad_login_option_is_exit_1_before_any_request(
    run_cli, endpoint, memory_keyring, option: str, value: str, message: str
) -> None:
    result = run_cli(*login_argv(endpoint, option, value), stdin="test-secret")
    assert result.code == 1 and result.err.startswith("amplify-credhelper: error: ")
    assert message in result.err and result.err.count("\n") == 1
    assert endpoint.token_requests == 0 and memory_keyring.entries == {}


@given(option=st.sampled_from(["--timeout", "--refresh-margin"]), value=st.text(max_size=12))
def test_any_number_option_logs_in_or_is_exit_1(run_cli, endpoint, memory_keyring, option, value):
    if value.startswith("-"):
        value = " " + value  # a leading '-' would read as an option: argparse's own rule
    result = run_cli(*login_argv(endpoint, f"{option}={value}"), stdin="test-secret")
    assert result.code in (0, 1, 3), result  # 3: a timeout too short for even loopback
    assert result.code != 3 or "timed out" in result.err
    assert "internal error" not in result.err and result.err.count("\n") <= 1


# -- certificate authorities and proxies ---------------------------------------------------------


def _fifo(tmp_path: Path) -> str:
    os.mkfifo(tmp_path / "fifo.pem", 0o600)
    return str(tmp_path / "fifo.pem")


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda tmp: str(tmp / "missing.pem"), "No such file or directory"),
        (lambda tmp: (tmp / "notes.txt").write_text("not a certificate") and str(tmp / "notes.txt"),
         "no PEM certificate in it"),  # fmt: skip
        (lambda tmp: str(tmp), "not a regular file"),
        (_fifo, "not a regular file"),  # the certificate loader would block on it forever
    ],
)
def test_an_unusable_ca_file_at_login_is_exit_1_before_any_request(
    run_cli, tls_endpoint, memory_keyring, tmp_path, make, why
) -> None:
    server, url, _ = tls_endpoint
    path = make(tmp_path)
    argv = ["login", "--client-id", "test-client", "--base-url", url, "--secret-stdin",
            "--ca-file", path]  # fmt: skip
    result = _ends(lambda: run_cli(*argv, stdin="test-secret"))
    assert (result.code, result.err) == (
        1,
        f"amplify-credhelper: error: cannot use the CA file {path} ({why}): give a readable "
        "file of PEM certificates with `amplify-credhelper login --ca-file`\n",
    )
    assert server.token_requests == 0 and memory_keyring.entries == {}


def test_a_ca_file_gone_after_login_is_one_clear_line(run_cli, tls_endpoint, memory_keyring):
    server, url, ca_file = tls_endpoint
    argv = ["login", "--client-id", "test-client", "--base-url", url, "--secret-stdin",
            "--ca-file", str(ca_file)]  # fmt: skip
    assert run_cli(*argv, stdin="test-secret").code == 0
    ca_file.unlink()
    result = run_cli("token", "--refresh")
    assert (result.code, result.err) == (
        1,
        f"amplify-credhelper: error: cannot use the CA file {ca_file} (No such file or "
        "directory): give a readable file of PEM certificates with `amplify-credhelper login "
        "--ca-file`\n",
    )


def test_an_unusable_ssl_cert_file_is_one_clear_line(run_cli, logged_in, monkeypatch, tmp_path):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "gone.pem"))
    result = run_cli("token", "--refresh")
    assert (result.code, result.err) == (
        1,
        f"amplify-credhelper: error: cannot use SSL_CERT_FILE={tmp_path / 'gone.pem'} (No such "
        "file or directory): point it at a readable file of PEM certificates, or unset it\n",
    )


@pytest.mark.parametrize(
    ("variables", "why"),
    [
        ({"HTTPS_PROXY": "socks5://user:pw@127.0.0.1:1"}, "a SOCKS proxy needs `pip install"),
        ({"HTTP_PROXY": "http://user:pw@[::1"}, "a proxy that is no http://, https:// or"),
        ({"ALL_PROXY": "ftp://user:pw@proxy.example"}, "a proxy that is no http://, https://"),
        ({"HTTPS_PROXY": "http://user:pw@127.0.0.1:1", "NO_PROXY": "[::1"}, "or a NO_PROXY entry"),
    ],
)
def test_unusable_proxy_settings_are_exit_1_without_the_password(
    run_cli, logged_in, monkeypatch, variables: dict[str, str], why: str
) -> None:
    from credhelper.tokens import _http

    for name in _http._PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    result = run_cli("token", "--refresh")
    assert result.code == 1
    named = ", ".join(variables)
    assert result.err.startswith(f"amplify-credhelper: error: cannot use the proxy settings {named} (")
    assert why in result.err and "pw" not in result.err and result.err.count("\n") == 1
