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
import time

from .. import _files
from ..errors import PROG, CredhelperError
from ..tokens import _core
from ..tokens.token import header_lines

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import FrameType
    from typing import IO

    from ..profiles.profile import Profile
    from ..tokens.token import Token

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

    @classmethod
    def create(cls) -> TokenFiles:
        import tempfile

        # mkdtemp makes the folder 0700, under a name no one else can have taken.
        where = os.environ.get("XDG_RUNTIME_DIR") or None
        if where is not None and not os.path.isdir(where):
            where = None
        return cls(tempfile.mkdtemp(prefix=f"{PROG}-", dir=where))

    def environment(self) -> dict[str, str]:
        return {"AMPLIFY_TOKEN_FILE": self.token_path, "AMPLIFY_HEADER_FILE": self.header_path}

    def write(self, token: Token) -> None:
        _files.write_private(self.token_path, token.access_token.encode())
        _files.write_private(self.header_path, header_lines(token).encode())

    def withdraw(self) -> None:
        _files.remove(self.token_path)
        _files.remove(self.header_path)

    def remove(self) -> None:
        import shutil  # a temporary file a killed write left behind goes too

        shutil.rmtree(self.folder, ignore_errors=True)


class Renewer:
    """Keeps ``files`` holding a fresh token of ``profile``; ``due`` says when to act next."""

    def __init__(self, profile: Profile, token: Token, files: TokenFiles, err: IO[str]) -> None:
        self.profile, self.token, self.files, self._err = profile, token, files, err
        self._retry = 0.0  # the wait after the last failure; 0: the last attempt succeeded
        self._withdrawn = False  # whether the files are removed, their token having expired
        self.due = token.renew_at(profile.refresh_margin)

    def renew(self) -> None:
        try:
            token = _core.get_token(self.profile)
            if token.access_token == self.token.access_token:  # our clock ran a hair early
                token = _core.get_token(self.profile, refresh=True)
            self.files.write(token)
        except (CredhelperError, OSError) as exc:  # OSError: a full disk; CMD must go on
            self._failed(exc)
            return
        if self._withdrawn:
            self._say("renewed the token: the token files are back")
        self.token, self._retry, self._withdrawn = token, 0.0, False
        self.due = token.renew_at(self.profile.refresh_margin)

    def _failed(self, exc: Exception) -> None:
        now = time.time()
        expired = self.token.expires_at <= now
        if not self._retry:
            until = time.strftime("%H:%M:%S", time.localtime(self.token.expires_at))
            self._say(f"renewing the token failed ({exc}): the token files keep the current "
                      f"one, valid until {until}; retrying")  # fmt: skip
        if expired and not self._withdrawn:
            self.files.withdraw()
            self._withdrawn = True
            self._say("the token has expired and renewing it still fails: the token files are "
                      "removed until a renewal succeeds; retrying")  # fmt: skip
        self._retry = min(MAX_RETRY, self._retry * 2 or FIRST_RETRY)
        # Retry at the moment of expiry too, so the files go as soon as their token is dead.
        retry_at = now + self._retry
        self.due = retry_at if expired else min(retry_at, self.token.expires_at)

    def _say(self, text: str) -> None:
        self._err.write(f"{PROG} exec: {text}\n")
        self._err.flush()


def run_renewing(
    profile: Profile, token: Token, argv: list[str], environ: Mapping[str, str], err: IO[str]
) -> int:
    """Run ``argv`` as our child with ``environ`` and the token files; CMD's exit status.
    Raises OSError when CMD cannot be started (the files are gone by then)."""
    # Signals are caught before the files exist: none may end us while they are on disk.
    with _Forwarding() as forwarding:
        files = TokenFiles.create()
        try:
            files.write(token)
            renewer = Renewer(profile, token, files, err)
            if forwarding.pending:  # one came before CMD started: end as it would have ended us
                return 128 + forwarding.pending[0]
            child = subprocess.Popen(argv, env={**environ, **files.environment()})  # noqa: S603
            forwarding.to(child.pid)
            return _exit_status(_supervise(child, renewer))
        finally:
            files.remove()


def _supervise(child: subprocess.Popen[bytes], renewer: Renewer) -> int:
    """Wait for ``child``, renewing whenever ``renewer`` is due; its return code."""
    while True:
        try:
            return child.wait(timeout=max(0.0, renewer.due - time.time()))
        except subprocess.TimeoutExpired:
            renewer.renew()


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
        for name in FORWARDED:
            number = getattr(signal, name, None)  # Windows lacks most of them
            if number is not None:
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
    if signal.Signals(number).name not in _TERMINAL_SIGNALS:
        return False
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            return os.tcgetpgrp(stream.fileno()) == os.getpgrp()
        except (OSError, ValueError, AttributeError):  # not a terminal, closed, or replaced
            continue
    return False
