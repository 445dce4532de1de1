"""Enterprise networks: proxies and private certificate authorities."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.proxy import RecordingProxy
from support.tls import make_private_ca

from credhelper import ConfigError, LoginServiceError
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _core, _http


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_loopback_token_url_never_goes_through_a_proxy(
    endpoint, monkeypatch, variable: str, host: str
) -> None:
    # Plain http is allowed to this machine alone: a proxy would carry the Basic header (the
    # secret) in clear text to another one.
    with RecordingProxy() as proxy:
        monkeypatch.setenv(variable, proxy.url)
        monkeypatch.setenv("NO_PROXY", "")
        base_url = endpoint.base_url.replace("127.0.0.1", host)
        profile = make_profile(name="a", client_id="test-client", base_url=base_url)
        assert _core.mint(profile, "test-secret").org_id == "652605300303530"
    assert proxy.seen == [] and proxy.headers == []
    assert endpoint.token_requests == 1


def test_a_proxy_is_used_for_a_login_service_elsewhere(monkeypatch, clock) -> None:
    # The proxy only sees the tunnel's target (CONNECT host:port): the secret would travel
    # inside TLS. This one refuses the tunnel, so no request leaves this machine.
    with RecordingProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "")
        profile = make_profile(name="a", client_id="test-client",
                               base_url="https://login.example.test")  # fmt: skip
        with pytest.raises(LoginServiceError, match="after 3 attempt"):
            _core.mint(profile, "test-secret")
    assert proxy.seen == ["CONNECT login.example.test:443"] * 3
    assert not proxy.received("test-secret") and not proxy.received("dGVzdC1jbGllbnQ6")


def test_an_unknown_certificate_authority_is_refused(tls_endpoint) -> None:
    _, url, _ = tls_endpoint
    profile = make_profile(name="a", client_id="test-client", base_url=url)
    with pytest.raises(LoginServiceError, match="CERTIFICATE_VERIFY_FAILED"):
        _core.mint(profile, "test-secret")


def test_a_profile_ca_file_is_trusted(tls_endpoint) -> None:
    _, url, ca_file = tls_endpoint
    profile = make_profile(name="a", client_id="test-client", base_url=url, ca_file=str(ca_file))
    assert _core.mint(profile, "test-secret").org_id == "652605300303530"


def test_ssl_cert_file_is_trusted(tls_endpoint, monkeypatch) -> None:
    _, url, ca_file = tls_endpoint
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    profile = make_profile(name="a", client_id="test-client", base_url=url)
    assert _core.mint(profile, "test-secret").org_id == "652605300303530"


def test_tls_checks_the_name_asked_for_not_the_address_connected_to(tls_endpoint) -> None:
    # The certificate is for 127.0.0.1 alone; 'localhost' is looked up (bounded, by _http) and
    # connected to at 127.0.0.1, yet TLS must still check the name the URL gave.
    _, url, ca_file = tls_endpoint
    url = url.replace("127.0.0.1", "localhost")
    profile = make_profile(name="a", client_id="test-client", base_url=url, ca_file=str(ca_file))
    with pytest.raises(LoginServiceError, match="Hostname mismatch.*'localhost'"):
        _core.mint(profile, "test-secret")


# -- one TLS context for each version of a CA file, however many tokens a process mints --------


def test_a_ca_file_is_parsed_once_per_version(tmp_path, monkeypatch) -> None:
    ca_file, _ = make_private_ca(tmp_path)
    first = _http.tls_context(str(ca_file))
    assert _http.tls_context(str(ca_file)) is first
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    assert _http.tls_context(None) is first  # the same file, named another way
    ca_file.write_bytes(ca_file.read_bytes() + b"\n")  # edited in place: size and mtime
    assert _http.tls_context(str(ca_file)) is not first


def test_httpx_default_is_built_once_and_follows_ssl_cert_dir(tmp_path, monkeypatch) -> None:
    default = _http.tls_context(None)
    assert _http.tls_context(None) is default
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    assert _http.tls_context(None) is not default


def test_a_ca_file_replaced_is_trusted_at_the_next_mint(tls_endpoint, tmp_path) -> None:
    _, url, right_ca = tls_endpoint
    (tmp_path / "other").mkdir()
    wrong_ca, _ = make_private_ca(tmp_path / "other")
    trusted = tmp_path / "trusted.pem"
    trusted.write_bytes(wrong_ca.read_bytes())
    profile = make_profile(name="a", client_id="test-client", base_url=url, ca_file=str(trusted))
    with pytest.raises(LoginServiceError, match="CERTIFICATE_VERIFY_FAILED"):
        _core.mint(profile, "test-secret")
    _rename_into_place(right_ca, trusted)  # as an administrator's atomic update does
    assert _core.mint(profile, "test-secret").org_id == "652605300303530"


def test_a_ca_file_that_failed_is_read_again_once_fixed(tls_endpoint, tmp_path) -> None:
    _, url, right_ca = tls_endpoint
    trusted = tmp_path / "trusted.pem"
    trusted.write_text("not a certificate\n")
    profile = make_profile(name="a", client_id="test-client", base_url=url, ca_file=str(trusted))
    with pytest.raises(ConfigError, match="no PEM certificate in it"):
        _core.mint(profile, "test-secret")
    _rename_into_place(right_ca, trusted)
    assert _core.mint(profile, "test-secret").org_id == "652605300303530"


def _rename_into_place(source: Path, target: Path) -> None:
    copy = target.with_name("new.pem")
    copy.write_bytes(source.read_bytes())
    os.replace(copy, target)
