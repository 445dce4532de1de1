"""``amplify-credhelper setup-git``: the git config lines that send git to this helper, and the
``login`` options that set a profile's git settings (``--git-host``, ``--username``).

For each host it writes two lines into the user's global git config::

    [credential "https://git.example.com"]
        helper =
        helper = amplify --profile ci

The empty value first empties git's helper list for that URL (gitcredentials(7)), so a
``credential.helper = store`` set before it never receives the token, nor writes it to disk.
git applies helper lines in file order, so each run removes ours and adds them again, last.

A run is all or nothing: each line is its own ``git config`` call, so the file is kept as it
was before the first, and a failure or an ending signal (``signals_raise``) puts it back, with
the profile's hosts, after waiting for a git still running.
"""

from __future__ import annotations

import shutil
import warnings

from credhelper import ConfigError, config_lock, load_profile, update_settings
from credhelper.commands import PROG, Command, shown, signals_raise

from . import settings
from .gitconfig import GlobalGitConfig
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
        def snapshot(self) -> object: ...
        def restore(self, saved: object) -> None: ...


HELPER = "amplify"


class SetupGit(Command):
    name = "setup-git"
    help = "make git ask amplify-credhelper for tokens for some hosts (global git config)"
    description = (
        "Make git ask amplify-credhelper for tokens for these hosts, in your global git config. "
        "Each HOST joins the profile's git hosts; without HOST: the hosts the profile lists "
        "(login --git-host). All or nothing: a failure or a signal changes nothing."
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
        urls = _urls(hosts)
        self._all_or_nothing(profile, args.hosts, urls)
        for url in urls:
            io.stdout.write(f"git gets tokens of profile {profile.name!r} for {url}\n")
            self._warn_about_later_helpers(f"credential.{url}.helper")
        if self._which(f"git-credential-{HELPER}") is None:
            warnings.warn(f"git-credential-{HELPER} is not on PATH, so git cannot run it: add the "
                          "folder it is installed in to PATH", stacklevel=2)  # fmt: skip
        return 0

    def _all_or_nothing(self, profile: Profile, given: list[str], urls: list[str]) -> None:
        """Write the lines, and add the hosts given to the profile's, so that the helper
        serves what git is sent to it for; any failure, or a signal, puts both back."""
        before, saved = settings.own(profile), self._git.snapshot()
        with signals_raise():  # a second signal during the undo is noted and dropped
            try:
                if given:  # saved even when listed: a symlinked config.json refuses, as Docker's
                    self._add_hosts(profile, before, given)
                helper = f"{HELPER} --profile {profile.name}"  # names are shell-safe words
                for url in urls:
                    key = f"credential.{url}.helper"
                    self._git.remove_ours(key)
                    self._git.add(key, "")
                    self._git.add(key, helper)
            except BaseException:
                self._git.restore(saved)
                if given:
                    update_settings(profile, settings.KEY, before or None)
                raise

    @staticmethod
    def _add_hosts(profile: Profile, before: Mapping[str, object], given: list[str]) -> None:
        hosts = dict.fromkeys([*settings.hosts(profile), *settings.check_hosts(given)])
        update_settings(profile, settings.KEY, {**before, "hosts": list(hosts)})

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
