"""Tokens kept in memory, so that a request costs no file read while its token is fresh.

One ``TokenHolder`` per profile and cache file in the process, shared by every auth of that
profile. It serves its token only until the token is due for renewal, drops it when a server
refuses it, and makes minting single-flight among threads (a lock) and among the coroutines of
an event loop (an async lock in front of one worker thread). Across processes the file lock in
``_core`` does the same, so a miss here still finds a token another process minted.
"""

from __future__ import annotations

import time

# The C lock primitive: `threading` would be one more module on the cache-hit path's import.
from _thread import allocate_lock

from ..profiles._select import load_profile
from ..profiles.profile import Profile
from ..tokens import _core, cache
from ..tokens.token import Token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    import anyio

    T = TypeVar("T")


class TokenHolder:
    """The in-memory token of one profile (one cache file)."""

    def __init__(self, refresh_margin: float) -> None:
        self._margin = refresh_margin
        self._token: Token | None = None
        self._renew_at = 0.0  # the kept token's renewal time, worked out once (Token.renew_at)
        self._lock = allocate_lock()  # single flight among threads
        self._gate: tuple[object, anyio.Lock] | None = None  # among one loop's coroutines

    def fresh(self) -> Token | None:
        """The kept token while it is not yet due for renewal, else None."""
        return self._token if time.time() < self._renew_at else None

    def _keep(self, token: Token | None) -> None:
        self._renew_at = 0.0  # first: a reader in another thread never pairs old and new
        self._token = token
        if token is not None:
            self._renew_at = token.renew_at(self._margin)

    def get(self, profile: Profile, refresh: bool = False, asked_at: float | None = None) -> Token:
        """A fresh token: the kept one, else the cache's, else a new one (see ``get_token``).

        ``asked_at``: when the caller began to wait (default now). Threads queued here behind a
        mint that fails share its failure instead of each trying again for a whole deadline.
        """
        token = None if refresh else self.fresh()
        if token is not None:
            return token
        asked_at = time.time() if asked_at is None else asked_at
        with self._lock:
            token = None if refresh else self.fresh()
            if token is None:
                token = _core.token_for(profile, refresh=refresh, asked_at=asked_at)
                self._keep(token)
        return token

    def forget(self, profile: Profile, refused: Token | str) -> bool:
        """Drop ``refused`` here and from the cache, and nothing newer (see ``forget_token``)."""
        value = refused.access_token if isinstance(refused, Token) else refused
        with self._lock:  # waits for a mint in flight, whose token is then not the refused one
            if self._token is not None and self._token.access_token == value:
                self._keep(None)
        return _core.forget_cached_token(value, profile)

    def renew(self, profile: Profile, refused: Token) -> Token:
        self.forget(profile, refused)
        return self.get(profile)

    async def get_async(self, profile: Profile, refresh: bool = False) -> Token:
        """``get`` without blocking the event loop: a miss waits and mints in a worker thread.

        The coroutines of one loop queue on an async lock, so one thread mints for all of them
        and the others take its token from memory. A cancelled call returns at once; its mint
        goes on for the others (see ``in_thread``).
        """
        token = None if refresh else self.fresh()
        if token is not None:
            return token
        asked_at = time.time()  # before the gate: coroutines queued on it share a failure too
        async with self._async_gate():
            token = None if refresh else self.fresh()
            if token is None:
                token = await in_thread(self.get, profile, refresh, asked_at)
        return token

    async def renew_async(self, profile: Profile, refused: Token) -> Token:
        await in_thread(self.forget, profile, refused)  # it reads and deletes the cache file
        return await self.get_async(profile)

    def _async_gate(self) -> anyio.Lock:
        # An async lock belongs to one event loop: make a new one when another loop asks.
        import anyio

        loop = _running_loop()
        gate = self._gate
        if gate is None or gate[0] is not loop:
            gate = self._gate = (loop, anyio.Lock())
        return gate[1]


async def in_thread(function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` in a worker thread; a cancellation ends the wait at once.

    A thread cannot be stopped: a cancelled caller leaves it running to its end, bounded by
    its own deadlines (keyring 20 s, request 30 s), and the others waiting for the same mint
    (the holder's thread lock) still get its outcome. anyio then drops that outcome unseen, so
    a failure nobody awaits is never reported as "exception was never retrieved".
    """
    from anyio import to_thread

    return await to_thread.run_sync(function, *args, abandon_on_cancel=True)


def _running_loop() -> object:
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # not asyncio: anyio's other backend, trio, knows its loop
        from anyio.lowlevel import current_token

        token = current_token()
        return getattr(token, "native_token", token)  # anyio 4.11+ wraps the loop's own token


_holders: dict[tuple[object, ...], TokenHolder] = {}
_holders_lock = allocate_lock()


def holder_for(profile: Profile) -> TokenHolder:
    """The process's holder for ``profile``; profiles of other names, accounts, login services,
    config folders or refresh margins never share one."""
    key = (cache._path(profile), profile.client_id, profile.token_endpoint, profile.refresh_margin)
    holder = _holders.get(key)
    if holder is None:
        with _holders_lock:
            holder = _holders.setdefault(key, TokenHolder(profile.refresh_margin))
    return holder


async def get_token_async(profile: str | Profile | None = None, *, refresh: bool = False) -> Token:
    """``get_token`` for async code (asyncio or trio): it never blocks the event loop.

    The token is kept in memory until it is due for renewal, so a hit costs no file read;
    concurrent calls share one mint. Resolving a profile name reads the config file in a worker
    thread: pass a ``Profile`` (from ``load_profile``) to skip it.
    """
    chosen = profile if isinstance(profile, Profile) else await in_thread(load_profile, profile)
    return await holder_for(chosen).get_async(chosen, refresh)


def forget_token(token: Token | str, profile: str | Profile | None = None) -> bool:
    """Drop a token a server refused, from memory and from the cache; True if the cache held it.

    Only a match is dropped, so a stale refusal never throws away a newer token that another
    thread or process has minted meanwhile.
    """
    chosen = load_profile(profile)
    return holder_for(chosen).forget(chosen, token)
