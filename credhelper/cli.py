"""The ``amplify-credhelper`` command line.

``main`` is the only code that touches ``sys.argv``, the standard streams and the exit status;
``run`` does the work with the streams it is given and returns the exit code, so tests call it
directly. Commands are dispatched through ``_COMMANDS``; integrations add commands (such as
``setup-git``) through the ``amplify_credhelper.commands`` entry point group, which is looked
at only when the command is not one of ours.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from . import _core, _log, profiles
from ._output import PROG, official_shape, print_json, status_line, status_of
from ._version import VersionAction
from .errors import ConfigError, CredhelperError
from .profiles import Profile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO, Any

PLUGIN_GROUP = "amplify_credhelper.commands"
EPILOG = """\
exit codes:
  0  success
  1  usage or configuration error (unknown profile, bad URL, no secret stored)
  2  the login service refused the client credentials
  3  the login service is unreachable, timing out, failing, or answered no usable token
  4  no usable keyring (none available, locked, or refused)

The profile is --profile, else the AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET pair (CI: no
keyring, no config file), else $AMPLIFY_PROFILE, else 'default'.
Integrations add commands: 'setup-git' comes with the git helper.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports to our streams and fails with exit code 1, not SystemExit(2)."""

    out: IO[str] = sys.stdout

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigError(f"{message} (see `{self.prog} --help`)")

    def _print_message(self, message: str, file: object = None) -> None:
        if message:
            self.out.write(message)


class _Streams:
    __slots__ = ("stdin", "stdout", "stderr")

    def __init__(self, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> None:
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(sys.argv[1:] if argv is None else argv, sys.stdin, sys.stdout, sys.stderr))


def run(argv: list[str], stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> int:
    io = _Streams(stdin, stdout, stderr)
    ours = argv[: argv.index("--")] if "--" in argv else argv  # after it: exec's CMD and ARGS
    verbose = "--verbose" in ours or "-v" in ours or os.environ.get("AMPLIFY_VERBOSE") == "1"
    previous = _log.enable(stderr if verbose else None)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warning_printer(stderr)
            return _dispatch(argv, io)
    except CredhelperError as exc:
        stderr.write(f"{PROG}: error: {exc}\n")
        return exc.exit_code
    except SystemExit as exc:  # --help and --version end here
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        stderr.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001  (no traceback reaches a user)
        if verbose:
            import traceback

            traceback.print_exc(file=stderr)
        stderr.write(
            f"{PROG}: internal error: {type(exc).__name__} (run with --verbose for details)\n"
        )
        return 1
    finally:
        _log.enable(previous)


def _dispatch(argv: list[str], io: _Streams) -> int:
    if argv and not argv[0].startswith("-") and argv[0] not in _COMMANDS:
        plugin = _plugin_command(argv[0])
        if plugin is not None:
            return plugin(argv[1:], io.stdout, io.stderr)
    parser = _parser(io.stdout, argv[0] if argv and argv[0] in _COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 1
    return _COMMANDS[args.command](args, io)


def _warning_printer(stderr: IO[str]) -> Callable[..., None]:
    def show(message: Warning | str, *_: object, **__: object) -> None:
        stderr.write(f"{PROG}: warning: {message}\n")

    return show


def _plugin_command(name: str) -> Callable[[list[str], IO[str], IO[str]], int] | None:
    from importlib.metadata import entry_points

    found = entry_points()
    group = (
        found.select(group=PLUGIN_GROUP)
        if hasattr(found, "select")
        else found.get(PLUGIN_GROUP, ())  # Python 3.9
    )
    for entry in group:
        if entry.name == name:
            return entry.load()  # type: ignore[no-any-return]
    return None


# -- the parser ---------------------------------------------------------------------------


def _parser(out: IO[str], command: str | None = None) -> _Parser:
    """The parser; with ``command`` named, only that command's sub-parser is built, since
    building all of them costs a few of the cache-hit path's milliseconds."""
    _Parser.out = out

    def wanted(name: str) -> bool:
        return command in (None, name)

    parser = _Parser(
        prog=PROG,
        description="Amplify Platform service-account tokens from the OS keyring, cached.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action=VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _Parser(add_help=False)
    common.add_argument("--profile", "-p", metavar="P", help="profile to use")
    common.add_argument(
        "-v", "--verbose", action="store_true", help="say what happens on stderr (never a secret)"
    )
    if wanted("login"):
        from . import _login_cli

        _login_cli.add_parser(commands, common)
    for name, helptext in (
        ("token", "print the access token"),
        ("header", "print the Authorization and X-Axway-Tenant-Id headers, one a line"),
        ("env", "print export lines for AMPLIFY_TOKEN and AMPLIFY_TENANT_ID, for eval"),
    ):
        if not wanted(name):
            continue
        sub = commands.add_parser(name, parents=[common], help=helptext, description=helptext)
        if name == "token":
            sub.add_argument(
                "--refresh",
                action="store_true",
                help="mint a new token even if the cached one is good",
            )
            sub.add_argument(
                "--json", action="store_true", help="print the official CLI's JSON shape"
            )
    if wanted("status"):
        status = commands.add_parser(
            "status", parents=[common], help="show every profile and its token (never a secret)"
        )
        status.add_argument("--json", action="store_true", help="print JSON")
    if wanted("logout"):
        logout = commands.add_parser(
            "logout", parents=[common], help="remove a profile, its secret and its cached token"
        )
        logout.add_argument("--all", action="store_true", help="every profile")
    for name in _CONTRACT_COMMANDS:
        if wanted(name):
            _contract_command(name).add_parser(commands, common)
    return parser


# Commands written to the Command contract, each in its own module, imported only when used
# (or when the whole parser is built, for --help and completion).
_CONTRACT_COMMANDS = {
    "exec": "_exec:EXEC",
    "doctor": "_doctor:DOCTOR",
    "completion": "_completion:COMPLETION",
}


def _contract_command(name: str) -> Any:
    import importlib

    module, _, attribute = _CONTRACT_COMMANDS[name].partition(":")
    return getattr(importlib.import_module(f".{module}", __package__), attribute)


# -- the commands -------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace, io: _Streams) -> int:
    from . import _login_cli

    return _login_cli.run(args, io)


def cmd_token(args: argparse.Namespace, io: _Streams) -> int:
    profile = profiles.select(args.profile)
    token = _core.get_token(profile, refresh=args.refresh)
    if args.json:
        print_json(io.stdout, official_shape(profile, token))
    else:
        io.stdout.write(token.access_token + "\n")
    return 0


def cmd_header(args: argparse.Namespace, io: _Streams) -> int:
    token = _core.get_token(args.profile)
    io.stdout.write(f"Authorization: Bearer {token.access_token}\n")
    if token.org_id is not None:
        io.stdout.write(f"X-Axway-Tenant-Id: {token.org_id}\n")
    return 0


def cmd_env(args: argparse.Namespace, io: _Streams) -> int:
    # Token and org id are checked to be shell-safe (RFC 6750 characters, digits): no quoting.
    token = _core.get_token(args.profile)
    io.stdout.write(f"export AMPLIFY_TOKEN={token.access_token}\n")
    if token.org_id is not None:
        io.stdout.write(f"export AMPLIFY_TENANT_ID={token.org_id}\n")
    else:
        io.stdout.write("unset AMPLIFY_TENANT_ID\n")  # never leave another profile's org behind
    return 0


def cmd_status(args: argparse.Namespace, io: _Streams) -> int:
    found = _core.list_profiles()
    if args.profile:
        found = [p for p in found if p.name == args.profile] or [profiles.select(args.profile)]
    rows = [status_of(p) for p in found]
    if args.json:
        print_json(io.stdout, rows)
    elif not rows:
        io.stdout.write(f"No profiles: run `{PROG} login --client-id ID` to add one.\n")
    for row in rows if not args.json else ():
        io.stdout.write(status_line(row) + "\n")
    return 0


def cmd_logout(args: argparse.Namespace, io: _Streams) -> int:
    if args.all and args.profile:
        raise ConfigError("logout takes --profile or --all, not both")
    chosen = list(profiles.load_all().values()) if args.all else [profiles.select(args.profile)]
    for profile in chosen:
        if profile.from_environment:
            raise ConfigError(
                "the AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET profile is not stored: "
                "unset them, or name a --profile"
            )
        _core.logout(profile)
        io.stdout.write(f"Logged out: profile {profile.name!r} removed{_removed_with(profile)}.\n")
    return 0


def _removed_with(profile: Profile) -> str:
    if profile.key_file is not None:
        return f" with its cached token (its key file {profile.key_file} is yours to delete)"
    return f" with its {'private key' if profile.uses_key else 'secret'} and cached token"


_COMMANDS: dict[str, Callable[[argparse.Namespace, _Streams], int]] = {
    "login": cmd_login,
    "token": cmd_token,
    "header": cmd_header,
    "env": cmd_env,
    "status": cmd_status,
    "logout": cmd_logout,
}


def _run_contract_command(args: argparse.Namespace, io: _Streams) -> int:
    return _contract_command(args.command).run(args, io)  # type: ignore[no-any-return]


_COMMANDS.update(dict.fromkeys(_CONTRACT_COMMANDS, _run_contract_command))
