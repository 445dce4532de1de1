"""``exec --renew -- CMD``: CMD runs as our child, and two files keep a fresh token for it.

A running program's environment cannot change, so a job that outlives a token (Amplify's live
30 minutes) reads the token from a file instead, whenever it needs one:

- ``AMPLIFY_TOKEN_FILE``: the access token alone, no line break;
- ``AMPLIFY_HEADER_FILE``: ``Authorization: Bearer ...`` and ``X-Axway-Tenant-Id: ...``, one a
  line, the form curl reads with ``-H @FILE``.

Both are mode 0600 in a folder of ours, mode 0700, made fresh for this run (in
$XDG_RUNTIME_DIR when there is one: memory only, cleared at logout). Each is replaced atomically
(a rename) when the token is due for renewal, the profile's refresh margin before it expires, so
the files always hold a token with at least that long to live. They go when CMD ends, however
it ends: our SIGINT, SIGTERM or SIGHUP is passed on to CMD, and we clean up once it has gone.

A renewal that fails keeps the current token in the files and is tried again after 1, 2, 4 ...
seconds (at most 60), with one line on stderr for each run of failures. Once the token has
expired the files are removed, with one more line (a reader then fails plainly, "no such file",
rather than sending a dead token and being told 401); retries go on, and a later success
writes the files again and says so. CMD is never stopped by us: what to do is its call.

Renewals run in a thread of their own, and CMD's end ends us at once: a renewal still under way
then (a login service slow to answer, another process's mint to wait for) is abandoned, and its
token, if one comes, reaches no file. That thread blocks the forwarded signals, so they always
reach the main thread, which waits for CMD and passes them on as they come.

We stay CMD's parent, so we pass on what a parent must: the signals (SIGINT, SIGTERM, SIGHUP,
SIGQUIT, SIGUSR1, SIGUSR2) and CMD's exit status, 128+N when a signal N killed it, as shells
report it. SIGINT and SIGQUIT that come from the terminal (Ctrl-C, Ctrl-\\) reach CMD directly,
since it is in our process group: those are not sent a second time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

from .. import _files
from ..errors import PROG, ConfigError, CredhelperError
from ..tokens import _core
from ..tokens.token import header_lines

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import FrameType
    from typing import IO

    from ..profiles.profile import Profile
    from ..tokens.token import Token

# Passed on to CMD whatever their disposition when we start (a shell's job control sends them);
# every other signal that would end us (SIGALRM, SIGXCPU, the real-time ones...: _signals) is
# passed on too, unless it is ignored, so that none ends us with the token files on disk.
FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")
_TERMINAL_SIGNALS = ("SIGINT", "SIGQUIT")  # the ones a terminal sends to its whole foreground
FIRST_RETRY = 1.0  # seconds after a failed renewal; doubled each time, up to MAX_RETRY
MAX_RETRY = 60.0


class TokenFiles:
    """The private folder and its two files."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.token_path = os.path.join(folder, "token")
        self.header_path = os.path.join(folder, "headers")
        # The renewal thread writes while the main thread may be removing: once removed, the
        # files stay removed, and a write under way ends before the folder goes.
        self._lock = threading.Lock()
        self._removed = False

    @classmethod
    def create(cls) -> TokenFiles:
        import tempfile

        # mkdtemp makes the folder 0700, under a name no one else can have taken.
        where = os.environ.get("XDG_RUNTIME_DIR") or None
        if where is not None and not os.path.isdir(where):
            where = None
        try:
            return cls(tempfile.mkdtemp(prefix=f"{PROG}-", dir=where))
        except OSError as exc:  # a read-only or full runtime folder: ours to report, not CMD's
            raise _cannot_write(where or tempfile.gettempdir(), exc) from exc

    def fill(self, token: Token) -> None:
        """The first ``write``, before CMD starts: a failure ends ``exec``, in one line that
        names the folder (later ones are failed renewals, and CMD goes on)."""
        try:
            self.write(token)
        except OSError as exc:
            raise _cannot_write(self.folder, exc) from exc

    def environment(self) -> dict[str, str]:
        return {"AMPLIFY_TOKEN_FILE": self.token_path, "AMPLIFY_HEADER_FILE": self.header_path}

    def write(self, token: Token) -> None:
        with self._lock:
            if not self._removed:
                _files.write_private(self.token_path, token.access_token.encode())
                _files.write_private(self.header_path, header_lines(token).encode())

    def withdraw(self) -> None:
        with self._lock:
            _files.remove(self.token_path)
            _files.remove(self.header_path)

    def remove(self) -> None:
        import shutil  # a temporary file a killed write left behind goes too

        with self._lock:
            self._removed = True
            shutil.rmtree(self.folder, ignore_errors=True)


