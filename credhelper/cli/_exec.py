"""``amplify-credhelper exec -- CMD [ARGS...]``: run a program with a token in its environment.

CMD replaces this process (``os.execvpe``), as a shell's ``exec`` does, rather than running
as a child that we wait for. The environment of a running program cannot be changed, so a
parent that stays has nothing to renew; gone, it cannot get signals or exit statuses wrong:
CMD is the process its caller started, so Ctrl-C, ``kill`` and job control reach it directly,
its stdin, stdout and stderr are the ones we were given, and its exit status (or the signal
that killed it, which a shell reports as 128+N) is the caller's to see. The token travels in
the environment only, never in an argument list that ``ps`` shows. Windows has no exec: there
CMD runs as a child and its exit status is passed on. With ``--renew`` there is something to
renew: CMD runs as our child and reads its token from files we keep fresh (``_renew``).
"""

from __future__ import annotations

import argparse
import os

from ..commands import Command
from ..errors import PROG, ConfigError, CredhelperError, shown
from ..profiles._select import SECRET_WITHHELD, load_profile
from ..tokens import _core
from ..tokens.token import apply, environment
from ._builtin import mask_in_ci_log, parser_with_epilog
from ._output import duration

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ..commands import CommandParser, Streams, Subcommands
    from ..profiles.profile import Profile
    from ..tokens.token import Token

    Execute = Callable[[list[str], dict[str, str]], int]

MAX_MIN_VALID = 86400  # a day: far more than any access token lives
EPILOG = """\
CMD gets AMPLIFY_TOKEN, AMPLIFY_TENANT_ID (unset when the token names no org),
AMPLIFY_TOKEN_EXPIRES_AT (Unix seconds) and AMPLIFY_CENTRAL_URL (unset when the region is
unknown) in its environment; the token is never on a command line.
AMPLIFY_CLIENT_SECRET is removed from CMD's environment (--keep-secret-env keeps it): CMD gets
the token instead of the secret. An amplify-credhelper run inside CMD then serves the cached
token of the same profile, and cannot mint a new one (exit 1, saying so).
CMD takes this process's place: its exit status is exec's, and signals reach it.
With --renew, CMD runs as this process's child instead and also gets AMPLIFY_TOKEN_FILE (the
token alone) and AMPLIFY_HEADER_FILE (both headers, for curl -H @FILE): private files that hold
a fresh token until CMD ends, then are removed. Signals are passed on to CMD; exit status 128+N
when signal N killed it.
exit codes: CMD's own; 127 when CMD is not found, 126 when it cannot be run;
1-4 as for every command when no token can be had (see `amplify-credhelper --help`).

example:
  amplify-credhelper exec --profile ci -- sh -c \\
    'curl -H "Authorization: Bearer $AMPLIFY_TOKEN" -H "X-Axway-Tenant-Id: $AMPLIFY_TENANT_ID" URL'
  amplify-credhelper exec --renew --profile ci -- sh -c \
    'while sleep 60; do curl -fsS -H @"$AMPLIFY_HEADER_FILE" URL; done'
"""


# The long-lived credentials we read from the environment: CMD gets the token in their place
# (as aws-vault's exec hands out session credentials, never the long-lived keys).
LONG_LIVED = ("AMPLIFY_CLIENT_SECRET",)


def child_environment(
    environ: Mapping[str, str],
    token: Token,
    central_url: str | None = None,
    *,
    keep_secret: bool = False,
) -> dict[str, str]:
    """``environ`` with the token's variables (``tokens.token.environment``: those unknown,
    the org or the Central URL, removed, so that none inherited from elsewhere pairs with this
    token) and, unless ``keep_secret``, the long-lived secret removed (marked as withheld, see
    _select)."""
    env = dict(environ)
    env.pop(SECRET_WITHHELD, None)
    removed = [] if keep_secret else [name for name in LONG_LIVED if env.pop(name, None)]
    if removed:
        env[SECRET_WITHHELD] = "1"
    apply(environment(token, central_url), env)
    return env


