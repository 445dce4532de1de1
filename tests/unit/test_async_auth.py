"""AmplifyAuth in httpx.AsyncClient and get_token_async, on a real asyncio loop against the
loopback token endpoint: slow mints, failures, 401s, cancellation and cold-cache crowds."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from keyring.errors import KeyringLocked
from support.fake_keyring import MemoryKeyring
from support.token_endpoint import Fault, TokenEndpoint

import credhelper
from credhelper import AmplifyAuth, load_profile
from credhelper.tokens import cache

URL = "https://apicentral.axway.com/apis/management/v1/environments"


def _api(statuses: list[int], seen: list[httpx.Headers]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(httpx.Headers(request.headers))  # a copy: the flow reuses the request
        return httpx.Response(statuses.pop(0) if statuses else 200)

    return httpx.MockTransport(handle)


def _cold(endpoint: TokenEndpoint) -> int:
    """Empty the cache; the number of token requests so far."""
    assert cache.delete(load_profile())
    return endpoint.token_requests


class Gate:
    """Holds each token request at the endpoint until released (or 10 s pass)."""

    def __init__(self, endpoint: TokenEndpoint, monkeypatch: pytest.MonkeyPatch) -> None:
        self.minting, self.release = threading.Event(), threading.Event()
        answer = endpoint.answer

        def held(form: dict, authorization: str | None) -> tuple[int, dict]:
            self.minting.set()
            self.released_in_time = self.release.wait(10)
            return answer(form, authorization)

        monkeypatch.setattr(endpoint, "answer", held)  # undone after the test: it is shared

    async def until_minting(self) -> None:
        while not self.minting.is_set():
            await asyncio.sleep(0.001)


def run(coroutine_function: Callable[[], object]) -> object:
    return asyncio.run(coroutine_function())  # type: ignore[arg-type]


def test_the_loop_keeps_ticking_while_a_token_is_minted(logged_in, monkeypatch) -> None:
    before, gate, seen = _cold(logged_in), Gate(logged_in, monkeypatch), []
    ticks_during_mint = 0

    async def ticker() -> None:
        nonlocal ticks_during_mint
        await gate.until_minting()
        for _ in range(5):  # only a free loop gets here while the endpoint holds the mint
            await asyncio.sleep(0)
            ticks_during_mint += 1
        gate.release.set()

    async def main() -> int:
        async with httpx.AsyncClient(auth=AmplifyAuth(), transport=_api([], seen)) as client:
            response, _ = await asyncio.gather(client.get(URL), ticker())
            return response.status_code

    assert run(main) == 200
    assert ticks_during_mint == 5 and gate.released_in_time
    assert logged_in.token_requests - before == 1
    assert seen[0]["Authorization"] == f"Bearer {logged_in.issued[-1]}"
    assert seen[0]["X-Axway-Tenant-Id"] == "652605300303530"


def test_a_refused_secret_fails_the_request_with_the_cores_error(logged_in) -> None:
    _cold(logged_in)
    logged_in.faults.append(Fault(401, {"error": "invalid_client", "error_description": "no"}))

    async def main() -> None:
        async with httpx.AsyncClient(auth=AmplifyAuth(), transport=_api([], [])) as client:
            await client.get(URL)

    with pytest.raises(credhelper.CredentialsRejected) as raised:
        run(main)
    assert str(raised.value) == (
        "the login service refused the client credentials (HTTP 401, invalid_client: no): "
        "check the client id and secret, then run `amplify-credhelper login` again"
    )


def test_a_login_service_answering_garbage_is_a_login_service_error(logged_in) -> None:
    _cold(logged_in)
    logged_in.faults.append(Fault(200, b"<html>"))
    with pytest.raises(credhelper.LoginServiceError, match="^the login service answered 200"):
        run(lambda: credhelper.get_token_async())


@pytest.mark.parametrize("client_kind", ["sync", "async"])
def test_a_renewal_that_brings_another_org_sends_that_org(logged_in, client_kind) -> None:
    seen: list[httpx.Headers] = []
    logged_in.org_id = 7  # the token minted after the 401 serves another org
    if client_kind == "sync":
        with httpx.Client(auth=AmplifyAuth(), transport=_api([401], seen)) as client:
            assert client.get(URL).status_code == 200
    else:

        async def main() -> int:
            async with httpx.AsyncClient(auth=AmplifyAuth(), transport=_api([401], seen)) as c:
                return (await c.get(URL)).status_code

        assert run(main) == 200
    assert [h["X-Axway-Tenant-Id"] for h in seen] == ["652605300303530", "7"]
    assert [h["Authorization"] for h in seen] == [f"Bearer {t}" for t in logged_in.issued]


@pytest.mark.parametrize("client_kind", ["sync", "async"])
def test_a_renewal_without_an_org_drops_the_tenant_header(logged_in, client_kind) -> None:
    seen: list[httpx.Headers] = []
    logged_in.org_id = None
    auth = AmplifyAuth()
    if client_kind == "sync":
        with httpx.Client(auth=auth, transport=_api([401], seen)) as client:
            client.get(URL)
    else:

        async def main() -> None:
            async with httpx.AsyncClient(auth=auth, transport=_api([401], seen)) as client:
                await client.get(URL)

        run(main)
    assert [h.get("X-Axway-Tenant-Id") for h in seen] == ["652605300303530", None]


def test_the_callers_tenant_is_kept_on_the_retry(logged_in) -> None:
    seen: list[httpx.Headers] = []
    logged_in.org_id = 7

    async def main() -> None:
        async with httpx.AsyncClient(auth=AmplifyAuth(), transport=_api([401, 401], seen)) as c:
            assert (await c.get(URL, headers={"x-axway-tenant-id": "1"})).status_code == 401

    run(main)
    assert [h["X-Axway-Tenant-Id"] for h in seen] == ["1", "1"]
    assert len(seen) == 2 and logged_in.token_requests == 2  # one retry, never a second


def test_cancelling_mid_mint_leaves_no_lock_held_and_a_whole_cache(logged_in, monkeypatch) -> None:
    _cold(logged_in)
    gate = Gate(logged_in, monkeypatch)
    profile = load_profile()

    async def main() -> None:
        task = asyncio.create_task(credhelper.get_token_async())
        await gate.until_minting()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        gate.release.set()
        await credhelper.get_token_async()  # queued behind the mint, so it has ended

    run(main)
    lock = cache.lock(profile, timeout=0)  # taken at once, or filelock.Timeout
    lock.acquire()
    lock.release()
    path = Path(cache._path(profile))
    assert json.loads(path.read_text())["access_token"] == logged_in.issued[-1]  # whole
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".tmp-")] == []


def test_a_hundred_coroutines_on_a_cold_cache_make_one_token_request(
    logged_in, monkeypatch
) -> None:
    before, gate, seen = _cold(logged_in), Gate(logged_in, monkeypatch), []

    async def main() -> None:
        async with httpx.AsyncClient(auth=AmplifyAuth(), transport=_api([], seen)) as client:
            calls = [client.get(URL) for _ in range(100)]
            calls += [credhelper.get_token_async() for _ in range(20)]

            async def release_when_all_wait() -> None:
                await gate.until_minting()
                await asyncio.sleep(0.05)  # the others queue meanwhile (the count holds anyway)
                gate.release.set()

            answers = await asyncio.gather(*calls, release_when_all_wait())
            assert [a.status_code for a in answers[:100]] == [200] * 100
            assert {t.access_token for t in answers[100:120]} == {logged_in.issued[-1]}

    run(main)
    assert logged_in.token_requests - before == 1
    assert {h["Authorization"] for h in seen} == {f"Bearer {logged_in.issued[-1]}"}


def test_threads_sharing_one_sync_auth_make_one_token_request(logged_in, monkeypatch) -> None:
    before, gate = _cold(logged_in), Gate(logged_in, monkeypatch)
    auth, seen = AmplifyAuth(), []

    def request() -> None:
        with httpx.Client(auth=auth, transport=_api([], seen)) as client:
            client.get(URL)

    threads = [threading.Thread(target=request) for _ in range(20)]
    for thread in threads:
        thread.start()
    gate.minting.wait(10)
    gate.release.set()
    for thread in threads:
        thread.join(30)
    assert logged_in.token_requests - before == 1 and len(seen) == 20
    assert {h["Authorization"] for h in seen} == {f"Bearer {logged_in.issued[-1]}"}


def test_a_trio_loop_gets_a_token_too(logged_in) -> None:
    import trio  # anyio runs the same worker-thread path on trio's loop

    _cold(logged_in)
    token = trio.run(credhelper.get_token_async)
    assert token.access_token == logged_in.issued[-1]


def _failing_mint(
    endpoint: TokenEndpoint, monkeypatch: pytest.MonkeyPatch
) -> tuple[threading.Event, list[dict]]:
    """Every token request answers 401 once the event is set; the list holds the requests."""
    release, seen = threading.Event(), []

    def refuse(form: dict, authorization: str | None) -> tuple[int, dict]:
        seen.append(form)
        release.wait(10)
        return 401, {"error": "unauthorized_client", "error_description": "no"}

    monkeypatch.setattr(endpoint, "answer", refuse)  # undone after the test: it is shared
    return release, seen


def test_threads_queued_behind_a_failing_mint_share_its_failure(logged_in, monkeypatch) -> None:
    _cold(logged_in)
    release, seen = _failing_mint(logged_in, monkeypatch)
    auth, errors = AmplifyAuth(), []

    def request() -> None:
        with httpx.Client(auth=auth, transport=_api([], [])) as client:
            try:
                client.get(URL)
            except credhelper.CredentialsRejected as exc:
                errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for _ in range(1000):  # until the first thread's request is at the endpoint
        if seen:
            break
        time.sleep(0.01)
    time.sleep(0.2)  # and the others are queued behind it
    release.set()
    for thread in threads:
        thread.join(30)
    assert len(errors) == 8
    assert len(seen) == 1  # not one refused request per thread, each waiting in turn


def test_coroutines_queued_behind_a_failing_mint_share_its_failure(logged_in, monkeypatch) -> None:
    _cold(logged_in)
    release, seen = _failing_mint(logged_in, monkeypatch)

    async def main() -> list[object]:
        calls = [credhelper.get_token_async() for _ in range(8)]
        asyncio.get_running_loop().call_later(0.2, release.set)
        return await asyncio.gather(*calls, return_exceptions=True)

    answers = run(main)
    assert all(isinstance(a, credhelper.CredentialsRejected) for a in answers), answers
    assert len(seen) == 1


class HeldKeyring:
    """The test keyring's reads wait until released (or 10 s pass), then answer, or fail when
    told to: a keyring stuck on an unlock prompt that the test ends."""

    def __init__(self, backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reading, self.release, self.answered = (threading.Event() for _ in range(3))
        self.fail = False
        answer = backend.get_password

        def held(service: str, username: str) -> str | None:
            self.reading.set()
            self.release.wait(10)
            self.answered.set()
            if self.fail:
                raise KeyringLocked("the collection is locked")
            return answer(service, username)

        monkeypatch.setattr(backend, "get_password", held)  # undone after the test

    async def until_reading(self) -> None:
        while not self.reading.is_set():
            await asyncio.sleep(0.001)


def _unreported(loop: asyncio.AbstractEventLoop) -> list[dict]:
    """What the loop would print on stderr (e.g. "Task exception was never retrieved")."""
    seen: list[dict] = []
    loop.set_exception_handler(lambda _, context: seen.append(context))
    return seen


def test_a_cancelled_wait_ends_at_once_and_the_next_call_shares_its_mint(
    logged_in, memory_keyring, monkeypatch
) -> None:
    before, held = _cold(logged_in), HeldKeyring(memory_keyring, monkeypatch)

    async def main() -> credhelper.Token:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(credhelper.get_token_async(), 0.01)
        assert held.reading.is_set() and not held.answered.is_set()  # the mint goes on
        later = asyncio.create_task(credhelper.get_token_async())
        await asyncio.sleep(0.01)
        held.release.set()
        return await later

    assert run(main).access_token == logged_in.issued[-1]
    assert logged_in.token_requests - before == 1


def test_a_mint_failing_after_its_caller_left_is_shared_and_never_printed(
    logged_in, memory_keyring, monkeypatch
) -> None:
    _cold(logged_in)
    held = HeldKeyring(memory_keyring, monkeypatch)
    held.fail = True

    async def main() -> list[dict]:
        unreported = _unreported(asyncio.get_running_loop())
        first = asyncio.create_task(credhelper.get_token_async())
        await held.until_reading()
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        assert not held.answered.is_set()
        later = asyncio.create_task(credhelper.get_token_async())
        await asyncio.sleep(0.01)
        held.release.set()
        with pytest.raises(credhelper.KeyringUnavailable):
            await later
        del first, later
        gc.collect()  # a task's unretrieved exception is reported when it is collected
        return unreported

    assert run(main) == []


def test_a_cancelled_request_of_an_async_client_ends_at_once(
    logged_in, memory_keyring, monkeypatch
) -> None:
    before, held, seen = _cold(logged_in), HeldKeyring(memory_keyring, monkeypatch), []

    async def main() -> int:
        async with httpx.AsyncClient(auth=AmplifyAuth(), transport=_api([], seen)) as client:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.get(URL), 0.01)
            assert not held.answered.is_set() and seen == []
            later = asyncio.create_task(client.get(URL))
            await asyncio.sleep(0.01)
            held.release.set()
            return (await later).status_code

    assert run(main) == 200
    assert logged_in.token_requests - before == 1
    assert [h["Authorization"] for h in seen] == [f"Bearer {logged_in.issued[-1]}"]


def test_a_trio_cancellation_ends_the_wait_at_once(logged_in, memory_keyring, monkeypatch) -> None:
    import trio

    _cold(logged_in)
    held = HeldKeyring(memory_keyring, monkeypatch)

    async def main() -> credhelper.Token:
        with trio.move_on_after(0.01) as scope:
            await credhelper.get_token_async()
        assert scope.cancelled_caught and not held.answered.is_set()
        held.release.set()
        return await credhelper.get_token_async()

    assert trio.run(main).access_token == logged_in.issued[-1]