def _cannot_write(folder: str, exc: OSError) -> ConfigError:
    return ConfigError(f"cannot write the token files in {folder}: {exc.strerror or exc}")


class Renewer:
    """Keeps ``files`` holding a fresh token of ``profile``; ``due`` says when to act next."""

    def __init__(self, profile: Profile, token: Token, files: TokenFiles, err: IO[str]) -> None:
        self.profile, self.token, self.files, self._err = profile, token, files, err
        self._retry = 0.0  # the wait after the last failure; 0: the last attempt succeeded
        self._withdrawn = False  # whether the files are removed, their token having expired
        self.due = token.renew_at(profile.refresh_margin)
        # The renewal thread and the expiry watch (``withdraw_if_expired``) both change state.
        self._lock = threading.Lock()
        self._under_way = False  # a renewal begun before the expiry is still waiting

    def renew(self) -> None:
        with self._lock:
            if self._retry and self.token.expires_at <= time.time() and not self._withdrawn:
                # Retried at the expiry after failures: the files go before we ask again.
                self._withdraw("the token has expired and renewing it still fails")
            self._under_way = time.time() < self.token.expires_at  # the watch's to handle
        try:
            self._renew()
        finally:
            self._under_way = False

    def _renew(self) -> None:
        try:
            token = _core.get_token(self.profile)
            if token.access_token == self.token.access_token:  # our clock ran a hair early
                token = _core.get_token(self.profile, refresh=True)
            self.files.write(token)
        except (CredhelperError, OSError) as exc:  # OSError: a full disk; CMD must go on
            self._failed(str(exc))
            return
        except Exception as exc:  # noqa: BLE001  (a defect of ours; its text may hold anything)
            self._failed(f"internal error: {type(exc).__name__}")
            return
        with self._lock:
            if self._withdrawn:
                self._say("renewed the token: the token files are back")
            self.token, self._retry, self._withdrawn = token, 0.0, False
            self.due = token.renew_at(self.profile.refresh_margin)

    def withdraw_if_expired(self) -> None:
        """Remove the files once their token has expired, even while a renewal still waits on
        the login service (up to its 30 s deadline): never a dead token in them."""
        with self._lock:  # between renewals, the renewal itself removes them at the expiry
            if self._under_way and self.token.expires_at <= time.time() and not self._withdrawn:
                self._withdraw("the token has expired while its renewal is still under way")

    def _failed(self, why: str) -> None:
        with self._lock:
            now = time.time()
            expired = self.token.expires_at <= now
            if not self._retry:
                self._say(f"renewing the token failed ({why}): " + self._what_files_hold())
            if expired and not self._withdrawn:
                self._withdraw("the token has expired and renewing it still fails")
            self._retry = min(MAX_RETRY, self._retry * 2 or FIRST_RETRY)
            # Retry at the moment of expiry too, so the files go as soon as their token is dead.
            retry_at = now + self._retry
            self.due = retry_at if expired else min(retry_at, self.token.expires_at)

    def _what_files_hold(self) -> str:
        if self._withdrawn:
            return "the token files stay removed; retrying"
        until = time.strftime("%H:%M:%S", time.localtime(self.token.expires_at))
        return f"the token files keep the current one, valid until {until}; retrying"

    def _withdraw(self, reason: str) -> None:
        self.files.withdraw()
        self._withdrawn = True
        self._say(f"{reason}: the token files are removed until a renewal succeeds; retrying")

    def _say(self, text: str) -> None:
        self._err.write(f"{PROG} exec: {text}\n")
        self._err.flush()


def run_renewing(
    profile: Profile, token: Token, argv: list[str], environ: Mapping[str, str], err: IO[str]
) -> int:
    """Run ``argv`` as our child with ``environ`` and the token files; CMD's exit status.
    Raises ConfigError when the token files cannot be written (CMD is not started), OSError
    when CMD cannot be started (the files are gone by then)."""
    # Signals are caught before the files exist: none may end us while they are on disk.
    with _Forwarding() as forwarding:
        files = TokenFiles.create()
        try:
            files.fill(token)
            renewer = Renewer(profile, token, files, err)
            if forwarding.pending:  # one came before CMD started: end as it would have ended us
                return 128 + forwarding.pending[0]
            child = subprocess.Popen(argv, env={**environ, **files.environment()})  # noqa: S603
            forwarding.to(child.pid)
            with _Renewing(renewer):
                return _exit_status(_wait(child))
        finally:
            files.remove()


