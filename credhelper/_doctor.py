"""``amplify-credhelper doctor``: why does it fail? One line per check, for each profile.

For each profile: can the keyring be read, is the secret (or private key) there, does the token
URL answer, how long is the cached token good for. Nothing here mints a token: a mint would
spend the secret and, for a key, a signed assertion, and the login service logs each one; the
token URL is asked with a request that carries no credentials at all, which a token endpoint
answers with 400 or 401 (RFC 6749 §5.2). A line never holds a secret or a token.
"""

from __future__ import annotations

from . import _core, cache
from ._output import PROG, duration
from .errors import ConfigError, KeyringUnavailable, LoginServiceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from .cli import _Streams as Streams
    from .profiles import Profile

    Check = tuple[str, str, str]  # (mark, subject, what was found and what to do)

OK, FAIL, NOTE = "ok", "FAIL", "--"
_ANSWERS_WITHOUT_CREDENTIALS = (400, 401)  # RFC 6749 §5.2: invalid_request, invalid_client
_WRONG_URL = (
    "where a token endpoint answers 400 or 401: check the URL (log in again with --base-url, "
    "--realm or --token-url)"
)


def check_profile(profile: Profile) -> list[Check]:
    """Every check of ``profile``, in the order a token needs them."""
    return [*_secret_checks(profile), _token_url_check(profile), _cache_check(profile)]


def _secret_checks(profile: Profile) -> list[Check]:
    if profile.from_environment:
        return [(OK, "secret", "from AMPLIFY_CLIENT_SECRET (no keyring needed)")]
    if profile.key_file is not None:
        return [_key_file_check(profile.key_file)]
    return _keyring_checks(profile)


def _key_file_check(path: str) -> Check:
    from . import _assertion

    try:
        _assertion.read_key_file(path, private=True)
    except ConfigError as exc:
        return (FAIL, "private key", str(exc))
    return (OK, "private key", f"the key file {path} is readable by you alone")


def _keyring_checks(profile: Profile) -> list[Check]:
    from . import _keyring

    what = "private key" if profile.uses_key else "secret"
    try:
        found = _keyring.get_secret(profile)
    except KeyringUnavailable as exc:
        return [(FAIL, "keyring", str(exc)), (NOTE, what, "not checked: the keyring is unusable")]
    checks = [(OK, "keyring", f"{_keyring.backend_name()} can be read")]
    if found is None:
        option = " --key-file PATH" if profile.uses_key else ""
        return [*checks, (FAIL, what, f"none in the keyring for client {profile.client_id}: "
                          f"run `{PROG} login --profile {profile.name}{option}`")]  # fmt: skip
    return [*checks, (OK, what, "in the keyring")]


def _token_url_check(profile: Profile) -> Check:
    from . import _http, oauth

    url = profile.token_endpoint
    request = oauth.TokenRequest(
        url=url,
        form=(("grant_type", "client_credentials"),),
        headers=(("Accept", "application/json"),),
    )
    try:
        status, _ = _http.send(
            request, timeout=profile.timeout, ca_file=profile.ca_file, deadline=profile.timeout
        )
    except LoginServiceError as exc:
        return (FAIL, "token URL", str(exc))
    except OSError as exc:  # the CA file: missing, unreadable, not PEM
        return (FAIL, "token URL", f"cannot use the CA file {profile.ca_file}: {exc}")
    if status in _ANSWERS_WITHOUT_CREDENTIALS:
        return (OK, "token URL", f"{url} answers (HTTP {status} to a request without credentials)")
    return (FAIL, "token URL", f"{url} answered HTTP {status}, {_WRONG_URL}")


def _cache_check(profile: Profile) -> Check:
    token = cache.read(profile)
    if token is None:
        return (NOTE, "cached token", "none: the next command mints one")
    if not token.is_fresh(profile.refresh_margin):
        return (NOTE, "cached token", "expired or due for renewal: the next command mints one")
    org = f"org {token.org_id}" if token.org_id else "no org id in it (no X-Axway-Tenant-Id)"
    return (OK, "cached token", f"valid for {duration(token.expires_in())}, {org}")


def _profiles(name: str | None) -> list[Profile]:
    if name is not None:
        return [_core.resolve(name)]
    found = _core.list_profiles()
    if not found:
        raise ConfigError(f"no profiles: run `{PROG} login --client-id ID` to add one")
    return found


class DoctorCommand:
    """The ``doctor`` command (the ``Command`` contract of credhelper.commands)."""

    name = "doctor"
    help = "check each profile: keyring, secret, token URL, cached token (never a secret)"

    def add_parser(
        self,
        commands: argparse._SubParsersAction,  # type: ignore[type-arg]
        common: argparse.ArgumentParser,
    ) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(
            self.name,
            parents=[common],
            help=self.help,
            description=self.help + "; exit code 1 when something is wrong",
        )
        return parser

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        failures = 0
        for profile in _profiles(args.profile):
            io.stdout.write(f"profile {profile.name!r}: client {profile.client_id}\n")
            for mark, subject, text in check_profile(profile):
                io.stdout.write(f"  {mark:<4} {subject}: {text}\n")
                failures += 1 if mark == FAIL else 0
        io.stdout.write(_summary(failures))
        return 1 if failures else 0


def _summary(failures: int) -> str:
    if failures:
        return f"{failures} problem{'s' if failures > 1 else ''} found: see the FAIL lines.\n"
    return (
        "No problems found. Only a new token proves the secret itself: "
        f"`{PROG} token --refresh --profile P >/dev/null`.\n"
    )


DOCTOR = DoctorCommand()
