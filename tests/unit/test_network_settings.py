"""Enterprise networks: proxies and private certificate authorities."""

from __future__ import annotations

import pytest
from support.proxy import RecordingProxy

from credhelper import LoginServiceError, _core
from credhelper._validate import make_profile


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
