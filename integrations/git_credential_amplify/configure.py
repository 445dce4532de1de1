"""``amplify-credhelper setup-git``: the git config lines that send git to this helper, and the
``login`` options that set a profile's git settings (``--git-host``, ``--username``).

For each host it writes two lines into the user's global git config::

    [credential "https://git.example.com"]
        helper =
        helper = amplify --profile ci

The empty value first empties git's helper list for that URL (gitcredentials(7)), so a
``credential.helper = store`` set before it never receives the token, nor writes it to disk.
git applies helper lines in file order, so each run removes ours and adds them again, last.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings

from credhelper import ConfigError, config_lock, load_profile
from credhelper.commands import PROG, Command, shown

from . import settings
from .hostrule import git_urls, normalise

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Mapping
    from typing import Protocol

    from credhelper import Profile
    from credhelper.commands import CommandParser, Streams

    class GitConfig(Protocol):
        """What setup-git needs of the global git config (``GlobalGitConfig``, or a fake)."""

        def helper_entries(self) -> list[tuple[str, str]]: ...
        def add(self, key: str, value: str) -> None: ...
        def remove_ours(self, key: str) -> None: ...


HELPER = "amplify"
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

    def _git(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        """The output of ``git config --global ARGS``; ConfigError unless its exit code is ok."""
        try:
            done = subprocess.run(["git", "config", "--global", *args], capture_output=True,
                                  text=True, timeout=GIT_TIMEOUT, check=False)  # fmt: skip
        except FileNotFoundError as exc:
            raise ConfigError("git is not installed (or not on PATH)") from exc
        except subprocess.TimeoutExpired as exc:
            raise ConfigError(f"git config did not finish within {GIT_TIMEOUT} s") from exc
        if done.returncode not in ok:
            raise ConfigError(f"git config failed: {_one_line(done.stderr) or done.returncode}")
        return done.stdout


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


class SetupGit(Command):
    name = "setup-git"
    help = "make git ask amplify-credhelper for tokens for some hosts (global git config)"
    description = (
        "Make git ask amplify-credhelper for tokens for these hosts, in your global git config. "
        "Without HOST: the hosts the profile lists (login --git-host)."
    )

    def __init__(
        self, git: GitConfig | None = None, which: Callable[[str], str | None] = shutil.which
    ) -> None:
        self._git = GlobalGitConfig() if git is None else git
        self._which = which

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "hosts",
            nargs="*",
            metavar="HOST",
            help="git.example.com, *.example.com, host:port or https://host for https; "
            "http://127.0.0.1:PORT for a local plain-http server (git's own URL forms: no path)",
        )
        parser.add_argument(
            "--unset", action="store_true", help="remove the lines (all, without HOST)"
        )

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        # git refuses a second writer of its config (config.lock) instead of waiting: our
        # runs take turns, so two setup-git at once both succeed.
        with config_lock():
            return self._run(args, io)

    def _run(self, args: argparse.Namespace, io: Streams) -> int:
        if args.unset:
            return self._unset(_urls(args.hosts) or self._configured_urls(), io)
        profile = load_profile(args.profile)
        if profile.from_environment:
            raise ConfigError("setup-git needs a stored profile: name one with --profile")
        hosts = args.hosts or settings.hosts(profile)
        if not hosts:
            raise ConfigError(f"no host given, and profile {profile.name!r} lists none: name one")
        helper = f"{HELPER} --profile {profile.name}"  # profile names are shell-safe words
        for url in _urls(hosts):
            key = f"credential.{url}.helper"
            self._git.remove_ours(key)
            self._git.add(key, "")
            self._git.add(key, helper)
            io.stdout.write(f"git gets tokens of profile {profile.name!r} for {url}\n")
            self._warn_about_later_helpers(key)
        if self._which(f"git-credential-{HELPER}") is None:
            warnings.warn(f"git-credential-{HELPER} is not on PATH, so git cannot run it: add the "
                          "folder it is installed in to PATH", stacklevel=2)  # fmt: skip
        return 0

    def _unset(self, urls: list[str], io: Streams) -> int:
        entries = self._git.helper_entries()
        for url in urls:
            key = f"credential.{url}.helper"
            if any(k == key and _is_ours(value) for k, value in entries):
                self._git.remove_ours(key)
                io.stdout.write(f"git no longer gets tokens from amplify-credhelper for {url}\n")
            else:
                io.stdout.write(f"nothing to remove for {url}\n")
        return 0

    def _configured_urls(self) -> list[str]:
        """The URLs whose helper lines in the global git config run this helper."""
        keys = [key for key, value in self._git.helper_entries() if _is_ours(value)]
        urls = [key[len("credential.") : -len(".helper")] for key in keys]
        return [url for url in dict.fromkeys(urls) if url]

    def _warn_about_later_helpers(self, key: str) -> None:
        """git gives the token to every helper listed after ours: say so about a general one."""
        entries = self._git.helper_entries()
        ours = [i for i, (k, value) in enumerate(entries) if k == key and _is_ours(value)]
        for k, value in entries[ours[-1] + 1 :] if ours else ():
            if k == "credential.helper" and value:
                warnings.warn(
                    f"credential.helper {shown(value, 200)} comes after {key} in your global git "
                    f"config, so git gives it the token too: run `{PROG} setup-git` again",
                    stacklevel=2,
                )

    # -- the login options of the git settings ---------------------------------------------

    def add_login_options(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--git-host",
            dest="git_hosts",
            action="append",
            metavar="HOST",
            help="a host the git helper serves with this profile (repeatable): git.example.com, "
            "*.example.com, host:port, https://host, http://127.0.0.1:PORT",
        )
        parser.add_argument(
            "--username",
            dest="git_username",
            help="the user name git is given (default: the client id); when several profiles "
            "serve a host, the one whose user name git sends (https://NAME@host/) answers",
        )

    def login_settings(
        self, args: argparse.Namespace, current: Mapping[str, object]
    ) -> Mapping[str, object] | None:
        if args.git_hosts is None and args.git_username is None:
            return None
        values = dict(current)
        if args.git_hosts is not None:
            values["hosts"] = list(settings.check_hosts(args.git_hosts))
        if args.git_username is not None:
            values["username"] = args.git_username
        return values

    def doctor_checks(self, profile: Profile) -> list[tuple[str, str, str]]:
        return settings.doctor_checks(profile)


def _is_ours(value: str) -> bool:
    return value.split(" ")[0] == HELPER


def _urls(hosts: list[str] | tuple[str, ...]) -> list[str]:
    """The ``credential.<url>`` URLs git reads for ``hosts`` (hostrule's forms), each once."""
    return list(dict.fromkeys(url for host in hosts for url in git_urls(normalise(host))))


SETUP_GIT = SetupGit()
