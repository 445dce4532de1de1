"""Which profile answers git for a host: the one named, or the one whose git hosts list it.

The answer comes with the reason for it, which the helper shows under --verbose (or
AMPLIFY_VERBOSE=1): a helper that stays silent is otherwise impossible to tell from one that
was never asked.
"""

from __future__ import annotations

import warnings

from credhelper import ConfigError, Profile, is_loopback, list_profiles, load_profile

from . import settings
from .hostrule import serves
from .protocol import Request


class Choice:
    """The profile that answers a request (None: not ours, git asks its next helper), and why.
    A plain class, as ``Request``: dataclasses alone would cost the cache-hit path 15 ms."""

    __slots__ = ("profile", "why")

    def __init__(self, profile: Profile | None, why: str) -> None:
        self.profile, self.why = profile, why


def serving_profile(request: Request, name: str | None) -> Choice:
    """The profile that answers ``request``, or a Choice of none saying why not."""
    url = f"{request.protocol}://{request.host}"
    if not _is_web_request(request):
        return Choice(None, f"not answering for {url}: tokens go to https, or to plain http "
                            "on this machine (127.0.0.1, ::1, localhost) only")  # fmt: skip
    if request.protocol == "http":
        from .proxies import proxy_for  # plain http only: https never runs git config for it

        proxy = proxy_for(request.host or "", request.path, request.username)
        if proxy is not None:
            return Choice(None, f"not answering for {url}: {proxy} would send it through a "
                                "proxy, and the token in clear text with it; add the host to "
                                "no_proxy, or use https")  # fmt: skip
    if name is not None:
        return _named(load_profile(name), request, url)
    return _profile_for_host(request, url)


def _is_web_request(request: Request) -> bool:
    # git also asks helpers for other secrets (protocol=cert: a certificate's passphrase). A
    # token goes to https, or to plain http on this machine only, as the core's own URLs do.
    if request.protocol == "https":
        return bool(request.host)
    return request.protocol == "http" and is_loopback(request.host or "")


def _named(profile: Profile, request: Request, url: str) -> Choice:
    """The profile named on the command line, if it serves the host: a profile that lists hosts
    serves those alone, so a helper line that is not scoped to a URL cannot hand its token to
    another host (a submodule's, say); one that lists none serves what git's config sends."""
    listed = settings.hosts(profile)
    host = request.host or ""
    if listed and not any(serves(pattern, request.protocol, host) for pattern in listed):
        return Choice(None, f"not answering for {url}: profile {profile.name!r} lists its git "
                            f"hosts ({', '.join(listed)}), and not this one")  # fmt: skip
    return Choice(profile, f"profile {profile.name!r} (named on the command line) answers {url}")


def _profile_for_host(request: Request, url: str) -> Choice:
    """The profile that lists the host: one whose git user name is the one git sent (from the
    URL, ``https://bot@host/``, or ``credential.<url>.username``), else an exact name before a
    wildcard, then the first by name."""
    found = sorted(
        [
            (not _is_users(profile, request.username), "*" in pattern, profile.name, profile)
            for profile in list_profiles()
            for pattern in _listed_hosts(profile)
            if serves(pattern, request.protocol, request.host or "")
        ],
        key=lambda item: item[:3],
    )
    if not found:
        return Choice(None, f"no profile lists {url} as a git host: add it with `login "
                            "--git-host`, or name a profile in the helper line")  # fmt: skip
    chosen = found[0][-1]
    names = ", ".join(repr(name) for name in sorted({item[2] for item in found}))
    how = "its git user name is the one git sent" if not found[0][0] else "first by name"
    return Choice(chosen, f"profile {chosen.name!r} answers {url} ({how}; listed by {names})")


def _is_users(profile: Profile, username: str | None) -> bool:
    try:
        return username is not None and settings.username(profile) == username
    except ConfigError:
        return False


def _listed_hosts(profile: Profile) -> tuple[str, ...]:
    # One profile's bad hosts must not stop the others from serving theirs.
    try:
        return settings.hosts(profile)
    except ConfigError as exc:
        warnings.warn(f"{exc}: skipped", stacklevel=2)
        return ()
