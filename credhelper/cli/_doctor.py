"""``amplify-credhelper doctor``: why does it fail? One line per check, for each profile.

For each profile: can the keyring be read, is the secret (or private key) there, does the token
URL answer, how long is the cached token good for; then what each integration says of its own
settings of the profile (``Command.doctor_checks``: git's hosts, Docker's registries). Nothing
here mints a token: a mint would spend the secret and, for a key, a signed assertion, and the
login service logs each one; the token URL is asked with a request that carries no credentials
at all, which a token endpoint answers with 400 or 401 (RFC 6749 §5.2). A line never holds a
secret or a token.
"""

from __future__ import annotations

from ..commands import Command, integration_commands
from ..errors import PROG, ConfigError, CredhelperError, KeyringUnavailable, LoginServiceError
from ..profiles import config
from ..profiles._select import environment_defined, environment_profile, load_profile
from ..tokens import cache
from ._output import duration

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable, Iterator

    from ..commands import Streams
    from ..profiles.profile import Profile

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
    from ..tokens import _assertion

    try:
        _assertion.read_key_file(path, private=True)
    except ConfigError as exc:
        return (FAIL, "private key", str(exc))
    return (OK, "private key", f"the key file {path} is readable by you alone")


def _keyring_checks(profile: Profile) -> list[Check]:
    from ..profiles import _keyring

    what = "private key" if profile.uses_key else "secret"
    try:
        found = _keyring.get_secret(profile)
    except KeyringUnavailable as exc:
        return [(FAIL, "keyring", str(exc)), (NOTE, what, "not checked: the keyring is unusable")]
    checks = [(OK, "keyring", f"{_keyring.backend_name()} can be read")]
    option = " --key-file PATH" if profile.uses_key else ""
    login = f"run `{PROG} login --profile {profile.name}{option}`"
    if found is None:
        return [*checks, (FAIL, what, f"none in the keyring for client {profile.client_id}: "
                          f"{login}")]  # fmt: skip
    if _keyring.holds_private_key(found) != profile.uses_key:  # 0.1.0's shared entry
        held = "a client secret" if profile.uses_key else "a private key"
        return [*checks, (FAIL, what, f"the keyring holds {held} instead: {login} again")]
    return [*checks, (OK, what, "in the keyring")]


def _token_url_check(profile: Profile) -> Check:
    from ..tokens import _http, oauth

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
    except (ConfigError, LoginServiceError) as exc:  # ConfigError: the CA file, the proxy
        return (FAIL, "token URL", _unechoed(str(exc), profile))
    if status in _ANSWERS_WITHOUT_CREDENTIALS:
        return (OK, "token URL", f"{url} answers (HTTP {status} to a request without credentials)")
    return (FAIL, "token URL", f"{url} answered HTTP {status}, {_WRONG_URL}")


def _unechoed(text: str, profile: Profile) -> str:
    """``text`` unless it holds a credential the login service knows (the probe carries
    none, but the service issued the cached token and holds the secret)."""
    import os

    from ..tokens._echo import credential_forms
    from ..tokens.oauth import said

    token = cache.read(profile)
    secret = os.environ.get("AMPLIFY_CLIENT_SECRET", "") if profile.from_environment else ""
    known = credential_forms(secret, token.access_token if token else "")
    return said(text, known, len(text))


def _cache_check(profile: Profile) -> Check:
    token = cache.read(profile)
    if token is None:
        return (NOTE, "cached token", "none: the next command mints one")
    if not token.is_fresh(profile.refresh_margin):
        return (NOTE, "cached token", "expired or due for renewal: the next command mints one")
    org = f"org {token.org_id}" if token.org_id else "no org id in it (no X-Axway-Tenant-Id)"
    return (OK, "cached token", f"valid for {duration(token.expires_in())}, {org}")


def _examined(name: str | None) -> Iterator[tuple[str, list[Check]]]:
    """(heading, checks) of the profile named, else of every profile: the environment's first,
    then the stored ones by name, those that cannot be read included (each one failure)."""
    if name is not None:
        yield _examined_profile(load_profile(name))
        return
    stored = config.read()
    if not (stored.profiles or stored.broken or environment_defined()):
        raise ConfigError(f"no profiles: run `{PROG} login --client-id ID` to add one")
    if environment_defined():
        yield _examined_environment()
    for stored_name in sorted({*stored.profiles, *stored.broken}):
        if stored_name in stored.broken:
            problem = f"{stored.broken[stored_name]}: fix or remove it in {config.path()}"
            yield f"profile {stored_name!r}: cannot be used", [(FAIL, "config", problem)]
        else:
            yield _examined_profile(stored.profiles[stored_name])


def _examined_profile(profile: Profile) -> tuple[str, list[Check]]:
    checks = [*check_profile(profile), *integration_checks(profile, integration_commands())]
    return f"profile {profile.name!r}: client {profile.client_id}", checks


def integration_checks(profile: Profile, commands: Iterable[Command]) -> list[Check]:
    """What each integration says of its own settings of ``profile``: the core reads none."""
    return [check for command in commands for check in _checks_of(command, profile)]


def _checks_of(command: Command, profile: Profile) -> list[Check]:
    try:
        return list(command.doctor_checks(profile))
    except CredhelperError as exc:  # an integration's own failure: one row, the others go on
        return [(FAIL, command.name, str(exc))]


def warn_of_integration_failures(profile: Profile, commands: Iterable[Command]) -> None:
    """After a login: each FAIL of the integrations' checks as one warning line."""
    import warnings

    for mark, subject, text in integration_checks(profile, commands):
        if mark == FAIL:
            warnings.warn(f"{subject}: {text}", stacklevel=2)


def _examined_environment() -> tuple[str, list[Check]]:
    try:
        return _examined_profile(environment_profile())
    except ConfigError as exc:  # a bad AMPLIFY_* value: the stored profiles are still checked
        return "the AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET profile", [(FAIL, "config", str(exc))]


class Doctor(Command):
    name = "doctor"
    help = "check each profile: keyring, secret, token URL, cached token, git and Docker settings"
    description = help + "; exit code 1 when something is wrong"

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        failures = 0
        for heading, checks in _examined(args.profile):
            io.stdout.write(heading + "\n")
            for mark, subject, text in checks:
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


DOCTOR = Doctor()
