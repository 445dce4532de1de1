"""Calls that may never return, bounded: a keyring waiting on an unlock prompt nobody sees or
on a stuck D-Bus, a name server that does not answer (no socket timeout covers a name lookup).

The call runs in a daemon thread and the caller stops waiting at the deadline. A thread cannot
be stopped, but a daemon thread does not keep the process alive: the program ends with its
one-line error, and no lock is left held by a caller that waits forever.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    _T = TypeVar("_T")


def within(seconds: float, late: Callable[[], BaseException], call: Callable[[], _T]) -> _T:
    """``call()``'s result or exception, if it ends within ``seconds``; else ``late()`` raised."""
    import threading

    outcome: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001  (handed over to the caller's thread)
            outcome.append((False, exc))

    worker = threading.Thread(target=run, name="amplify-credhelper bounded call", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        raise late()
    done, value = outcome[0]
    if not done:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
