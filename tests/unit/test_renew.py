"""`exec --renew`'s renewal schedule, on a clock of our own: when it renews, how it backs off,
when the token files go and come back. tests/integration/test_exec_renew.py runs it for real."""

from __future__ import annotations

import io
import os
import signal
import time as real_time

import pytest

from credhelper import LoginServiceError, Token
from credhelper.cli import _renew
from credhelper.profiles._validate import make_profile

PROFILE = make_profile(name="p", client_id="c", refresh_margin=300)
START = 1_800_000_000.0


class Clock:
    """Stands in for the time module: now is what the test says."""

    def __init__(self) -> None:
        self.now = START

    def time(self) -> float:
        return self.now

    localtime, strftime = staticmethod(real_time.localtime), staticmethod(real_time.strftime)


class LoginService:
    """Answers get_token: a new token each time, or the failure it is told to give."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self.failing, self.calls = clock, False, 0

    def get_token(self, profile: object, *, refresh: bool = False) -> Token:
        self.calls += 1
        if self.failing:
            raise LoginServiceError("the login service answered HTTP 503")
        now = self.clock.now
        return Token(access_token=f"t{self.calls}", expires_at=now + 1800, issued_at=now)


@pytest.fixture
def clock(monkeypatch) -> Clock:  # replaces conftest's clock: this one drives _renew
    fake = Clock()
    monkeypatch.setattr(_renew, "time", fake)
    return fake


@pytest.fixture
def service(monkeypatch, clock) -> LoginService:
    fake = LoginService(clock)
    monkeypatch.setattr(_renew._core, "get_token", fake.get_token)
    return fake


@pytest.fixture
def renewer(tmp_path, clock) -> _renew.Renewer:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    files = _renew.TokenFiles(str(folder))
    first = Token(access_token="t0", expires_at=START + 1800, issued_at=START)
    files.write(first)
    return _renew.Renewer(PROFILE, first, files, io.StringIO())


def read(path: str) -> str | None:
    try:
        with open(path) as file:
            return file.read()
    except FileNotFoundError:
        return None


def test_renewal_is_due_the_refresh_margin_before_expiry(renewer, service, clock) -> None:
    assert renewer.due == START + 1500
    clock.now = renewer.due
    renewer.renew()
    assert (read(renewer.files.token_path), renewer.due) == ("t1", START + 1500 + 1500)
    assert read(renewer.files.header_path) == "Authorization: Bearer t1\n"  # no org: one line


def test_failures_back_off_keep_the_token_then_remove_the_files_at_expiry(
    renewer, service, clock
) -> None:
    service.failing = True
    waits = []
    for _ in range(12):
        clock.now = renewer.due
        renewer.renew()
        waits.append(renewer.due - clock.now)
        expired = clock.now >= START + 1800
        assert read(renewer.files.token_path) == (None if expired else "t0")
    # From 1500 s: 1, 2, 4 ... s, at most 60; cut to 57 s to retry at the expiry (1800 s).
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60, 57, 60, 60]
    assert clock.now - START == 1800 + 60
    err = renewer._err.getvalue().splitlines()
    assert len(err) == 2  # one line for the run of failures, one when the files went
    assert err[0].startswith("amplify-credhelper exec: renewing the token failed (the login ")
    assert "removed until a renewal succeeds" in err[1]
    service.failing = False
    clock.now = renewer.due
    renewer.renew()
    assert read(renewer.files.token_path) not in (None, "t0")
    assert renewer._err.getvalue().splitlines()[2:] == [
        "amplify-credhelper exec: renewed the token: the token files are back"
    ]


@pytest.mark.parametrize(("returncode", "status"), [(0, 0), (3, 3), (-15, 143), (-9, 137)])
def test_exit_status_is_the_shells(returncode: int, status: int) -> None:
    assert _renew._exit_status(returncode) == status


def test_the_folder_and_its_files_are_private(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    files = _renew.TokenFiles.create()
    files.write(Token(access_token="abc", expires_at=START, org_id="7"))
    modes = [
        os.stat(p).st_mode & 0o777 for p in (files.folder, files.token_path, files.header_path)
    ]
    assert (os.path.dirname(files.folder), modes) == (str(tmp_path), [0o700, 0o600, 0o600])
    files.remove()
    assert os.listdir(tmp_path) == []


class FullDisk(_renew.TokenFiles):
    def write(self, token: Token) -> None:
        raise OSError(28, "No space left on device")


def test_a_file_that_cannot_be_written_is_a_failed_renewal_not_the_end(
    tmp_path, service, clock
) -> None:
    first = Token(access_token="t0", expires_at=START + 1800, issued_at=START)
    renewer = _renew.Renewer(PROFILE, first, FullDisk(str(tmp_path)), io.StringIO())
    clock.now = renewer.due
    renewer.renew()  # raises nothing: CMD goes on
    assert (renewer.token, renewer.due) == (first, clock.now + 1)
    assert "failed ([Errno 28] No space left on device): " in renewer._err.getvalue()


@pytest.mark.parametrize("signum", [15, 1])  # SIGTERM, SIGHUP: a CI job cancelled at its start
def test_a_signal_before_cmd_starts_leaves_no_files_and_runs_no_cmd(
    tmp_path, monkeypatch, signum
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "run").mkdir()
    written = _renew.TokenFiles.write

    def write_then_signalled(files: _renew.TokenFiles, token: Token) -> None:
        written(files, token)
        os.kill(os.getpid(), signum)  # while the token is on disk and CMD not yet started

    monkeypatch.setattr(_renew.TokenFiles, "write", write_then_signalled)
    ran = tmp_path / "ran"
    token = Token(access_token="abc", expires_at=real_time.time() + 1800, org_id="7")
    argv = ["sh", "-c", f"touch {ran}"]
    status = _renew.run_renewing(PROFILE, token, argv, dict(os.environ), io.StringIO())
    assert (status, os.listdir(tmp_path / "run"), ran.exists()) == (128 + signum, [], False)


def test_an_unforeseen_error_is_a_failed_renewal_named_by_its_type_alone(
    renewer, service, clock, monkeypatch
) -> None:
    def broken(profile: object, *, refresh: bool = False) -> Token:
        raise KeyError("test-secret")  # a defect of ours, whose text might hold anything

    monkeypatch.setattr(_renew._core, "get_token", broken)
    clock.now = renewer.due
    renewer.renew()  # raises nothing: CMD goes on, and so do the retries
    assert (read(renewer.files.token_path), renewer.due) == ("t0", clock.now + 1)
    err = renewer._err.getvalue()
    assert err.startswith("amplify-credhelper exec: renewing the token failed (internal error: "
                          "KeyError): ")  # fmt: skip
    assert "test-secret" not in err and len(err.splitlines()) == 1


def test_a_renewal_that_lands_after_the_files_are_removed_writes_nothing(tmp_path) -> None:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    files = _renew.TokenFiles(str(folder))
    files.remove()  # CMD has ended; the renewal thread's mint comes back only now
    files.write(Token(access_token="late", expires_at=START + 1800, issued_at=START))
    assert not folder.exists()


def test_the_renewal_thread_blocks_the_forwarded_signals(tmp_path, monkeypatch) -> None:
    class Recording:
        def __init__(self) -> None:
            self.due, self.masks = 0.0, []  # due at once
            self.token = Token(access_token="t", expires_at=real_time.time() + 3600)

        def renew(self) -> None:
            self.masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, []))
            self.due = real_time.time() + 3600

    monkeypatch.setattr(_renew, "time", real_time)
    renewer = Recording()
    with _renew._Renewing(renewer) as renewing:  # type: ignore[arg-type]
        end = real_time.monotonic() + 10
        while not renewer.masks and real_time.monotonic() < end:
            real_time.sleep(0.01)
    renewing._thread.join(10)
    assert not renewing._thread.is_alive()  # leaving stopped it
    forwarded = {getattr(signal, name) for name in _renew.FORWARDED}
    assert forwarded | {signal.SIGALRM, signal.SIGRTMIN + 2} <= set(renewer.masks[0])
    assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # ours: as it was


def _refused(*_args: object, **_kwargs: object) -> None:
    raise OSError(30, "Read-only file system")


@pytest.mark.parametrize("step", ["folder", "files"])
def test_token_files_that_cannot_be_written_are_ours_to_report_not_cmds(
    tmp_path, monkeypatch, step
) -> None:
    import tempfile

    from credhelper.errors import ConfigError

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    if step == "folder":  # a read-only runtime folder: the folder cannot be made
        monkeypatch.setattr(tempfile, "mkdtemp", _refused)
    else:  # a full one: the folder is made, its files cannot be written
        monkeypatch.setattr(_renew._files, "write_private", _refused)
    ran = tmp_path / "ran"
    token = Token(access_token="abc", expires_at=real_time.time() + 1800, org_id="7")
    with pytest.raises(ConfigError) as caught:
        _renew.run_renewing(PROFILE, token, ["touch", str(ran)], dict(os.environ), io.StringIO())
    where = str(tmp_path) if step == "folder" else f"{tmp_path}{os.sep}{_renew.PROG}-"
    assert str(caught.value).startswith(f"cannot write the token files in {where}")
    assert str(caught.value).endswith(": Read-only file system") and caught.value.exit_code == 1
    assert (ran.exists(), os.listdir(tmp_path)) == (False, [])


def test_every_signal_that_would_end_us_is_passed_on_unless_ignored(monkeypatch) -> None:
    monkeypatch.setattr(signal, "getsignal", lambda n: signal.SIG_IGN if n == signal.SIGPROF
                        else signal.SIG_DFL)  # fmt: skip
    numbers = set(_renew._forwarded_numbers())
    named = {getattr(signal, name) for name in _renew.FORWARDED}
    assert named | {signal.SIGALRM, signal.SIGXCPU, signal.SIGRTMIN + 2} <= numbers
    assert signal.SIGPROF not in numbers  # ignored when we start: left ignored, for CMD too
    assert signal.SIGKILL not in numbers and signal.SIGSEGV not in numbers


def test_the_files_go_at_expiry_while_a_renewal_still_waits(renewer, service, clock) -> None:
    clock.now = START + 1800  # the renewal due at 1500 s has not come back yet
    renewer._under_way = True
    renewer.withdraw_if_expired()
    renewer.withdraw_if_expired()  # once is enough: one line
    renewer._under_way = False
    assert read(renewer.files.token_path) is None and read(renewer.files.header_path) is None
    assert renewer._err.getvalue().splitlines() == [
        "amplify-credhelper exec: the token has expired while its renewal is still under way: "
        "the token files are removed until a renewal succeeds; retrying"
    ]
    service.failing = True
    renewer.renew()  # the waiting renewal fails at last: the files stay removed
    assert renewer._err.getvalue().splitlines()[1] == (
        "amplify-credhelper exec: renewing the token failed (the login service answered HTTP "
        "503): the token files stay removed; retrying"
    )
    service.failing = False
    clock.now = renewer.due
    renewer.renew()
    assert read(renewer.files.token_path) not in (None, "t0")
    assert renewer._err.getvalue().splitlines()[2:] == [
        "amplify-credhelper exec: renewed the token: the token files are back"
    ]


def test_the_watch_leaves_a_fresh_token_and_a_renewal_not_under_way(renewer, clock) -> None:
    renewer._under_way = True
    clock.now = START + 1799
    renewer.withdraw_if_expired()
    renewer._under_way = False
    clock.now = START + 1800  # the renewal thread's own retry at the expiry removes them
    renewer.withdraw_if_expired()
    assert read(renewer.files.token_path) == "t0" and renewer._err.getvalue() == ""
