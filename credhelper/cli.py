"""The ``amplify-credhelper`` command line.

``main`` is the only code that touches ``sys.argv``, the standard streams and the exit status;
``run`` does the work with the streams it is given and returns the exit code, so tests call it
directly. Commands are dispatched through ``_COMMANDS``; integrations add commands (such as
``setup-git``) through the ``amplify_credhelper.commands`` entry point group, which is looked
at only when the command is not one of ours.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

from . import _core, _log, cache, profiles
from .errors import ConfigError, CredhelperError
from .profiles import Profile
from .tokens import Token

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO

PROG = "amplify-credhelper"
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
    verbose = "--verbose" in argv or "-v" in argv
    _log.enable(stderr if verbose else None)
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
        _log.enable(None)


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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _Parser(add_help=False)
    common.add_argument("--profile", "-p", metavar="P", help="profile to use")
    common.add_argument(
        "-v", "--verbose", action="store_true", help="say what happens on stderr (never a secret)"
    )
    if wanted("login"):
        _add_login(commands, common)
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
    return parser


def _add_login(commands: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    login = commands.add_parser(
        "login",
        parents=[common],
        help="prove and save a service account's credentials",
        description="Mint a token with the credentials, then save the secret (or private key) "
        "in the keyring and the profile in the config file. Nothing is saved if the token "
        "request fails.",
    )
    login.add_argument("--client-id", metavar="ID", help="the service account's client id")
    secret = login.add_mutually_exclusive_group()
    secret.add_argument(
        "--secret-stdin", action="store_true", help="read the client secret from stdin"
    )
    secret.add_argument(
        "--client-secret",
        metavar="S",
        help="the secret on the command line (visible to other users: avoid)",
    )
    secret.add_argument(
        "--key-file",
        metavar="PEM",
        help="a private key (RSA or EC P-256, PEM) instead of a secret; kept in the keyring",
    )
    login.add_argument(
        "--key-passphrase-stdin",
        action="store_true",
        help="read the key file's passphrase from stdin (else a hidden prompt asks for it)",
    )
    login.add_argument(
        "--keep-key-file",
        action="store_true",
        help="read the key from its file at each token instead of keeping it in the keyring "
        "(the file must be readable by you alone and unencrypted)",
    )
    login.add_argument("--env", help="prod (default), staging or preprod")
    login.add_argument("--base-url", metavar="URL", help="login service base URL (overrides --env)")
    login.add_argument("--realm", help="Keycloak realm (default Broker)")
    login.add_argument("--token-url", metavar="URL", help="token endpoint, used verbatim")
    login.add_argument("--platform-url", metavar="URL", help="platform URL (overrides --env)")
    login.add_argument(
        "--auth-method",
        choices=profiles.SECRET_METHODS,
        help="how the secret is sent (default basic; a key is always sent as an assertion)",
    )
    login.add_argument(
        "--refresh-margin",
        type=int,
        metavar="SECONDS",
        help="renew tokens this long before expiry (default 300)",
    )
    login.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="connect and read timeout (default 10)"
    )
    login.add_argument(
        "--ca-file", metavar="PEM", help="a private certificate authority for the login service"
    )
    login.add_argument(
        "--git-host",
        action="append",
        metavar="HOST",
        help="a host the git helper serves with this profile (repeatable, wildcards allowed)",
    )
    login.add_argument("--username", help="the user name git is given (default: the client id)")
    login.add_argument("--json", action="store_true", help="print the official CLI's JSON shape")


# -- the commands -------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace, io: _Streams) -> int:
    profile = _login_profile(args)
    secret = _read_key(args, io) if profile.uses_key else _read_secret(args, io)
    token = _core.login(profile, secret)
    if args.json:
        _print_json(io.stdout, _official_shape(profile, token))
    else:
        org = f", org {token.org_id}" if token.org_id else ""
        io.stdout.write(
            f"Logged in: profile {profile.name!r}, client {profile.client_id}{org}; "
            f"token valid for {_duration(token.expires_in())}.\n"
        )
    return 0


_LOGIN_FIELDS = (
    "client_id",
    "env",
    "base_url",
    "realm",
    "token_url",
    "platform_url",
    "auth_method",
    "refresh_margin",
    "timeout",
    "ca_file",
    "username",
)


def _login_profile(args: argparse.Namespace) -> Profile:
    """The profile to save: the stored one (when re-logging in), changed by the options given."""
    name = profiles.check_name(
        args.profile or os.environ.get("AMPLIFY_PROFILE") or profiles.DEFAULT_PROFILE
    )
    existing = profiles.load_all().get(name)
    fields: dict[str, object] = existing.as_dict() if existing else {"name": name}
    fields.update({k: getattr(args, k) for k in _LOGIN_FIELDS if getattr(args, k) is not None})
    if args.ca_file:
        fields["ca_file"] = os.path.abspath(args.ca_file)
    if args.git_host:
        fields["git_hosts"] = tuple(args.git_host)
    fields.update(_credential_fields(args, existing))
    fields.setdefault("client_id", os.environ.get("AMPLIFY_CLIENT_ID"))
    if not fields.get("client_id"):
        raise ConfigError("login needs --client-id (or AMPLIFY_CLIENT_ID)")
    if args.env is not None and args.base_url is None and existing is not None:
        fields["base_url"] = None  # a new environment replaces an old base URL override
    return profiles.make_profile(**fields)


def _read_secret(args: argparse.Namespace, io: _Streams) -> str:
    if args.client_secret is not None:
        io.stderr.write(
            f"{PROG}: warning: --client-secret is visible to other users of this machine "
            "(ps, shell history): prefer --secret-stdin or the prompt\n"
        )
        secret: str = args.client_secret
    elif args.secret_stdin:
        secret = io.stdin.read().removesuffix("\n").removesuffix("\r")
    elif os.environ.get("AMPLIFY_CLIENT_SECRET"):
        secret = os.environ["AMPLIFY_CLIENT_SECRET"]
    elif io.stdin.isatty():
        import getpass

        secret = getpass.getpass("Client secret (input hidden): ")
    else:
        raise ConfigError(
            "no client secret: pipe it with --secret-stdin, or set AMPLIFY_CLIENT_SECRET"
        )
    if not secret or any(c in secret for c in "\r\n\0"):
        raise ConfigError("the client secret is empty or holds a line break or NUL")
    return secret


def _credential_fields(args: argparse.Namespace, existing: Profile | None) -> dict[str, object]:
    """What this login's credential says about the profile: a key, or a secret again."""
    if args.key_file is not None:
        if args.auth_method is not None:
            raise ConfigError("--auth-method is for secrets: a key is always sent as an assertion")
        key_file = os.path.abspath(args.key_file) if args.keep_key_file else None
        return {"auth_method": "key", "key_file": key_file}
    if args.keep_key_file or args.key_passphrase_stdin:
        raise ConfigError("--keep-key-file and --key-passphrase-stdin go with --key-file")
    if existing is not None and existing.uses_key and args.auth_method is None:
        raise ConfigError(
            f"profile {existing.name!r} uses a private key: log in with --key-file PATH "
            "(or give --auth-method basic or post to use a secret from now on)"
        )
    return {"key_file": None}


