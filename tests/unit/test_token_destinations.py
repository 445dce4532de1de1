"""Where the in-process auths send the token, the tenant header and a body: the same cases for
httpx (sync and async) and requests, against loopback API servers that log what each receives.

``api`` is the origin a request is sent to; ``other`` listens on another port of 127.0.0.1, so
another origin (scheme, host, port). Each server logs every arrival (method, headers, body);
the token endpoint counts token requests (the login's is the first).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import requests
from httpie_amplify import AmplifyRequestsAuth
from support.api_server import ApiServer
from support.proxy import RecordingProxy

from credhelper import AmplifyAuth, ConfigError, HostNotAllowed, load_profile
from credhelper.tokens import cache

ORG = "652605300303530"
BODY = b'{"order": 1}'
# "requests-by-hand" follows one hop per send, as HTTPie's --follow does (response.next)
CLIENTS = ["httpx", "httpx-async", "requests", "requests-by-hand"]
# The context each httpx client here would build for itself, built once: reading the CA bundle
# costs about 20 ms a client, a fifth of this module's time, and none of these requests is https.
TLS = httpx.create_ssl_context()


@pytest.fixture
def api(logged_in) -> ApiServer:
    with ApiServer(logged_in) as server:
        yield server


@pytest.fixture
def other(logged_in) -> ApiServer:
    with ApiServer(logged_in) as server:
        yield server


class Streamed:
    """A body that can be sent once: a generator, or an async generator for httpx's async client."""


def _sync_chunks() -> Iterator[bytes]:
    yield BODY


async def _async_chunks() -> AsyncIterator[bytes]:
    yield BODY


def send(kind: str, method: str, url: str, body: bytes | Streamed | None = None, **auth_kw):
    """(status, [status of each hop before]) of one request, the client following redirects."""
    if kind.startswith("requests"):
        data = _sync_chunks() if isinstance(body, Streamed) else body
        auth = AmplifyRequestsAuth(**auth_kw)
        if kind == "requests-by-hand":
            return _send_hop_by_hop(requests.Request(method, url, data=data, auth=auth))
        answer = requests.request(method, url, data=data, auth=auth, timeout=10)
        return answer.status_code, [hop.status_code for hop in answer.history]
    if kind == "httpx":
        content = _sync_chunks() if isinstance(body, Streamed) else body
        with httpx.Client(
            auth=AmplifyAuth(**auth_kw), follow_redirects=True, timeout=10, verify=TLS
        ) as c:
            response = c.request(method, url, content=content)
    else:
        response = asyncio.run(_send_async(method, url, body, auth_kw))
    return response.status_code, [hop.status_code for hop in response.history]


def _send_hop_by_hop(request: requests.Request) -> tuple[int, list[int]]:
    hops = []
    with requests.Session() as session:
        answer = session.send(session.prepare_request(request), allow_redirects=False, timeout=10)
        while answer.next is not None:
            hops.append(answer.status_code)
            answer = session.send(answer.next, allow_redirects=False, timeout=10)
    return answer.status_code, hops


async def _send_async(method: str, url: str, body: object, auth_kw: dict) -> httpx.Response:
    content = _async_chunks() if isinstance(body, Streamed) else body
    auth = AmplifyAuth(**auth_kw)
    async with httpx.AsyncClient(
        auth=auth, follow_redirects=True, timeout=10, verify=TLS
    ) as client:
        return await client.request(method, url, content=content)  # type: ignore[arg-type]


def arrivals(server: ApiServer) -> list[tuple[str, str, str | None, str | None, bytes]]:
    """What each request that reached ``server`` carried: method, path, token, tenant, body."""
    return [
        (
            seen["method"],
            seen["path"],
            (seen["headers"].get("authorization") or " ").partition(" ")[2] or None,
            seen["headers"].get("x-axway-tenant-id"),
            seen["body"],
        )
        for seen in server.seen
    ]


def kept_token() -> str:
    return cache.read(load_profile()).access_token


