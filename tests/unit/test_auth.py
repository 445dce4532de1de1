"""AmplifyAuth driven through a real httpx client over a mock transport."""

from __future__ import annotations

import httpx

from credhelper import AmplifyAuth, cache, load_profile


def _api(statuses: list[int], seen: list[httpx.Headers]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(httpx.Headers(request.headers))  # a copy: the flow reuses the request
        return httpx.Response(statuses.pop(0) if statuses else 200)

    return httpx.MockTransport(handle)


def test_headers_are_added(logged_in) -> None:
    seen: list[httpx.Headers] = []
    with httpx.Client(auth=AmplifyAuth(), transport=_api([], seen)) as client:
        assert (
            client.get("https://apicentral.axway.com/apis/management/v1/environments").status_code
            == 200
        )
    assert seen[0]["Authorization"] == f"Bearer {logged_in.issued[0]}"
    assert seen[0]["X-Axway-Tenant-Id"] == "652605300303530"


def test_a_tenant_header_the_caller_set_is_kept(logged_in) -> None:
    seen: list[httpx.Headers] = []
    with httpx.Client(auth=AmplifyAuth("default"), transport=_api([], seen)) as client:
        client.get("https://api.example.com/", headers={"X-Axway-Tenant-Id": "1"})
    assert seen[0]["X-Axway-Tenant-Id"] == "1"


def test_a_401_renews_the_token_and_retries_once(logged_in) -> None:
    seen: list[httpx.Headers] = []
    with httpx.Client(auth=AmplifyAuth(), transport=_api([401], seen)) as client:
        assert client.get("https://api.example.com/").status_code == 200
    assert [h["Authorization"] for h in seen] == [f"Bearer {t}" for t in logged_in.issued]
    assert cache.read(load_profile()).access_token == logged_in.issued[1]


def test_a_second_401_is_returned_as_is(logged_in) -> None:
    seen: list[httpx.Headers] = []
    with httpx.Client(auth=AmplifyAuth(), transport=_api([401, 401], seen)) as client:
        assert client.get("https://api.example.com/").status_code == 401
    assert len(seen) == 2 and logged_in.token_requests == 2