# Where a thread can block signals, the main thread alone gets them, and may wait for CMD
# without a timeout: a signal interrupts the wait, its handler runs, and the wait goes on.
_MASKABLE = hasattr(signal, "pthread_sigmask")


def _wait(child: subprocess.Popen[bytes]) -> int:
    """``child``'s return code, once it has ended."""
    while True:
        try:  # without the mask, a short wait lets the main thread run a signal's handler
            return child.wait(timeout=None if _MASKABLE else 0.2)
        except subprocess.TimeoutExpired:
            continue


class _Renewing:
    """While active, a daemon thread renews whenever ``renewer`` is due. Leaving does not wait
    for a renewal under way: the process may end before it does, and nothing is lost (the
    token files are removed, the cache is written atomically or not at all)."""

    def __init__(self, renewer: Renewer) -> None:
        self._renewer = renewer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{PROG} renewal", daemon=True)
        # A renewal may wait on the login service past the token's expiry: a second thread
        # watches the expiry, so the files never hold a dead token meanwhile.
        self._watch = threading.Thread(target=self._watch_expiry, name=f"{PROG} expiry",
                                       daemon=True)  # fmt: skip

    def __enter__(self) -> _Renewing:
        self._thread.start()
        self._watch.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()

    def _run(self) -> None:
        _signals_to_the_main_thread()
        renewer = self._renewer
        while not self._stop.wait(max(0.0, renewer.due - time.time())):
            renewer.renew()

    def _watch_expiry(self) -> None:
        _signals_to_the_main_thread()
        renewer = self._renewer
        # Past the expiry (the files removed, or about to be), look again each second.
        while not self._stop.wait(max(1.0, renewer.token.expires_at - time.time())):
            renewer.withdraw_if_expired()


def _signals_to_the_main_thread() -> None:
    """Block in this thread (and the threads it starts: a bounded keyring read) every signal we
    may pass on, ignored ones included (blocking changes no disposition), so that the main
    thread, waiting for CMD, is the one that gets them."""
    if _MASKABLE:
        from .._signals import ending_signals

        named = {getattr(signal, name) for name in FORWARDED if hasattr(signal, name)}
        signal.pthread_sigmask(signal.SIG_BLOCK, named | ending_signals())


def _forwarded_numbers() -> list[int]:
    """FORWARDED, and the other ending signals not ignored now (before our handlers are set)."""
    from .._signals import ending_signals

    named = {getattr(signal, name) for name in FORWARDED if hasattr(signal, name)}
    others = {n for n in ending_signals() - named if signal.getsignal(n) == signal.SIG_DFL}
    return sorted(named | others)


def _exit_status(returncode: int) -> int:
    """A shell's way: a child killed by signal N (``returncode`` -N) exits 128+N."""
    return 128 - returncode if returncode < 0 else returncode


class _Forwarding:
    """While active, the FORWARDED signals we get go to the child (once it exists: until then
    they wait), instead of ending us before we can clean up."""

    def __init__(self) -> None:
        self._pid: int | None = None
        self._pending: list[int] = []
        self._previous: dict[int, object] = {}

    def __enter__(self) -> _Forwarding:
        for number in _forwarded_numbers():  # Windows lacks most of them
            self._previous[number] = signal.signal(number, self._received)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]

    @property
    def pending(self) -> list[int]:
        """The signals received while there was no child yet."""
        return self._pending

    def to(self, pid: int) -> None:
        self._pid = pid
        for number in self._pending:
            self._send(number)

    def _received(self, number: int, frame: FrameType | None) -> None:
        if self._pid is None:
            self._pending.append(number)
        elif not _came_from_terminal(number):
            self._send(number)

    def _send(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # it has just ended: the wait collects it
            os.kill(self._pid, number)  # type: ignore[arg-type]


def _came_from_terminal(number: int) -> bool:
    """Whether ``number`` is a signal the terminal sent our whole foreground process group
    (CMD included): SIGINT or SIGQUIT while our group is that terminal's foreground."""
    if number not in {getattr(signal, name, None) for name in _TERMINAL_SIGNALS}:
        return False
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            return os.tcgetpgrp(stream.fileno()) == os.getpgrp()
        except (OSError, ValueError, AttributeError):  # not a terminal, closed, or replaced
            continue
    return False