# 1, 3: an answer from another origin says nothing about our token, which never went there


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("status", [303, 307, 308])
def test_a_401_from_another_origin_is_returned_and_costs_nothing(
    kind, status, api, other, logged_in
) -> None:
    api.redirects["/orders"] = (status, other.url + "/elsewhere")
    assert send(kind, "POST", api.url + "/orders", BODY) == (401, [status])
    token = logged_in.issued[0]
    assert arrivals(api) == [("POST", "/orders", token, ORG, BODY)]  # once: never sent again
    method, body = ("GET", b"") if status == 303 else ("POST", BODY)
    assert arrivals(other) == [(method, "/elsewhere", None, None, body)]
    assert logged_in.token_requests == 1 and kept_token() == token  # nothing forgotten or minted


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_tenant_header_the_caller_set_stays_on_the_origin_too(kind, api, other) -> None:
    api.redirects["/orders"] = (307, other.url + "/elsewhere")
    api.tenants.add("42")
    if kind.startswith("requests"):
        requests.get(api.url + "/orders", headers={"X-Axway-Tenant-Id": "42"},
                     auth=AmplifyRequestsAuth(), timeout=10)  # fmt: skip
    else:
        with httpx.Client(
            auth=AmplifyAuth(), follow_redirects=True, timeout=10, verify=TLS
        ) as client:
            client.get(api.url + "/orders", headers={"X-Axway-Tenant-Id": "42"})
    assert [seen[3] for seen in arrivals(api)] == ["42"]
    assert [seen[2:4] for seen in arrivals(other)] == [(None, None)]


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("status", [307, 308])
def test_a_redirect_on_the_origin_keeps_body_token_and_tenant_and_renews_once(
    kind, status, api, logged_in
) -> None:
    api.redirects["/orders"] = (status, api.url + "/v2/orders")
    api.revoked.add(logged_in.issued[0])
    assert send(kind, "POST", api.url + "/orders", BODY)[0] == 200
    old, new = logged_in.issued
    seen = arrivals(api)
    assert {(method, tenant, body) for method, _, _, tenant, body in seen} == {("POST", ORG, BODY)}
    assert [token for _, path, token, _, _ in seen if path == "/v2/orders"] == [old, new]
    assert seen[0][2] == old and seen[-1][2] == new and logged_in.token_requests == 2


# 4: after a renewal, every later hop carries the new token; none carries it off the origin


@pytest.mark.parametrize("kind", CLIENTS)
def test_every_hop_after_a_renewal_carries_the_new_token(kind, api, logged_in) -> None:
    api.refuse_next = 1
    api.redirects["/orders"] = (307, api.url + "/v2/orders")
    assert send(kind, "POST", api.url + "/orders", BODY)[0] == 200
    old, new = logged_in.issued
    assert [seen[1:4] for seen in arrivals(api)] == [
        ("/orders", old, ORG), ("/orders", new, ORG), ("/v2/orders", new, ORG)
    ]  # fmt: skip
    assert logged_in.token_requests == 2


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_redirect_to_another_origin_after_a_renewal_carries_neither_header(
    kind, api, other, logged_in
) -> None:
    api.refuse_next = 1
    api.redirects["/orders"] = (308, other.url + "/elsewhere")
    assert send(kind, "POST", api.url + "/orders", BODY)[0] == 401
    old, new = logged_in.issued
    assert [seen[2] for seen in arrivals(api)] == [old, new]
    assert arrivals(other) == [("POST", "/elsewhere", None, None, BODY)]
    assert logged_in.token_requests == 2 and kept_token() == new


# 2: a body that cannot be sent again


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_body_that_streams_once_gets_the_401_and_costs_nothing(kind, api, logged_in) -> None:
    api.refuse_next = 1
    assert send(kind, "POST", api.url + "/orders", Streamed()) == (401, [])
    assert arrivals(api) == [("POST", "/orders", logged_in.issued[0], ORG, BODY)]
    assert logged_in.token_requests == 1 and kept_token() == logged_in.issued[0]


# 9: host binding, and no token in clear text to another machine


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_listed_host_gets_the_token(kind, api, logged_in) -> None:
    port = api.url.rpartition(":")[2]
    assert send(kind, "GET", api.url + "/", hosts=[f"127.0.0.1:{port}"]) == (200, [])
    assert send(kind, "GET", api.url + "/", hosts=["127.0.0.*:" + port]) == (200, [])
    assert [seen[2] for seen in arrivals(api)] == [logged_in.issued[0]] * 2


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize(
    "hosts", [["api.example.com"], ["127.0.0.1"], ["localhost:1"], ["*.0.0.1:1"]]
)
def test_a_host_outside_the_list_gets_nothing(kind, hosts, api) -> None:
    port = api.url.rpartition(":")[2]
    with pytest.raises(HostNotAllowed) as failure:
        send(kind, "GET", api.url + "/", hosts=hosts)
    assert str(failure.value) == (
        f"refusing to send a token to 127.0.0.1:{port}: not one of this auth's hosts "
        f"({', '.join(hosts)})"
    )
    assert api.seen == []


class _NothingSent(requests.adapters.BaseAdapter):
    def send(self, *args: object, **kwargs: object) -> requests.Response:
        raise AssertionError("a request reached the network")

    def close(self) -> None:
        pass


def _refuse_to_send(request: httpx.Request) -> httpx.Response:
    raise AssertionError("a request reached the network")


