"""Amplify's regions, and how a region composes with an environment into three hosts.

An organisation lives in one region: US (the default), EU, AP or EU2, the newer EU stack. The
region picks the Amplify Central (Engage) host an organisation's API calls go to, and for EU2
the login and platform hosts as well. The table is Axway's, as its agent SDK holds it
(``pkg/config/centralconfig.go``, ``regionalSettingsMap``) for prod, and as Axway's pre-release
notes give it for preprod ("Pre-prod US/EU Region"). Nothing else is known: staging's Central
host, or any non-prod EU2 or AP host. A combination with no entry is refused rather than guessed.

Plain data and small functions: ``Profile`` reads ``SITES`` on the cache-hit path.
"""

from __future__ import annotations

from ..errors import ConfigError, shown

REGIONS = ("US", "EU", "AP", "EU2")
REGION_ALIASES = {"APAC": "AP"}  # Axway's docs name the Asia-Pacific region APAC
DEFAULT_REGION = "US"
UNKNOWN = "unknown"  # the region of a profile with its own login URLs and no region given

_PROD = ("https://login.axway.com", "https://platform.axway.com")
_PREPROD = ("https://login.na-us.axwaypreprod.net", "https://platform.na-us.axwaypreprod.net")
# (environment, region) -> (login base URL, platform URL, Amplify Central URL or None: unknown)
SITES: dict[tuple[str, str], tuple[str, str, str | None]] = {
    ("prod", "US"): (*_PROD, "https://apicentral.axway.com"),
    ("prod", "EU"): (*_PROD, "https://central.eu-fr.axway.com"),
    ("prod", "AP"): (*_PROD, "https://central.ap-sg.axway.com"),
    ("prod", "EU2"): (
        "https://login.eu-fr.axway.com",
        "https://platform.eu-fr.axway.com",
        "https://engage.eu-fr.axway.com",
    ),
    ("staging", "US"): ("https://login.axwaytest.net", "https://platform.axwaytest.net", None),
    ("preprod", "US"): (*_PREPROD, "https://engage.na-us.axwaypreprod.net"),
    ("preprod", "EU"): (*_PREPROD, "https://engage.eu-fr.axwaypreprod.net"),
}


def canonical_region(name: str) -> str:
    """``name`` as the table spells it (any case; APAC for AP); ConfigError if no region."""
    region = region_choice(name)
    if region not in REGIONS:
        choices = ", ".join([*REGIONS, *REGION_ALIASES])
        raise ConfigError(f"unknown region {shown(name)}: choose one of {choices}")
    return region


def region_choice(name: str) -> str:
    """``--region``'s reading of what is typed: argparse then checks it among ``REGIONS``, which
    shell completion offers."""
    return REGION_ALIASES.get(name.upper(), name.upper())


def site(env: str, region: str) -> tuple[str, str, str | None]:
    """The hosts of ``region`` in ``env`` (both canonical); ConfigError listing what exists."""
    found = SITES.get((env, region))
    if found is None:
        known = ", ".join(r for e, r in SITES if e == env)
        raise ConfigError(
            f"no known {region} region in environment {shown(env)}: it has {known}; for "
            "another, give its URLs (base URL, platform URL) and no region"
        )
    return found


def checked_region(env: str, region: str | None) -> str | None:
    """A profile's region, canonical and known in ``env`` (None: not given); ConfigError else."""
    if region is None:
        return None
    region = canonical_region(region)
    site(env, region)
    return region


def region_of(region: str | None, own_login_url: bool) -> str:
    """The region a profile is in: the one given; else US (Amplify's default) when its login
    URLs come from the table, and "unknown" when it names its own (any login service may)."""
    return region or (UNKNOWN if own_login_url else DEFAULT_REGION)
