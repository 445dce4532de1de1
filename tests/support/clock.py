"""A clock for the token request's retries: a sleep returns at once but counts as time passed,
so tests see every pause (and the deadline it leads to) without waiting for it."""

from __future__ import annotations

import time


class FakeClock:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    @property
    def slept(self) -> float:
        return sum(self.sleeps)

    def monotonic(self) -> float:
        return time.monotonic() + self.slept

    def time(self) -> float:
        return time.time() + self.slept

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