def _read_key(args: argparse.Namespace, io: _Streams) -> str:
    """The key file's private key as unencrypted PKCS#8 PEM (the keyring protects it)."""
    from . import _assertion  # PyJWT and cryptography: only key logins load them

    path = args.key_file
    source = f"the key file {path}"
    data = _assertion.read_key_file(path, private=args.keep_key_file)
    if args.keep_key_file:
        return _assertion.private_pem(data, source, _assertion.no_passphrase(source))
    return _assertion.private_pem(data, source, lambda: _read_passphrase(args, io, source))


def _read_passphrase(args: argparse.Namespace, io: _Streams, source: str) -> str:
    if args.key_passphrase_stdin:
        return io.stdin.read().removesuffix("\n").removesuffix("\r")
    if io.stdin.isatty():
        import getpass

        return getpass.getpass(f"Passphrase for {args.key_file} (input hidden): ")
    raise ConfigError(f"{source} is encrypted: pipe its passphrase with --key-passphrase-stdin")


def cmd_token(args: argparse.Namespace, io: _Streams) -> int:
    profile = profiles.select(args.profile)
    token = _core.get_token(profile, refresh=args.refresh)
    if args.json:
        _print_json(io.stdout, _official_shape(profile, token))
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
    rows = [_status_of(p) for p in found]
    if args.json:
        _print_json(io.stdout, rows)
    elif not rows:
        io.stdout.write(f"No profiles: run `{PROG} login --client-id ID` to add one.\n")
    for row in rows if not args.json else ():
        io.stdout.write(_status_line(row) + "\n")
    return 0


def _status_of(profile: Profile) -> dict[str, object]:
    token = cache.read(profile)
    state = None
    if token is not None:
        state = {
            "valid": token.is_fresh(profile.refresh_margin),
            "expiresAt": int(token.expires_at * 1000),
            "orgId": token.org_id,
        }
    return {
        "profile": profile.name,
        "clientId": profile.client_id,
        "env": profile.env,
        "tokenUrl": profile.token_endpoint,
        "authMethod": profile.auth_method,
        "usesKey": profile.uses_key,
        "keyFile": profile.key_file,
        "gitHosts": list(profile.git_hosts),
        "token": state,
    }


def _status_line(row: dict[str, object]) -> str:
    token = row["token"]
    if not isinstance(token, dict):
        state = "no cached token"
    else:
        left = token["expiresAt"] / 1000 - time.time()
        state = (
            f"token valid for {_duration(left)}"
            if token["valid"]
            else "token expired or due for renewal"
        )
        state += f", org {token['orgId']}" if token["orgId"] else ""
    git_hosts = row["gitHosts"]
    hosts = f", git hosts {' '.join(git_hosts)}" if git_hosts else ""  # type: ignore[arg-type]
    how = "private key" if row["usesKey"] else str(row["authMethod"])
    how += f" file {row['keyFile']}" if row["keyFile"] else ""
    where = f"{row['tokenUrl']} ({how})"
    return f"{row['profile']}: client {row['clientId']}, {where}, {state}{hosts}"


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


# -- output helpers -----------------------------------------------------------------------


def _official_shape(profile: Profile, token: Token) -> dict[str, object]:
    """The JSON that scripts written for the official CLI read (`.auth.tokens.access_token`,
    `.org.id`), so they keep working unchanged."""
    org_id = None if token.org_id is None else int(token.org_id)
    return {
        "auth": {
            "tokens": {
                "access_token": token.access_token,
                "token_type": "bearer",
                "expires_in": max(0, int(token.expires_in())),
            },
            "expires": {"access": int(token.expires_at * 1000)},
            "clientId": profile.client_id,
            "baseUrl": profile.login_base_url,
            "realm": profile.login_realm,
            "env": profile.env,
            "platformUrl": profile.platform_base_url,
        },
        "org": None if org_id is None else {"id": org_id, "org_id": org_id},
    }


def _print_json(out: IO[str], value: object) -> None:
    out.write(json.dumps(value, indent=2) + "\n")


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"
