"""The signals that would end the process where it stands, and how a step that must finish or
be undone keeps them from doing so: ``signals_raise`` turns them into ``Terminated`` (a
SystemExit that ``reported`` tells in one line, exit 128+N) while the step runs.
``exec --renew`` passes the same ones on to its CMD (``ending_signals``).
"""

from __future__ import annotations

import contextlib

from .errors import Terminated

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# Signals whose default action ends the process at once (signal(7): "Term" and "Core") and
# that a handler can catch; SIGINT is an exception already. Left out: SIGPIPE, which Python
# ignores (a write fails instead), and the faults a bad instruction raises (SIGSEGV, SIGBUS,
# SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT), where a Python handler cannot run safely. Names a
# platform lacks are skipped (SIGPOLL is SIGIO on Linux; SIGEMT and SIGLOST are others').
_ENDING = (
    "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM", "SIGPROF",
    "SIGIO", "SIGPOLL", "SIGXCPU", "SIGXFSZ", "SIGPWR", "SIGSTKFLT", "SIGEMT", "SIGLOST",
)  # fmt: skip


def ending_signals() -> set[int]:
    """The numbers of ``_ENDING`` on this platform, and the real-time signals where it has them
    (SIGRTMIN to SIGRTMAX: all end the process by default)."""
    import signal

    numbers = {getattr(signal, name) for name in _ENDING if hasattr(signal, name)}
    if hasattr(signal, "SIGRTMIN") and hasattr(signal, "SIGRTMAX"):
        numbers.update(range(signal.SIGRTMIN, signal.SIGRTMAX + 1))
    return numbers & signal.valid_signals()


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """While a step that must be all or nothing runs (login's and logout's keyring and files,
    setup-git's and setup-docker's writes), the ending signals left at their default raise
    ``Terminated`` instead, so the undo runs; their handlers are put back after. Only
    the main thread may set handlers (a long-running program may log in from another: its
    signals stay as they are), and a handler the program chose (or SIG_IGN) is left alone."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = sorted(ending_signals())
    previous = {n: signal.getsignal(n) for n in numbers if signal.getsignal(n) == signal.SIG_DFL}
    for number in previous:
        signal.signal(number, _raise_once())
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _raise_once() -> Callable[[int, object], None]:
    """A handler raising ``Terminated`` for the first signal; later ones (during the undo it
    causes) are noted and dropped, so the undo finishes."""

    seen: list[int] = []

    def handler(number: int, _frame: object) -> None:
        seen.append(number)
        if len(seen) == 1:
            raise Terminated(signal_name(number), number)

    return handler


def signal_name(number: int) -> str:
    """The signal's name; a real-time one has none of its own but SIGRTMIN's and SIGRTMAX's."""
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return f"SIGRTMIN+{number - signal.SIGRTMIN}"
