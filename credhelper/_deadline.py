"""Calls that may never return, bounded: a keyring waiting on an unlock prompt nobody sees or
on a stuck D-Bus, a name server that does not answer (no socket timeout covers a name lookup).

The call runs in a daemon thread and the caller stops waiting at the deadline. A thread cannot
be stopped, but a daemon thread does not keep the process alive: the program ends with its
one-line error, and no lock is left held by a caller that waits forever.

A call left running (past its deadline, or its caller interrupted) may still complete: an undo
waits for such stragglers first (``settle``), so that a keyring write landing late does not
overtake the undo that was meant to follow it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    _T = TypeVar("_T")
    from threading import Thread

_stragglers: list[Thread] = []  # calls whose caller stopped waiting, perhaps still running


def within(
    seconds: float,
    late: Callable[[], BaseException],
    call: Callable[[], _T],
    *,
    changes: bool = True,
) -> _T:
    """``call()``'s result or exception, if it ends within ``seconds``; else ``late()`` raised.
    ``changes=False``: the call changes nothing (a name lookup), so no undo waits for it."""
    import threading

    outcome: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001  (handed over to the caller's thread)
            outcome.append((False, exc))

    worker = threading.Thread(target=run, name="amplify-credhelper bounded call", daemon=True)
    worker.start()
    try:
        worker.join(seconds)
    finally:  # a deadline passed, or the caller was interrupted (Ctrl-C, SIGTERM)
        if not outcome and changes:
            _stragglers.append(worker)
    if not outcome:
        raise late()
    done, value = outcome[0]
    if not done:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]


def settle(seconds: float) -> None:
    """Wait at most ``seconds`` in all for the calls whose caller stopped waiting to end."""
    import time

    ends = time.monotonic() + seconds
    while _stragglers:
        _stragglers[0].join(max(0.0, ends - time.monotonic()))
        if _stragglers[0].is_alive():
            return
        _stragglers.pop(0)
