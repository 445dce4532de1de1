"""setup-git and setup-docker are all or nothing: a signal at any step of their change (the
profile's settings, each git config call, each write of a file) leaves every file as it was,
says one line and exits 128+N. The signal is sent by the step itself, before or after it."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import pytest
from conftest import CliResult, login_argv
from git_credential_amplify.configure import SetupGit
from support.fake_git_config import FakeGitConfig

from credhelper.cli import dispatch as cli

STOPPED = "amplify-credhelper: SIGTERM received: nothing was changed\n"
TERM_EXIT = 128 + signal.SIGTERM
HOST = "h2.example.com"
REG = "docker.repository.axway.com"


class Steps:
    """Counts the calls of the wrapped functions; the k-th sends SIGTERM to this process,
    before or after it does its work."""

    def __init__(self, k: int, after: bool) -> None:
        self.k, self.after, self.count = k, after, 0

    def wrap(self, target: object, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        real = getattr(target, name)

        def step(*args: object, **kwargs: object) -> object:
            mine, self.count = self.count, self.count + 1
            if mine == self.k and not self.after:
                os.kill(os.getpid(), signal.SIGTERM)
            done = real(*args, **kwargs)
            if mine == self.k and self.after:
                os.kill(os.getpid(), signal.SIGTERM)
            return done

        monkeypatch.setattr(target, name, step)


@pytest.fixture(autouse=True)
def default_sigterm():
    """SIGTERM at its default, as for a user's run (the code before the fix dies of it)."""
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGTERM, previous)


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file and its bytes, but the lock files' (their holder's pid and count)."""
    files = (p for p in sorted(folder.rglob("*")) if p.is_file())
    return {str(p): b"" if p.suffix == ".lock" else p.read_bytes() for p in files}


def interrupt_each_step(home: Path, run: object, wrap: object) -> CliResult:
    """Run ``run`` with a signal at step 0, 1, ... (before, then after it) until a run ends
    before its step k; each interrupted run must leave every file (and the fake git config,
    which ``wrap`` adds to the state) exactly as before. The completed run's result."""
    for k in range(100):
        for after in (False, True):
            with pytest.MonkeyPatch.context() as patch:
                steps = Steps(k, after)
                state = wrap(steps, patch)
                before = files_under(home), state()
                result = run()
                if steps.count <= k:  # no step k: the run went through
                    assert result.code == 0, result
                    return result
            assert (result.code, result.err, result.out) == (TERM_EXIT, STOPPED, ""), (k, after)
            now = files_under(home), state()
            assert now == before, (k, after, set(now[0].items()) ^ set(before[0].items()))
    raise AssertionError("never completed")


def test_setup_git_interrupted_at_any_step_changes_nothing(home, endpoint, memory_keyring) -> None:
    git = FakeGitConfig([("credential.helper", "store")])
    command = SetupGit(git=git, which=lambda name: f"/bin/{name}")

    def run(*argv: str, stdin: str = "") -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = cli.run(list(argv), io.StringIO(stdin), out, err, integrations=[command])
        return CliResult(code, out.getvalue(), err.getvalue())

    assert run(*login_argv(endpoint, "--git-host", "h1.example.com"), stdin="test-secret").code == 0

    def wrap(steps: Steps, patch: pytest.MonkeyPatch) -> object:
        for name in ("add", "remove_ours"):
            steps.wrap(git, name, patch)
        for name in ("replace", "fsync"):  # the core's writes of the profile's hosts
            steps.wrap(os, name, patch)
        return lambda: list(git.entries)

    done = interrupt_each_step(home, lambda: run("setup-git", HOST), wrap)
    assert done.out == f"git gets tokens of profile 'default' for https://{HOST}\n"
    assert git.values(f"credential.https://{HOST}.helper") == ["", "amplify --profile default"]


def test_setup_docker_interrupted_at_any_step_changes_nothing(
    home, logged_in, run_cli, monkeypatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(home / "docker"))
    (home / "docker").mkdir()
    (home / "docker" / "config.json").write_text('{"auths": {}, "credsStore": "desktop"}\n')
    login = ("login", "--profile", "other", "--client-id", "test-client", "--base-url",
             logged_in.base_url, "--secret-stdin")  # fmt: skip
    assert run_cli(*login, stdin="test-secret\n").code == 0
    assert run_cli("setup-docker", "--profile", "other", REG).code == 0  # to be moved

    def wrap(steps: Steps, patch: pytest.MonkeyPatch) -> object:
        for name in ("replace", "fsync", "unlink"):  # every write of a file, and the renames
            steps.wrap(os, name, patch)
        return lambda: None

    run = lambda: run_cli("setup-docker", "--profile", "default", REG, "h.example.com")  # noqa: E731
    done = interrupt_each_step(home, run, wrap)
    assert "served by profile 'default' (moved from profile 'other')" in done.out


def test_a_signal_while_the_real_git_runs_waits_for_it_then_puts_the_file_back(
    home, logged_in, tmp_path, monkeypatch
) -> None:
    import shutil

    from support import signalling_git
    from support.require import need

    real = shutil.which("git")
    need(real is not None, "git")
    gitconfig = home / "home" / ".gitconfig"
    gitconfig.parent.mkdir(parents=True, exist_ok=True)
    gitconfig.write_text("[credential]\n\thelper = store\n")
    bin_dir = tmp_path / "bin"
    signalling_git.install(bin_dir, real)  # its K-th run signals us, then writes all the same
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("COUNT", str(tmp_path / "count"))
    command = SetupGit(which=lambda name: f"/bin/{name}")
    for k in range(3):  # --unset-all, --add "", --add "amplify ..."
        monkeypatch.setenv("K", str(k))
        (tmp_path / "count").unlink(missing_ok=True)
        out, err = io.StringIO(), io.StringIO()
        code = cli.run(["setup-git", "git.example.com"], io.StringIO(), out, err,
                       integrations=[command])  # fmt: skip
        assert (code, err.getvalue(), out.getvalue()) == (TERM_EXIT, STOPPED, ""), k
        assert gitconfig.read_text() == "[credential]\n\thelper = store\n", k
        assert sorted(os.listdir(gitconfig.parent)) == [".gitconfig"], k  # no config.lock
