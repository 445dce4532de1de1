"""Profiles: which service account, against which login service, and the URLs that follow.

A ``Profile`` is a value; ``_validate.make_profile`` builds a checked one, ``config`` keeps them
in the config file, and ``_select.load_profile`` picks the one in use.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .._record import Record
from ._regions import DEFAULT_REGION, SITES, UNKNOWN, region_of

# Login services of the Amplify Platform (a Keycloak realm each), by their default region's
# hosts (_regions.SITES), and the aliases the official CLI accepts for them.
ENVIRONMENTS = {env: SITES[env, DEFAULT_REGION][:2] for env in ("prod", "staging", "preprod")}
ENV_ALIASES = {"production": "prod", "dev": "staging", "test": "staging"}
DEFAULT_REALM = "Broker"
KEYCLOAK_TOKEN_PATH = "/protocol/openid-connect/token"  # noqa: S105  (a path, under the issuer)
SECRET_METHODS = ("basic", "post")  # how a client secret is sent (RFC 6749 §2.3.1)
AUTH_METHODS = (*SECRET_METHODS, "key")  # "key": a signed client assertion (RFC 7523)
DEFAULT_PROFILE = "default"
ENV_PROFILE = "(environment)"  # the profile AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET define
NO_SETTINGS: Mapping[str, Mapping[str, object]] = MappingProxyType({})


class Profile(Record):
    """One service account and how to reach its login service.

    ``settings`` belong to integrations: integration name ("git", "docker") -> that integration's
    settings, JSON values the core keeps but never interprets (read-only; lists read as tuples).
    """

    name: str
    client_id: str
    env: str = "prod"
    region: str | None = None  # None: not given (US, unless the login URLs are the profile's own)
    base_url: str | None = None
    realm: str | None = None
    token_url: str | None = None
    platform_url: str | None = None
    auth_method: str = "basic"
    refresh_margin: int = 300
    timeout: float = 10.0  # seconds, for connecting and for each read
    ca_file: str | None = None  # a private certificate authority's PEM bundle
    key_file: str | None = None  # a kept private key file, read at each mint instead of the keyring
    # The `kid` a key profile's assertions name: None, the id Keycloak computes for an uploaded
    # key; "" none at all; else this one (a client registered with its own JWKS).
    key_id: str | None = None
    settings: Mapping[str, Mapping[str, object]] = NO_SETTINGS
    from_environment: bool = False

    # Read-only settings are mappings, which have no hash: say so plainly instead of failing
    # inside hash() of a mapping.
    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[object, ...]:
        # A read-only mapping cannot be pickled or deep-copied: the settings travel as plain
        # JSON values and are made read-only again on the way back.
        return (_rebuilt, ({**self.as_dict(), "settings": as_json(self.settings)},))

    @property
    def uses_key(self) -> bool:
        return self.auth_method == "key"

    @property
    def login_base_url(self) -> str:
        return (self.base_url or SITES[self.env, self.region or DEFAULT_REGION][0]).rstrip("/")

    @property
    def login_realm(self) -> str:
        return self.realm or DEFAULT_REALM

    @property
    def issuer(self) -> str | None:
        """The realm's issuer URL: the audience of client assertions, where discovery is.

        A profile with its own token URL talks to that server only: its issuer is read from
        the URL when that has Keycloak's shape, else it is unknown (None), never the default
        login service's."""
        if self.token_url is None:
            return self._realm_url
        if self.token_url.endswith(KEYCLOAK_TOKEN_PATH):
            return self.token_url[: -len(KEYCLOAK_TOKEN_PATH)]
        return None

    @property
    def token_endpoint(self) -> str:
        return self.token_url or self._realm_url + KEYCLOAK_TOKEN_PATH

    @property
    def _realm_url(self) -> str:
        return f"{self.login_base_url}/auth/realms/{self.login_realm}"

    @property
    def platform_base_url(self) -> str:
        return (self.platform_url or SITES[self.env, self.region or DEFAULT_REGION][1]).rstrip("/")

    @property
    def region_name(self) -> str:
        """US, EU, AP, EU2, or "unknown" (see ``_regions.region_of``)."""
        return region_of(self.region, bool(self.base_url or self.token_url))

    @property
    def central_url(self) -> str | None:
        """The region's Amplify Central URL; None when the region or its host is unknown."""
        region = self.region_name
        return None if region == UNKNOWN else SITES[self.env, region][2]


def _rebuilt(fields: dict[str, object]) -> Profile:
    """Unpickling and deep copies: the profile again, its settings read-only (they were checked
    when the profile was made)."""
    return Profile(**{**fields, "settings": read_only(fields["settings"])})  # type: ignore[arg-type]


# -- the form of integration settings: read-only JSON values (_validate checks their bounds) ----


def read_only(value: object) -> object:
    """A JSON value made read-only: objects as mappings, arrays as tuples (``as_json`` undoes
    it)."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: read_only(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(read_only(item) for item in value)
    return value


def as_json(value: object) -> object:
    """Read-only settings as plain JSON values again (dicts and lists), for writing or printing."""
    if isinstance(value, Mapping):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(item) for item in value]
    return value
