"""AmplifyAuth driven through a real httpx client over a mock transport."""

from __future__ import annotations

import time

import httpx
import pytest
from conftest import login_argv

import credhelper
from credhelper import AmplifyAuth, load_profile
from credhelper.api import _holder
from credhelper.tokens import cache


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


def test_a_kept_token_costs_no_file_read(logged_in, monkeypatch) -> None:
    seen: list[httpx.Headers] = []
    with httpx.Client(auth=AmplifyAuth(), transport=_api([], seen)) as client:
        client.get("https://api.example.com/")
        monkeypatch.setattr(cache, "read", _no_file_reads)
        client.get("https://api.example.com/")
    assert [h["Authorization"] for h in seen] == [f"Bearer {logged_in.issued[0]}"] * 2


def _no_file_reads(profile: object) -> None:
    raise AssertionError("the cache file was read on a hit")


def test_a_kept_token_is_never_served_past_its_renewal_time(logged_in, monkeypatch) -> None:
    seen: list[httpx.Headers] = []
    auth = AmplifyAuth()
    with httpx.Client(auth=auth, transport=_api([], seen)) as client:
        client.get("https://api.example.com/")
        later = time.time() + 1800 - 300  # expiry less the refresh margin
        monkeypatch.setattr(time, "time", lambda: later)
        client.get("https://api.example.com/")
    assert [h["Authorization"] for h in seen] == [f"Bearer {t}" for t in logged_in.issued]
    assert len(logged_in.issued) == 2


def test_profiles_never_share_a_kept_token(logged_in, run_cli) -> None:
    assert run_cli(*login_argv(logged_in, "--profile", "ci"), stdin="test-secret\n").code == 0
    seen: list[httpx.Headers] = []
    for name in ("default", "ci", "default", "ci"):
        with httpx.Client(auth=AmplifyAuth(name), transport=_api([], seen)) as client:
            client.get("https://api.example.com/")
    first, second = (f"Bearer {t}" for t in logged_in.issued)
    assert [h["Authorization"] for h in seen] == [first, second, first, second]


def test_forget_token_drops_the_kept_token_too(logged_in) -> None:
    seen: list[httpx.Headers] = []
    with httpx.Client(auth=AmplifyAuth(), transport=_api([], seen)) as client:
        client.get("https://api.example.com/")
        assert credhelper.forget_token(logged_in.issued[0]) is True
        client.get("https://api.example.com/")
    assert [h["Authorization"] for h in seen] == [f"Bearer {t}" for t in logged_in.issued]


def test_the_auth_flows_can_be_driven_by_hand() -> None:
    profile = credhelper.Profile(name="p", client_id="c", token_url="http://127.0.0.1:9/t")
    token = credhelper.Token(access_token="kept", expires_at=time.time() + 3600, org_id="3")
    holder = _holder.holder_for(profile)
    holder._keep(token)  # as if minted a moment ago
    flow = AmplifyAuth(profile).sync_auth_flow(httpx.Request("GET", "https://api.example.com/"))
    request = next(flow)
    assert (request.headers["Authorization"], request.headers["X-Axway-Tenant-Id"]) == (
        "Bearer kept",
        "3",
    )
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200))
