"""The config lock waits in turn: while writers take it one after another (8 logins whose
keyring write takes seconds each) a waiter keeps waiting; it gives up only when one holder
has kept the lock for the whole bound, and says so.

A fake lock stands for the other processes: each failed attempt to take it moves a fake
clock on, and another holder's turn is its stamp in the lock file (``_locks._stamp_holder``).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from credhelper import ConfigError, _locks
from credhelper.profiles import config

ERROR_END = "config.json.lock has been held by one process for 60 s: try again"


class QueuedLock:
    """Free after ``turns`` attempts; ``on_attempt(n)`` runs at each failed one."""

    def __init__(self, turns: int, on_attempt, clock: list[float]) -> None:
        self.turns, self.on_attempt, self.clock = turns, on_attempt, clock
        self.attempts, self.lock_counter = 0, 0

    def acquire(self, timeout: float) -> None:
        self.attempts += 1
        if self.attempts > self.turns:
            self.lock_counter += 1
            return
        self.clock[0] += timeout  # the wait it would have taken
        self.on_attempt(self.attempts)
        raise TimeoutError(timeout)

    def release(self) -> None:
        self.lock_counter -= 1


@pytest.fixture
def queued(home: Path, monkeypatch: pytest.MonkeyPatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    def install(turns: int, on_attempt) -> QueuedLock:
        lock = QueuedLock(turns, on_attempt, clock)
        monkeypatch.setattr(_locks, "file_lock", lambda path: lock)
        return lock

    return install


def _new_holder(number: int) -> None:
    lock = Path(config.path() + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(f"another process, turn {number}\n")


def test_a_waiter_waits_as_long_as_the_lock_changes_hands(queued) -> None:
    # 150 s in all, a new holder every 40 s: no holder keeps it 60 s.
    lock = queued(150, lambda n: _new_holder(n // 40))
    with config.config_lock():
        assert lock.lock_counter == 1
    assert lock.attempts == 151


def test_one_holder_keeping_the_lock_stops_the_waiter_with_a_true_message(queued) -> None:
    _new_holder(0)
    lock = queued(1000, lambda n: None)  # never a new stamp: the same holder throughout
    with pytest.raises(ConfigError) as caught, config.config_lock():
        pass
    assert str(caught.value).endswith(ERROR_END)
    assert lock.attempts < 100  # it gave up at the bound, not at the end of the queue
