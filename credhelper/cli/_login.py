"""``amplify-credhelper login``: its options, and turning them into a profile and a credential.

Loaded only when the command is ``login`` (or for the full help): the other commands, the cache
hit above all, never pay for building its parser. Integrations add options to it
(``Command.add_login_options``) for the profile settings they keep, such as git's hosts.
"""

from __future__ import annotations

import os
import warnings

from ..commands import Command, integration_commands
from ..errors import ConfigError
from ..profiles import config
from ..profiles._regions import REGIONS, region_choice
from ..profiles._select import stored_name
from ..profiles._validate import make_profile
from ..profiles.profile import SECRET_METHODS
from ..tokens import _core
from ._output import duration, official_shape, print_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Mapping, Sequence

    from ..commands import CommandParser, Streams
    from ..profiles.profile import Profile


class Login(Command):
    name = "login"
    help = "prove and save a service account's credentials"
    description = (
        "Mint a token with the credentials, then save the secret (or private key) in the "
        "keyring and the profile in the config file. Nothing is saved if the token request fails."
    )

    def __init__(
        self, integrations: Callable[[], Sequence[Command]] = integration_commands
    ) -> None:
        self._integrations = integrations

    def add_arguments(self, parser: CommandParser) -> None:
        _add_credential_options(parser)
        _add_service_options(parser)
        parser.add_argument(
            "--json", action="store_true", help="print the official CLI's JSON shape"
        )
        for command in self._integrations():
            command.add_login_options(parser)

    def run(self, args: argparse.Namespace, io: Streams) -> int:
        profile = self._login_profile(args, config.load_all().get(stored_name(args.profile)))
        secret = _read_key(args, io) if profile.uses_key else _read_secret(args, io)
        # Built again when saving, from the profile stored then: what others saved while the
        # token was requested (a setup-docker, an erase, another login's options) stays.
        token = _core.login(profile, secret, lambda current: self._login_profile(args, current))
        from ._doctor import warn_of_integration_failures  # e.g. registries on a key profile

        warn_of_integration_failures(profile, self._integrations())
        if args.json:
            print_json(io.stdout, official_shape(profile, token))
        else:
            org = f", org {token.org_id}" if token.org_id else ""
            io.stdout.write(
                f"Logged in: profile {profile.name!r}, client {profile.client_id}{org}; "
                f"token valid for {duration(token.expires_in())}.\n"
            )
        return 0

    def _login_profile(self, args: argparse.Namespace, existing: Profile | None) -> Profile:
        """The profile to save: ``existing``, the stored one (when logging in again; one that
        cannot be read is replaced), changed by the options given; the fields they do not name
        stay as stored. Integrations' checks (a registry served by another profile) run here."""
        fields: dict[str, object] = (
            existing.as_dict() if existing else {"name": stored_name(args.profile)}
        )
        fields.update({k: getattr(args, k) for k in _LOGIN_FIELDS if getattr(args, k) is not None})
        if args.ca_file:
            fields["ca_file"] = os.path.abspath(args.ca_file)
        fields.update(_credential_fields(args, existing))
        fields["settings"] = self._settings(args, existing)
        fields.setdefault("client_id", os.environ.get("AMPLIFY_CLIENT_ID"))
        if not fields.get("client_id"):
            raise ConfigError("login needs --client-id (or AMPLIFY_CLIENT_ID)")
        if (args.env or args.region) and args.base_url is None and existing is not None:
            fields["base_url"] = None  # a new environment or region replaces an old override
        return make_profile(**fields)

    def _settings(
        self, args: argparse.Namespace, existing: Profile | None
    ) -> dict[str, Mapping[str, object]]:
        """The profile's integration settings, as each integration's login options change them."""
        settings: dict[str, Mapping[str, object]] = dict(existing.settings) if existing else {}
        for command in self._integrations():
            key = command.settings_key
            values = command.login_settings(args, settings.get(key, {}))
            if values is not None:
                settings[key] = values
                if not values:
                    del settings[key]
        return settings


