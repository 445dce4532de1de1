"""Which profile answers git for a host: the one named, or the one whose git hosts list it."""

from __future__ import annotations

import re
import warnings

from credhelper import ConfigError, Profile, is_loopback, list_profiles, load_profile

from . import settings
from .protocol import Request


def serving_profile(request: Request, name: str | None) -> Profile | None:
    """The profile that answers ``request``, or None when the request is not ours."""
    if not _is_web_request(request):
        return None
    if name is not None:
        return load_profile(name)  # git's URL-scoped config already chose the hosts
    return _profile_for_host(request.host or "")


def _is_web_request(request: Request) -> bool:
    # git also asks helpers for other secrets (protocol=cert: a certificate's passphrase). A
    # token goes to https, or to plain http on this machine only, as the core's own URLs do.
    if request.protocol == "https":
        return bool(request.host)
    return request.protocol == "http" and is_loopback(request.host or "")


def _profile_for_host(host: str) -> Profile | None:
    """The stored profile that lists ``host``; an exact name wins over a wildcard, then the
    first profile by name."""
    found = [
        ("*" in pattern, profile.name, profile)
        for profile in list_profiles()
        for pattern in _listed_hosts(profile)
        if host_matches(pattern, host)
    ]
    return min(found, key=lambda item: item[:2])[2] if found else None


def _listed_hosts(profile: Profile) -> tuple[str, ...]:
    # One profile's bad hosts must not stop the others from serving theirs.
    try:
        return settings.hosts(profile)
    except ConfigError as exc:
        warnings.warn(f"{exc}: skipped", stacklevel=2)
        return ()


def host_matches(pattern: str, host: str) -> bool:
    """Whether git's ``host`` (with any ``:port``) is one that ``pattern`` names.

    As git's own URL matching (git-config(1), ``http.<url>.*``), so a pattern means the same
    hosts here as in a URL-scoped ``credential.https://PATTERN.helper``: case-insensitive, a
    port only matches the same port, and ``*`` stands for all or part of one name label:
    ``*.example.com`` covers ``git.example.com`` but not ``a.b.example.com``.
    """
    if "*" not in pattern:
        return pattern.lower() == host.lower()
    regex = "[^.:]*".join(re.escape(part) for part in pattern.lower().split("*"))
    return re.fullmatch(regex, host.lower()) is not None
