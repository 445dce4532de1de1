"""Sending the token request: the one home of httpx, with timeouts and retries.

Retried: connection failures, timeouts, 429 and 5xx, at most ``ATTEMPTS`` times within a total
deadline, with exponential backoff and full jitter, honouring Retry-After up to a cap. Never
retried: any other answer, 400 and 401 above all, since a refused secret stays refused.
Proxies (HTTPS_PROXY, NO_PROXY) and SSL_CERT_FILE are honoured by httpx itself.
"""

from __future__ import annotations

import random
import ssl
import time

import httpx

from . import _log
from .errors import LoginServiceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .oauth import TokenRequest

ATTEMPTS = 3
DEADLINE = 30.0  # seconds for all attempts together
BACKOFF = 0.5  # seconds before the second attempt, doubled after that
RETRY_AFTER_CAP = 10.0
_RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})


def send(
    request: TokenRequest,
    *,
    timeout: float,
    ca_file: str | None = None,
    deadline: float = DEADLINE,
    transport: httpx.BaseTransport | None = None,
) -> tuple[int, bytes]:
    """POST ``request``; the final status and body, or LoginServiceError when none came."""
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_file) if ca_file else True
    give_up_at = time.monotonic() + deadline
    with httpx.Client(verify=verify, transport=transport, follow_redirects=False) as client:
        for attempt in range(1, ATTEMPTS + 1):
            left = give_up_at - time.monotonic()
            try:
                response = client.post(
                    request.url,
                    data=dict(request.form),
                    headers=dict(request.headers),
                    timeout=httpx.Timeout(min(timeout, max(left, 0.1))),
                )
            except httpx.HTTPError as exc:
                failure, retry_after = _describe(exc), None
            else:
                _log.debug("POST %s: HTTP %d", request.url, response.status_code)
                if response.status_code not in _RETRIED_STATUS:
                    return response.status_code, response.content
                failure = f"HTTP {response.status_code}"
                retry_after = _retry_after(response.headers.get("Retry-After"))
            pause = _pause(attempt, retry_after)
            if attempt == ATTEMPTS or time.monotonic() + pause >= give_up_at:
                break
            # A person waiting at a terminal sees why it takes long, without --verbose.
            _log.notice("login service: %s; retrying in %.1f s (attempt %d of %d)",
                        failure, pause, attempt + 1, ATTEMPTS)  # fmt: skip
            time.sleep(pause)
    raise LoginServiceError(
        f"no token from the login service at {request.url} after {attempt} attempt(s): "
        f"{failure}; check the network and the URL, or try again later"
    )


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})"
    return f"{type(exc).__name__} ({exc})"


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _pause(attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(retry_after, RETRY_AFTER_CAP)
    return random.uniform(0, BACKOFF * 2 ** (attempt - 1))  # noqa: S311 (jitter, not crypto)
