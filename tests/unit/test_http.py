"""The token request over a real loopback socket, with scripted failures."""

from __future__ import annotations

import time

import pytest
from support.token_endpoint import Fault

from credhelper import LoginServiceError
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _http
from credhelper.tokens.oauth import build_token_request


def _send(endpoint, secret="test-secret", **options):
    profile = make_profile(name="a", client_id="test-client", base_url=endpoint.base_url)
    return _http.send(
        build_token_request(profile, secret), timeout=options.pop("timeout", 5), **options
    )


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_passing_failures_are_retried_with_growing_jittered_pauses(endpoint, clock, status) -> None:
    endpoint.faults.extend([Fault(status), Fault(status)])
    assert _send(endpoint)[0] == 200
    assert endpoint.token_requests == 3
    first, second = clock.sleeps  # full jitter: anywhere up to 0.5 s, then up to 1 s
    assert 0 <= first <= _http.BACKOFF and 0 <= second <= 2 * _http.BACKOFF


def test_a_dropped_connection_is_retried(endpoint) -> None:
    endpoint.faults.append(Fault(close=True))
    assert _send(endpoint)[0] == 200
    assert endpoint.token_requests == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_refusals_are_not_retried(endpoint, status: int) -> None:
    endpoint.faults.append(Fault(status, {"error": "invalid_client"}))
    assert _send(endpoint)[0] == status
    assert endpoint.token_requests == 1


def test_at_most_three_attempts(endpoint) -> None:
    endpoint.faults.extend([Fault(503)] * 5)
    with pytest.raises(LoginServiceError) as caught:
        _send(endpoint)
    assert endpoint.token_requests == 3
    assert str(caught.value) == (
        f"no token from the login service at {endpoint.token_url} after 3 attempt(s): HTTP 503; "
        "check the network and the URL, or try again later"
    )


def test_retry_after_is_honoured(endpoint, clock) -> None:
    endpoint.faults.append(Fault(429, headers={"Retry-After": "7"}))
    assert _send(endpoint)[0] == 200
    assert clock.sleeps == [7.0]


def test_retry_after_is_capped(endpoint, clock) -> None:
    endpoint.faults.append(Fault(503, headers={"Retry-After": "25"}))
    assert _send(endpoint)[0] == 200
    assert clock.sleeps == [_http.RETRY_AFTER_CAP]


def test_retry_after_beyond_the_deadline_gives_up_at_once(endpoint, clock) -> None:
    endpoint.faults.append(Fault(503, headers={"Retry-After": "120"}))
    with pytest.raises(LoginServiceError, match="after 1 attempt"):
        _send(endpoint, deadline=5)
    assert clock.sleeps == [] and endpoint.token_requests == 1


def test_no_attempt_starts_past_the_deadline(endpoint, clock) -> None:
    endpoint.faults.extend([Fault(503, headers={"Retry-After": "3"})] * 3)
    with pytest.raises(LoginServiceError, match=r"after 2 attempt\(s\): HTTP 503"):
        _send(endpoint, deadline=5)  # 3 s, then another 3 s would end past 5 s
    assert clock.sleeps == [3.0] and endpoint.token_requests == 2


def test_a_slow_service_times_out_and_is_retried(endpoint) -> None:
    endpoint.faults.append(Fault(delay=1.0))
    assert _send(endpoint, timeout=0.3)[0] == 200
    assert endpoint.token_requests == 2


def test_a_service_that_never_answers_in_time_fails_after_three_attempts(endpoint, clock) -> None:
    endpoint.faults.extend([Fault(delay=1.5)] * 3)
    with pytest.raises(LoginServiceError, match=r"after 3 attempt\(s\): timed out"):
        _send(endpoint, timeout=0.1)  # no answer comes in time: a short wait cannot flake
    assert endpoint.token_requests == 3 and len(clock.sleeps) == 2


def test_nothing_listening_is_a_clear_error() -> None:
    profile = make_profile(name="a", client_id="c", base_url="http://127.0.0.1:9")
    with pytest.raises(LoginServiceError, match=r"after 3 attempt\(s\): cannot connect"):
        _http.send(build_token_request(profile, "s"), timeout=1)


@pytest.mark.parametrize(
    ("value", "seconds"), [("7", 7.0), (" 3 ", 3.0), ("soon", None), ("", None), (None, None)]
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert _http._retry_after(value) == seconds


def test_retry_after_as_a_date() -> None:
    from email.utils import formatdate

    assert 25 <= _http._retry_after(formatdate(time.time() + 30, usegmt=True)) <= 30
