"""The user's global git config as setup-git changes it: ``git config --global``, one call a
line, and the file's bytes kept before a change so that a failed one can be put back.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess

from credhelper import ConfigError
from credhelper.commands import shown

OURS = "^(amplify( .*)?)?$"  # our values, "amplify ..." and the empty reset (git takes an ERE)
GIT_TIMEOUT = 30


class GlobalGitConfig:
    """The user's global git config, through ``git config --global``: the one place here that
    runs git (unit tests pass a fake instead; the integration tests run the real git)."""

    def helper_entries(self) -> list[tuple[str, str]]:
        """Every credential helper line, in file order, as (key, value)."""
        found = self._git("--null", "--get-regexp", r"^credential\..*helper$", ok=(0, 1))
        pairs = (entry.partition("\n") for entry in found.split("\0") if entry)
        return [(key, value) for key, _, value in pairs]

    def add(self, key: str, value: str) -> None:
        self._git("--add", key, value)

    def remove_ours(self, key: str) -> None:
        self._git("--unset-all", key, OURS, ok=(0, 5))  # 5: there was nothing to remove

    def snapshot(self) -> tuple[str, bytes | None] | None:
        """The global config file's path and bytes (None: no file), to put back on failure;
        None if it cannot be read (a folder: git cannot write it either)."""
        path = _global_config_path()
        try:
            with open(path, "rb") as handle:
                return path, handle.read()
        except FileNotFoundError:
            return path, None
        except OSError:
            return None

    def restore(self, saved: object) -> None:
        """Put the file back as ``snapshot`` found it, atomically and keeping its mode."""
        if not isinstance(saved, tuple):
            return  # None: the file could not be read, so git could not have changed it
        path: str = saved[0]
        data: bytes | None = saved[1]
        target = os.path.realpath(path)  # git writes through a symlinked ~/.gitconfig too
        if data is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
            return
        tmp = f"{target}.amplify-undo"
        with open(tmp, "wb") as handle:
            with contextlib.suppress(FileNotFoundError):
                os.fchmod(handle.fileno(), stat.S_IMODE(os.stat(target).st_mode))
            handle.write(data)
        os.replace(tmp, target)

    def _git(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        """The output of ``git config --global ARGS``; ConfigError unless its exit code is ok."""
        try:
            child = subprocess.Popen(["git", "config", "--global", *args], text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        except FileNotFoundError as exc:
            raise ConfigError("git is not installed (or not on PATH)") from exc
        out, err = _finish(child)
        if child.returncode not in ok:
            raise ConfigError(f"git config failed: {_one_line(err) or child.returncode}")
        return out


def _finish(child: subprocess.Popen[str]) -> tuple[str, str]:
    """The child's output once it ends. Interrupted (a signal, Ctrl-C), we still wait for it:
    the undo must not run while git writes, nor git write after we are gone. Only a git past
    GIT_TIMEOUT is killed."""
    try:
        return child.communicate(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        child.kill()
        child.wait()
        raise ConfigError(f"git config did not finish within {GIT_TIMEOUT} s") from exc
    except BaseException:
        while child.poll() is None:
            with contextlib.suppress(BaseException):  # a second Ctrl-C: still wait
                child.wait()
        raise


def _global_config_path() -> str:
    """The file ``git config --global`` writes (git-config(1), FILES): $GIT_CONFIG_GLOBAL, else
    ~/.gitconfig, or $XDG_CONFIG_HOME/git/config when only that one exists."""
    named = os.environ.get("GIT_CONFIG_GLOBAL")
    if named:
        return os.path.expanduser(named)
    home = os.path.expanduser("~/.gitconfig")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    other = os.path.join(xdg, "git", "config")
    return other if not os.path.lexists(home) and os.path.lexists(other) else home


def _one_line(said: str) -> str:
    """git's lines as one (a folder at ~/.gitconfig gives the same warning twice, then a fatal
    line): each once, without its "warning:"/"fatal:" label, joined by "; "."""
    lines: list[str] = []
    for line in said.splitlines():
        text = line.partition(": ")[2] if line.split(":")[0] in _LABELS else line
        if text.strip() and text.strip() not in lines:
            lines.append(text.strip())
    return shown("; ".join(lines), 300, quoted=False) if lines else ""


_LABELS = ("warning", "error", "fatal", "hint")
