"""Enterprise networks: proxies and private certificate authorities."""

from __future__ import annotations

import pytest
from support.proxy import RecordingProxy

from credhelper import LoginServiceError, _core
from credhelper._validate import make_profile


def test_https_proxy_variables_are_honoured(endpoint, monkeypatch) -> None:
    with RecordingProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "")
        profile = make_profile(name="a", client_id="test-client", base_url=endpoint.base_url)
        assert _core.mint(profile, "test-secret").org_id == "652605300303530"
    assert proxy.seen == [f"POST {endpoint.token_url}"]


def test_no_proxy_bypasses_the_proxy(endpoint, monkeypatch) -> None:
    with RecordingProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        profile = make_profile(name="a", client_id="test-client", base_url=endpoint.base_url)
        _core.mint(profile, "test-secret")
    assert proxy.seen == []


def test_an_unknown_certificate_authority_is_refused(tls_endpoint, monkeypatch) -> None:
    _, url, _ = tls_endpoint
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
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
