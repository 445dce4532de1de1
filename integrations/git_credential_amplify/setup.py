"""``amplify-credhelper setup-git``: the git config lines that send git to this helper.

For each host it writes two lines into the user's global git config::

    [credential "https://git.example.com"]
        helper =
        helper = amplify --profile ci

The empty value first empties git's helper list for that URL (gitcredentials(7)), so a
``credential.helper = store`` set before it never receives the token, nor writes it to disk.
git applies helper lines in file order, so each run removes ours and adds them again, last.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess

from credhelper import ConfigError, load_profile

from .protocol import is_loopback

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

PROG = "amplify-credhelper setup-git"
HELPER = "amplify"
OURS = "^(amplify( .*)?)?$"  # our values, "amplify ..." and the empty reset (git takes an ERE)
_PORT = r"(:[0-9]{1,5})?"
_HOST = re.compile(rf"[\w*-]+(\.[\w*-]+)*{_PORT}|\[[0-9A-Fa-f:.]+\]{_PORT}", re.ASCII)


class _Parser(argparse.ArgumentParser):
    out: IO[str]

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigError(f"{message} (see `{PROG} --help`)")

    def _print_message(self, message: str, file: object = None) -> None:
        self.out.write(message)


def main(argv: list[str], stdout: IO[str], stderr: IO[str]) -> int:
    """The setup-git command as the core CLI calls it; raises CredhelperError on failure."""
    args = _parser(stdout).parse_args(argv)
    if args.unset:
        return _unset([_url(host) for host in args.hosts] or _configured_urls(), stdout)
    profile = load_profile(args.profile)
    if profile.from_environment:
        raise ConfigError("setup-git needs a stored profile: name one with --profile")
    hosts = args.hosts or profile.git_hosts
    if not hosts:
        raise ConfigError(f"no host given, and profile {profile.name!r} lists none: name one")
    helper = f"{HELPER} --profile {profile.name}"  # profile names are shell-safe words
    for url in [_url(host) for host in hosts]:
        key = f"credential.{url}.helper"
        _git_config("--unset-all", key, OURS, ok=(0, 5))  # 5: there was nothing to remove
        _git_config("--add", key, "")
        _git_config("--add", key, helper)
        stdout.write(f"git gets tokens of profile {profile.name!r} for {url}\n")
        _warn_about_later_helpers(key, stderr)
    if shutil.which(f"git-credential-{HELPER}") is None:
        stderr.write(
            f"{PROG}: warning: git-credential-{HELPER} is not on PATH, so git cannot run it: "
            "add the folder it is installed in to PATH\n"
        )
    return 0


def _parser(stdout: IO[str]) -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="Make git ask amplify-credhelper for tokens for these hosts, in your global "
        "git config. Without HOST: the hosts the profile lists (login --git-host).",
    )
    parser.out = stdout
    parser.add_argument(
        "hosts",
        nargs="*",
        metavar="HOST",
        help="git.example.com, *.example.com, host:port; http://127.0.0.1:port for a local server",
    )
    parser.add_argument("--profile", "-p", metavar="P", help="the profile whose tokens git gets")
    parser.add_argument("--unset", action="store_true", help="remove the lines (all, without HOST)")
    return parser


def _unset(urls: list[str], stdout: IO[str]) -> int:
    for url in urls:
        key = f"credential.{url}.helper"
        values = _git_config("--get-all", key, ok=(0, 1)).splitlines()  # 1: no such key
        if any(_is_ours(value) for value in values):
            _git_config("--unset-all", key, OURS)
            stdout.write(f"git no longer gets tokens from amplify-credhelper for {url}\n")
        else:
            stdout.write(f"nothing to remove for {url}\n")
    return 0


def _configured_urls() -> list[str]:
    """The URLs whose helper lines in the global git config run this helper."""
    keys = [key for key, value in _helper_entries() if _is_ours(value)]
    urls = [key[len("credential.") : -len(".helper")] for key in keys]
    return [url for url in dict.fromkeys(urls) if url]


def _warn_about_later_helpers(key: str, stderr: IO[str]) -> None:
    """git gives the token to every helper listed after ours: say so about a general one."""
    entries = _helper_entries()
    ours = [i for i, (k, value) in enumerate(entries) if k == key and _is_ours(value)]
    for k, value in entries[ours[-1] + 1 :] if ours else ():
        if k == "credential.helper" and value:
            stderr.write(
                f"{PROG}: warning: credential.helper {value!r} comes after {key} in your "
                f"global git config, so git gives it the token too: run `{PROG}` again\n"
            )


def _helper_entries() -> list[tuple[str, str]]:
    """Every credential helper line of the global git config, in file order."""
    found = _git_config("--null", "--get-regexp", r"^credential\..*helper$", ok=(0, 1))
    pairs = (entry.partition("\n") for entry in found.split("\0") if entry)
    return [(key, value) for key, _, value in pairs]


def _is_ours(value: str) -> bool:
    return value.split(" ")[0] == HELPER


def _url(host: str) -> str:
    """git's URL for ``host``: https://HOST, or an http(s) URL given whole (http: loopback)."""
    scheme, sep, netloc = host.partition("://")
    if not sep:
        scheme, netloc = "https", host
    netloc = netloc.rstrip("/")
    if scheme not in ("https", "http") or not netloc or not _HOST.fullmatch(netloc):
        raise ConfigError(
            f"bad host {host!r}: expected a name like git.example.com, *.example.com or host:port"
        )
    if scheme == "http" and not is_loopback(netloc):
        raise ConfigError(
            f"refusing {host!r}: tokens only travel over https (plain http is allowed for "
            "127.0.0.1, ::1 and localhost only)"
        )
    return f"{scheme}://{netloc}"


def _git_config(*args: str, ok: tuple[int, ...] = (0,)) -> str:
    """The output of ``git config --global ARGS``; ConfigError unless its exit code is ``ok``."""
    try:
        done = subprocess.run(
            ["git", "config", "--global", *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ConfigError("git is not installed (or not on PATH)") from exc
    except subprocess.TimeoutExpired as exc:
        raise ConfigError("git config did not finish within 30 s") from exc
    if done.returncode not in ok:
        raise ConfigError(f"git config failed: {done.stderr.strip() or done.returncode}")
    return done.stdout
