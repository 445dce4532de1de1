"""Every use this integration makes of the core, in one place.

TEMPORARY SHIM. The core's redesign (issue 11) gives integrations a public API for what this
module does by hand today (the names are fixed in the integrator's API.md):

    here                     after the redesign
    ----                     ------------------
    docker_settings(p)       p.settings.get("docker", {})
    update_docker_settings   credhelper.update_settings(p, "docker", values)
    client_secret(p)         credhelper.client_secret(p)
    is_loopback(host)        credhelper.is_loopback(host)
    Command, CommandParser,  credhelper.commands.Command / CommandParser / Streams, with the
    Streams, Command.__call__  CLI building the parser and calling ``run`` itself

Until then the docker settings of each stored profile live in ``docker.json`` next to the core's
``config.json`` (the core drops keys it does not know when it saves), and the secret is read
through the core's internal ``_secret_for``. When the redesign lands, this module becomes a
handful of re-exports and ``docker.json`` goes away; nothing else in the package changes.
"""

from __future__ import annotations

import argparse
import os
import sys

from credhelper import ConfigError, Profile, list_profiles, load_profile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import IO

__all__ = [
    "Command",
    "CommandParser",
    "Streams",
    "client_secret",
    "docker_settings",
    "is_loopback",
    "list_profiles",
    "load_profile",
    "update_docker_settings",
]

INTEGRATION = "docker"


def docker_settings(profile: Profile) -> Mapping[str, object]:
    """The profile's settings of this integration (``{}`` for none, and for the CI profile)."""
    if profile.from_environment:
        return {}
    return _read_all().get(profile.name, {})


def update_docker_settings(profile: Profile, values: Mapping[str, object] | None) -> None:
    """Save the stored profile's settings of this integration; None or ``{}`` removes them."""
    if profile.from_environment:
        raise ConfigError("the AMPLIFY_CLIENT_ID/_SECRET profile is not stored: name a --profile")
    from credhelper import _files  # TEMPORARY: the redesign's update_settings writes config.json

    every = _read_all()
    if values:
        every[profile.name] = dict(values)
    else:
        every.pop(profile.name, None)
    try:
        _files.write_private(_settings_path(), _files.dumps({"profiles": every}))
    except OSError as exc:
        raise ConfigError(f"cannot save the docker settings: {exc.strerror or exc}") from exc


def client_secret(profile: Profile) -> str:
    """The client secret a registry takes as the password (never a token, never a key)."""
    if profile.uses_key:
        raise ConfigError(
            f"profile {profile.name!r} uses a private key: it has no client secret to give"
        )
    from credhelper import _core  # TEMPORARY: credhelper.client_secret after the redesign

    return _core._secret_for(profile)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (``name[:port]``, IPv6 in brackets) is 127.0.0.1, ::1 or localhost."""
    # TEMPORARY: credhelper.is_loopback after the redesign
    name = host[1 : host.find("]")] if host.startswith("[") else host.partition(":")[0]
    return name in ("127.0.0.1", "::1", "localhost")


def _settings_path() -> str:
    from credhelper import _files

    return os.path.join(_files.config_dir(), "docker.json")


def _read_all() -> dict[str, dict[str, object]]:
    from credhelper import _files

    data = _files.read_private_json(_settings_path())
    found = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(found, dict):
        return {}
    return {name: value for name, value in found.items() if isinstance(value, dict)}


# -- the command contract (TEMPORARY: credhelper.commands after the redesign) -----------------


class Streams:
    """The three text streams of a command."""

    __slots__ = ("stdin", "stdout", "stderr")

    def __init__(self, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> None:
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr


class CommandParser(argparse.ArgumentParser):
    """argparse that fails with ConfigError (exit 1) and prints help to the command's stdout."""

    out: IO[str] = sys.stdout

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigError(f"{message} (see `{self.prog} --help`)")

    def _print_message(self, message: str, file: object = None) -> None:
        if message:
            CommandParser.out.write(message)


class Command:
    """A command of ``amplify-credhelper``: its name, its parser and what it does."""

    name = ""
    help = ""

    def add_parser(self, commands: object, common: CommandParser) -> CommandParser:
        raise NotImplementedError

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        raise NotImplementedError

    def add_login_options(self, parser: CommandParser) -> None:
        """Options that ``login`` takes for this integration's per-profile settings."""

    def login_settings(
        self, args: argparse.Namespace, current: Mapping[str, object]
    ) -> Mapping[str, object] | None:
        return None

    def __call__(self, argv: list[str], stdout: IO[str], stderr: IO[str]) -> int:
        """Today's plugin call, ``command(argv, stdout, stderr)``: build the parser the way the
        redesigned CLI will, then ``run``."""
        CommandParser.out = stdout
        common = CommandParser(add_help=False)
        common.add_argument("--profile", "-p", metavar="P", help="profile to use")
        common.add_argument("-v", "--verbose", action="store_true", help="say what happens")
        top = CommandParser(prog="amplify-credhelper")
        parser = self.add_parser(top.add_subparsers(dest="command"), common)
        return self.run(parser.parse_args(argv), Streams(sys.stdin, stdout, stderr))
