"""The built-in commands other than ``login``: token, header, env, status and logout here, and
what the commands in modules of their own (inspect, exec, doctor, completion) share with them:
the switches-only command, the parser with a kept epilog, CI log masking, the header lines.
Those modules import this one, never the other way: the command table that names them lives
above, in ``dispatch`` (``BUILT_IN``), so the token commands never pay for them.
"""

from __future__ import annotations

import os

from ..commands import Command
from ..errors import PROG, ConfigError
from ..profiles import config
from ..profiles._select import environment_defined, environment_profile, load_profile, stored_name
from ..tokens import _core, cache
from ..tokens.token import environment, header_lines

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import IO

    from ..commands import CommandParser, Streams, Subcommands
    from ..profiles.profile import Profile


def mask_in_ci_log(out: IO[str], token: str) -> None:
    """On GitHub Actions, register ``token`` with the runner's log masking, so a ``set -x``, a
    debug print or a failing curl later in the step shows ``***`` instead. The runner reads the
    workflow command ``::add-mask::VALUE`` at the start of a line of the step's stdout or stderr
    (GitHub's "Workflow commands for GitHub Actions"; the runner's ScriptHandler passes both
    streams through its command parser). The token is RFC 6750 characters: one line."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        out.write(f"::add-mask::{token}\n")
        out.flush()  # before anything that might show the token reaches the log


class _SwitchesOnly(Command):
    """A command whose own arguments are switches only (``switches``: each one's help), so the
    CLI can parse its plainest command lines without argparse."""

    switches: dict[str, str] = {}

    def add_arguments(self, parser: CommandParser) -> None:
        for switch, text in self.switches.items():
            parser.add_argument(switch, action="store_true", help=text)


class _Token(_SwitchesOnly):
    name = "token"
    help = "print the access token"
    switches = {
        "--refresh": "mint a new token even if the cached one is good",
        "--json": "print the official CLI's JSON shape",
    }

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        profile = load_profile(args.profile)
        token = _core.get_token(profile, refresh=args.refresh)
        mask_in_ci_log(io.stderr, token.access_token)  # stdout is usually captured: $(...)
        if args.json:
            from ._output import official_shape, print_json

            print_json(io.stdout, official_shape(profile, token))
        else:
            io.stdout.write(token.access_token + "\n")
        return 0


class _Header(_SwitchesOnly):
    name = "header"
    help = "print the Authorization and X-Axway-Tenant-Id headers, one a line"

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        token = _core.get_token(args.profile)
        mask_in_ci_log(io.stderr, token.access_token)  # stdout goes to curl, not to the log
        io.stdout.write(header_lines(token))
        return 0


class _Env(_SwitchesOnly):
    name = "env"
    help = "print export lines for AMPLIFY_TOKEN, AMPLIFY_TENANT_ID, AMPLIFY_CENTRAL_URL (eval)"

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        profile = load_profile(args.profile)
        token = _core.get_token(profile)
        # On stderr: stdout goes to `eval "$(...)"`, never to the runner, and an eval'd
        # `::add-mask::...` line would run as a command whose "not found" error shows the token.
        mask_in_ci_log(io.stderr, token.access_token)
        variables = environment(token, profile.central_url)
        # Unset what is unknown: never leave another profile's org or region behind.
        io.stdout.write("".join(_shell_line(name, variables[name]) for name in _ENV_PRINTS))
        return 0


# The lines `env` prints (README); the expiry is for exec's CMD only.
_ENV_PRINTS = ("AMPLIFY_TOKEN", "AMPLIFY_TENANT_ID", "AMPLIFY_CENTRAL_URL")


def _shell_line(name: str, value: str | None) -> str:
    return f"unset {name}\n" if value is None else f"export {name}={_quoted(value)}\n"


def _quoted(value: str) -> str:
    """``value`` as one shell word that ``eval`` gives back exactly. Unquoted, a token's own
    characters (RFC 6750 §2.1 allows ``~ + / =``) are not safe: ``~`` after ``=`` in an
    assignment is tilde-expanded (POSIX 2.6.1). Within single quotes nothing is (POSIX 2.2.2);
    a quote itself, which no token holds, is closed, escaped and reopened."""
    return "'" + value.replace("'", "'\\''") + "'"


class _Status(_SwitchesOnly):
    name = "status"
    help = "show every profile and its token (never a secret)"
    description = (
        "Show every profile and its token (never a secret). A stored profile that cannot be "
        "used is shown with its problem, and the exit code is then 1."
    )

    switches = {"--json": "print JSON"}

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        from ._output import broken_line, print_json, status_line, status_of

        if args.profile:
            rows, broken = [status_of(load_profile(args.profile))], {}
        else:
            stored = config.read()
            broken = stored.broken
            rows = _status_rows(stored)
        if args.json:
            print_json(io.stdout, rows)
        elif not rows:
            io.stdout.write(f"No profiles: run `{PROG} login --client-id ID` to add one.\n")
        for row in rows if not args.json else ():
            io.stdout.write((broken_line(row) if "error" in row else status_line(row)) + "\n")
        if broken:
            raise config.unusable(sorted(broken))
        return 0


def _status_rows(stored: config.Stored) -> list[dict[str, object]]:
    """The environment profile's row first, then every stored profile's, by name."""
    from ._output import status_of

    rows: dict[str, dict[str, object]] = {n: status_of(p) for n, p in stored.profiles.items()}
    rows.update({n: {"profile": n, "error": problem} for n, problem in stored.broken.items()})
    found = [rows[name] for name in sorted(rows)]
    if environment_defined():
        found.insert(0, status_of(environment_profile()))
    return found


class _Logout(_SwitchesOnly):
    name = "logout"
    help = "remove a profile, its secret and its cached token"
    switches = {"--all": "every profile"}

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        if args.all and args.profile:
            raise ConfigError("logout takes --profile or --all, not both")
        stored = config.read()
        if args.all:
            chosen = list(stored.profiles.values())
            if environment_defined():
                chosen.insert(0, environment_profile())
        else:
            chosen = [_stored(args.profile, stored)]
        for profile in chosen:
            done, revocation = (
                _forget_environment() if profile.from_environment else _logout(profile)
            )
            io.stdout.write(f"{done}{f'; {revocation()}' if revocation else ''}.\n")
        # A CI runner's clean-up step runs without the variables: their token goes all the same.
        if args.all and not environment_defined() and _environment_token_removed():
            io.stdout.write("Logged out: the AMPLIFY_CLIENT_ID profile's cached token removed.\n")
        elif args.all and not chosen and not stored.broken:
            io.stdout.write("No profiles stored: nothing to log out.\n")
        if args.all and stored.broken:
            raise config.unusable(sorted(stored.broken))  # left in place: we cannot read them
        return 0


def _logout(profile: Profile) -> tuple[str, Callable[[], str] | None]:
    """What was done, and what revokes the token removed (RFC 7009: read under the mint lock,
    so it is the one removed, even one a mint in flight just cached)."""
    from ..tokens._revoke import prepared

    revocation = _core.logout(profile, prepared)
    return f"Logged out: profile {profile.name!r} removed{_removed_with(profile)}", revocation


def _forget_environment() -> tuple[str, Callable[[], str] | None]:
    """The AMPLIFY_CLIENT_ID/_SECRET profile has nothing stored but its cached token."""
    from ..tokens._audit import audited
    from ..tokens._revoke import prepared

    profile = environment_profile()
    with cache.mint_lock_held(profile):  # as for a stored profile: revoke the token removed
        revocation = prepared(profile)
        audited("logout", profile, _environment_token_removed)
    return (
        "Logged out: the AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET profile's cached token removed "
        "(the variables stay set)"
    ), revocation


def _environment_token_removed() -> bool:
    try:
        return cache.delete_environment_token()
    except OSError as exc:
        raise ConfigError(f"cannot remove the environment profile's cached token: "
                          f"{exc.strerror or exc}") from exc  # fmt: skip


def _stored(name: str | None, stored: config.Stored) -> Profile:
    """The profile ``logout`` means. One that is not stored is nothing to log out: the error
    says so, not "log in first" as for the commands that need a profile."""
    if name is None and environment_defined():
        return environment_profile()  # only its cached token is ours to remove
    wanted = stored_name(name)
    if wanted not in stored.profiles and wanted not in stored.broken:
        raise ConfigError(
            f"no profile {wanted!r} is stored: nothing to log out (see `{PROG} status`)"
        )
    return config.stored_profile(stored, wanted)


def _removed_with(profile: Profile) -> str:
    if profile.key_file is not None:
        return f" with its cached token (its key file {profile.key_file} is yours to delete)"
    return f" with its {'private key' if profile.uses_key else 'secret'} and cached token"


def parser_with_epilog(
    command: Command, commands: Subcommands, common: CommandParser, epilog: str
) -> CommandParser:
    """``command``'s parser (as ``Command.add_parser`` makes it) with ``epilog`` after the
    options, kept as written: examples and install lines must not be re-wrapped."""
    import argparse

    parser = commands.add_parser(
        command.name,
        parents=[common],
        help=command.help,
        description=command.description or command.help,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_arguments(parser)
    return parser


# The commands of this module; the command table (dispatch.BUILT_IN) names the others.
COMMANDS = (_Token(), _Header(), _Env(), _Status(), _Logout())