def _add_credential_options(parser: CommandParser) -> None:
    parser.add_argument("--client-id", metavar="ID", help="the service account's client id")
    secret = parser.add_mutually_exclusive_group()
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
    parser.add_argument(
        "--key-passphrase-stdin",
        action="store_true",
        help="read the key file's passphrase from stdin (else a hidden prompt asks for it)",
    )
    parser.add_argument(
        "--key-id",
        metavar="KID",
        help="the key id (kid) assertions name: 'none' sends none, 'computed' Keycloak's own "
        "id of the key (the default)",
    )
    parser.add_argument(
        "--keep-key-file",
        action="store_true",
        help="read the key from its file at each token instead of keeping it in the keyring "
        "(the file must be readable by you alone and unencrypted)",
    )


def _add_service_options(parser: CommandParser) -> None:
    parser.add_argument("--env", help="prod (default), staging or preprod")
    parser.add_argument(
        "--region",
        type=region_choice,
        choices=REGIONS,
        help="the organisation's region: US (default), EU, AP (or APAC) or EU2; sets the login, "
        "platform and Amplify Central URLs",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="login service base URL (overrides --env)"
    )
    parser.add_argument("--realm", help="Keycloak realm (default Broker)")
    parser.add_argument("--token-url", metavar="URL", help="token endpoint, used verbatim")
    parser.add_argument("--platform-url", metavar="URL", help="platform URL (overrides --env)")
    parser.add_argument(
        "--auth-method",
        choices=SECRET_METHODS,
        help="how the secret is sent (default basic; a key is always sent as an assertion)",
    )
    parser.add_argument(
        "--refresh-margin",
        type=int,
        metavar="SECONDS",
        help="renew tokens this long before expiry (default 300)",
    )
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="connect and read timeout (default 10)"
    )
    parser.add_argument(
        "--ca-file", metavar="PEM", help="a private certificate authority for the login service"
    )


_LOGIN_FIELDS = (
    "client_id",
    "env",
    "region",
    "base_url",
    "realm",
    "token_url",
    "platform_url",
    "auth_method",
    "refresh_margin",
    "timeout",
    "ca_file",
)


def _read_secret(args: argparse.Namespace, io: Streams) -> str:
    if args.client_secret is not None:
        warnings.warn(
            "--client-secret is visible to other users of this machine (ps, shell history): "
            "prefer --secret-stdin or the prompt",
            stacklevel=2,
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
        return {"auth_method": "key", "key_file": key_file, **_key_id_field(args.key_id)}
    if args.keep_key_file or args.key_passphrase_stdin or args.key_id is not None:
        raise ConfigError(
            "--keep-key-file, --key-passphrase-stdin and --key-id go with --key-file"
        )
    if existing is not None and existing.uses_key and args.auth_method is None:
        raise ConfigError(
            f"profile {existing.name!r} uses a private key: log in with --key-file PATH "
            "(or give --auth-method basic or post to use a secret from now on)"
        )
    return {"key_file": None, "key_id": None}


# --key-id's words for "no kid" and "Keycloak's computed kid"; a profile stores "" and null.
_KEY_ID_WORDS: dict[str, str | None] = {"none": "", "computed": None}


def _key_id_field(given: str | None) -> dict[str, object]:
    """The profile's key id as --key-id changes it; without it, the stored one stays."""
    if given is None:
        return {}
    if not given or not given.isprintable():
        raise ConfigError("--key-id needs a key id of printable characters, 'none' or 'computed'")
    return {"key_id": _KEY_ID_WORDS.get(given, given)}


def _read_key(args: argparse.Namespace, io: Streams) -> str:
    """The key file's private key as unencrypted PKCS#8 PEM (the keyring protects it)."""
    from ..tokens import _assertion  # PyJWT and cryptography: only key logins load them

    path = args.key_file
    source = f"the key file {path}"
    data = _assertion.read_key_file(path, private=args.keep_key_file)
    if args.keep_key_file:
        return _assertion.private_pem(data, source, _assertion.no_passphrase(source))
    return _assertion.private_pem(data, source, lambda: _read_passphrase(args, io, source))


def _read_passphrase(args: argparse.Namespace, io: Streams, source: str) -> str:
    if args.key_passphrase_stdin:
        return io.stdin.read().removesuffix("\n").removesuffix("\r")
    if io.stdin.isatty():
        import getpass

        return getpass.getpass(f"Passphrase for {args.key_file} (input hidden): ")
    raise ConfigError(f"{source} is encrypted: pipe its passphrase with --key-passphrase-stdin")