def token_lasting(profile: Profile, min_valid: int | None) -> Token:
    """A token of ``profile`` with at least ``min_valid`` seconds left (None: the profile's
    refresh margin, as every command), minting a new one when the cached one has less."""
    token = _core.get_token(profile)
    if min_valid is None or token.expires_in() >= min_valid:
        return token
    lifetime = _lifetime(token)
    if lifetime is not None and min_valid >= lifetime:  # no new token would do: mint none
        raise _longer_than_tokens_last(profile, min_valid, lifetime)
    token = _core.get_token(profile, refresh=True)
    if token.expires_in() < min_valid:
        raise _longer_than_tokens_last(profile, min_valid, _lifetime(token) or token.expires_in())
    return token


def _lifetime(token: Token) -> float | None:
    return None if token.issued_at is None else token.expires_at - token.issued_at


def _longer_than_tokens_last(profile: Profile, min_valid: int, lifetime: float) -> ConfigError:
    return ConfigError(
        f"--min-valid {min_valid}: a token of profile {profile.name!r} lasts "
        f"{duration(lifetime)} from the login service; ask for less"
    )


def replace_process(argv: list[str], env: dict[str, str]) -> int:
    """Run ``argv`` in this process's place (see the module's docstring); returns only on
    Windows, with CMD's exit status. Raises OSError when CMD cannot be run."""
    if os.name == "nt":  # no exec there: a child, waited for
        import subprocess

        return subprocess.call(argv, env=env)
    os.execvpe(argv[0], argv, env)  # noqa: S606  (the user's own command, found on PATH)
    raise AssertionError("os.execvpe returned")  # pragma: no cover


def _min_valid_arg(text: str) -> int:
    if not text.isdigit() or int(text) > MAX_MIN_VALID:
        raise argparse.ArgumentTypeError(
            f"expected seconds from 0 to {MAX_MIN_VALID}, not {shown(text)}"
        )
    return int(text)


class Exec(Command):
    name = "exec"
    help = "run a program with the token in its environment (AMPLIFY_TOKEN, AMPLIFY_TENANT_ID)"

    def __init__(self, execute: Execute = replace_process) -> None:
        self._execute = execute

    def add_parser(self, commands: Subcommands, common: CommandParser) -> CommandParser:
        return parser_with_epilog(self, commands, common, EPILOG)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--min-valid",
            type=_min_valid_arg,
            metavar="SECONDS",
            help="the token is good for at least this long (default: the profile's refresh "
            "margin, at most half a token's life); a fresher one is minted if needed",
        )
        parser.add_argument(
            "--keep-secret-env",
            action="store_true",
            help="pass AMPLIFY_CLIENT_SECRET on to CMD (by default CMD gets the token instead)",
        )
        parser.add_argument(
            "--renew",
            action="store_true",
            help="stay CMD's parent and keep a fresh token in the files AMPLIFY_TOKEN_FILE and "
            "AMPLIFY_HEADER_FILE for as long as CMD runs",
        )
        # dest "argv": "command" is the CLI's own, the name of the command chosen
        parser.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not argv:
            raise ConfigError(f"exec needs a command: {PROG} exec [--profile P] -- CMD [ARGS...]")
        profile = load_profile(args.profile)
        token = token_lasting(profile, args.min_valid)
        env = child_environment(
            os.environ, token, profile.central_url, keep_secret=args.keep_secret_env
        )
        # CMD's stdout is ours, the step's: the runner registers the mask before CMD can print.
        mask_in_ci_log(io.stdout, token.access_token)
        io.stdout.flush()  # what we wrote must come out before CMD writes
        io.stderr.flush()
        try:
            if args.renew:  # CMD as our child, fed through token files (see _renew)
                from ._renew import run_renewing

                return run_renewing(profile, token, argv, env, io.stderr)
            return self._execute(argv, env)
        except OSError as exc:
            raise CannotRun(argv[0], exc) from exc


class CannotRun(CredhelperError):
    """CMD could not be run. Its exit code is the shells' (POSIX "Command Search and
    Execution"): 127 when CMD is not found, 126 when it is found but cannot be run."""

    def __init__(self, command: str, exc: OSError) -> None:
        missing = isinstance(exc, (FileNotFoundError, NotADirectoryError))
        why = "command not found" if missing else (exc.strerror or type(exc).__name__).lower()
        super().__init__(f"cannot run {shown(command, 200)}: {why}")
        self.exit_code = 127 if missing else 126


EXEC = Exec()