@pytest.mark.parametrize("kind", ["httpx", "requests"])
@pytest.mark.parametrize("url", ["http://api.example.com/", "http://127.0.0.2:8080/x"])
def test_plain_http_to_another_machine_gets_nothing(kind, url, logged_in) -> None:
    # Fakes in place of the network: a broken check must not reach a real host.
    with pytest.raises(HostNotAllowed) as failure:
        if kind == "requests":
            with requests.Session() as session:
                session.mount("http://", _NothingSent())
                session.get(url, auth=AmplifyRequestsAuth())
        else:
            transport = httpx.MockTransport(_refuse_to_send)
            with httpx.Client(auth=AmplifyAuth(), transport=transport) as client:
                client.get(url)
    host = url.split("/")[2].partition(":")[0]
    assert str(failure.value) == (
        f"refusing to send a token to http://{host}: tokens travel over https "
        "(plain http is allowed for 127.0.0.1, ::1 and localhost only)"
    )
    assert logged_in.issued[0] not in str(failure.value)


def test_a_wildcard_covers_one_label_only(logged_in) -> None:
    seen: list[str] = []
    transport = httpx.MockTransport(lambda r: seen.append(str(r.url)) or httpx.Response(200))
    with httpx.Client(auth=AmplifyAuth(hosts=["*.example.com"]), transport=transport) as client:
        assert client.get("https://api.example.com/").status_code == 200
        with pytest.raises(HostNotAllowed):
            client.get("https://a.b.example.com/")
        with pytest.raises(HostNotAllowed):
            client.get("https://api.example.com:8443/")
    assert seen == ["https://api.example.com/"]


@pytest.mark.parametrize(
    "hosts",
    ["api.example.com", ["https://api.example.com"], [""], ["*"], ["*.*"], ["a..com"], ["a b"]],
)
def test_hosts_that_can_never_match_are_refused(hosts, logged_in) -> None:
    with pytest.raises(ConfigError, match="hosts"):
        AmplifyAuth(hosts=hosts)
    with requests.Session() as session, pytest.raises(ConfigError, match="hosts"):
        session.mount("https://", _NothingSent())
        session.get("https://api.example.com/", auth=AmplifyRequestsAuth(hosts=hosts))


# plain http to this machine through a proxy of the environment: the token would leave it


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
def test_a_proxy_from_the_environment_gets_no_plain_http_token(
    kind, variable, api, logged_in, monkeypatch
) -> None:
    with RecordingProxy() as proxy:
        monkeypatch.setenv(variable, proxy.url)
        with pytest.raises(HostNotAllowed) as failure:
            send(kind, "GET", api.url + "/x")
    assert proxy.seen == [] and api.seen == []
    assert str(failure.value) == (
        f"refusing to send a token to {api.url}: the proxy variables (HTTP_PROXY, ALL_PROXY) "
        "would send it through a proxy, in clear text; add the host to NO_PROXY, or use https"
    )
    assert logged_in.issued[0] not in repr(failure.value)


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
def test_no_proxy_for_this_machine_lets_the_token_through_directly(
    kind, no_proxy, api, logged_in, monkeypatch
) -> None:
    with RecordingProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        assert send(kind, "GET", api.url + "/x")[0] == 200
    assert proxy.seen == [] and [a[2] for a in arrivals(api)] == [logged_in.issued[0]]


@pytest.mark.parametrize("kind", ["httpx", "requests"])
def test_a_proxy_set_after_a_first_request_stops_the_next(
    kind, api, logged_in, monkeypatch
) -> None:
    # The destination is judged once per URL; the proxy variables, which can change, each time.
    url = api.url + "/x"
    with RecordingProxy() as proxy:
        if kind == "requests":
            with requests.Session() as session:
                session.auth = AmplifyRequestsAuth()
                assert session.get(url).status_code == 200
                monkeypatch.setenv("HTTP_PROXY", proxy.url)
                with pytest.raises(HostNotAllowed, match="proxy"):
                    session.get(url)
        else:
            with httpx.Client(auth=AmplifyAuth(), verify=TLS) as client:
                assert client.get(url).status_code == 200
                monkeypatch.setenv("HTTP_PROXY", proxy.url)
                with pytest.raises(HostNotAllowed, match="proxy"):
                    client.get(url)
    assert proxy.seen == [] and len(api.seen) == 1


def test_the_urls_a_binding_remembers_are_bounded_and_refusals_are_not_kept() -> None:
    from credhelper.api._destination import HostBinding

    binding = HostBinding(["api.example.com"])
    for page in range(HostBinding.URLS_KEPT * 3):
        assert binding.check(f"https://api.example.com/items?page={page}") is False
    assert 0 < len(binding._urls) <= HostBinding.URLS_KEPT
    assert HostBinding(None).check("http://localhost:8080/") is True  # plain: proxy judged
    for _ in range(2):
        with pytest.raises(HostNotAllowed):
            binding.check("https://other.example.com/")
