"""Registry names as Docker compares them: one spelling per registry.

Clients ask a credential helper with whatever key they hold: a host name (`skopeo`, `crane`,
Helm), a ``credHelpers`` key, or a URL (``https://index.docker.io/v1/``, old ``docker login``
entries). docker/cli reduces all of them to ``host[:port]`` (``ConvertToHostname``: drop an
``http(s)://`` scheme, then everything from the first ``/``); we do the same, and also fold
host-name case (DNS names are case-insensitive) and Docker Hub's several names into one.
"""

from __future__ import annotations

import re

from credhelper.commands import shown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

DOCKER_HUB = "docker.io"
# The names Docker Hub answers to. docker/cli keys Hub credentials by INDEX_SERVER (its
# `registry.IndexServer`); containers/image (skopeo, buildah, podman) by "docker.io".
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
INDEX_SERVER = "https://index.docker.io/v1/"
_MAX = 300  # a DNS name is at most 253 characters; with a port and a scheme this is plenty
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\]", re.ASCII)
_PORT = re.compile(r"[0-9]{1,5}", re.ASCII)


class BadRegistry(ValueError):
    """A string that names no registry."""


def normalise(name: str) -> str:
    """The registry ``name`` stands for, as ``host[:port]`` (Docker Hub: ``docker.io``)."""
    text = name.strip()
    if not text or len(text) > _MAX or not text.isprintable() or " " in text:
        raise BadRegistry(f"not a registry name: {shown(text, 80)}")
    scheme, sep, rest = text.partition("://")
    if sep and scheme.lower() not in ("http", "https"):
        raise BadRegistry(f"not a registry name: {shown(text, 80)} (only http(s):// URLs)")
    netloc = (rest if sep else text).split("/", 1)[0].split("?", 1)[0].lower()
    host, port = _split_port(netloc)
    if "@" in netloc or not _HOST.fullmatch(host) or not _valid_port(port):
        raise BadRegistry(f"not a registry name: {shown(text, 80)}")
    if host in _HUB_ALIASES and port is None:
        return DOCKER_HUB
    return host if port is None else f"{host}:{port}"


def is_plain_http(name: str) -> bool:
    """Whether the client said ``http://``: the secret would cross the network unencrypted."""
    return name.strip()[:7].lower() == "http://"


def config_keys(registry: str) -> tuple[str, ...]:
    """The ``credHelpers`` keys through which clients ask about ``registry``."""
    return (INDEX_SERVER, DOCKER_HUB) if registry == DOCKER_HUB else (registry,)


def parse_list(value: str) -> tuple[str, ...]:
    """Registries from a variable such as AMPLIFY_DOCKER_REGISTRIES: spaces or commas apart.

    Entries that name no registry are left out: the variable cannot be fixed from here.
    """
    found = []
    for item in value.replace(",", " ").split():
        try:
            found.append(normalise(item))
        except BadRegistry:
            continue
    return unique(found)


def unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def _split_port(netloc: str) -> tuple[str, str | None]:
    if netloc.startswith("["):
        host, bracket, after = netloc.partition("]")
        if not bracket:
            return netloc, None  # no closing bracket: the host check refuses it
        return host + "]", (after[1:] if after.startswith(":") else after or None)
    host, sep, port = netloc.rpartition(":")
    return (host, port) if sep else (netloc, None)


def _valid_port(port: str | None) -> bool:
    return port is None or (bool(_PORT.fullmatch(port)) and 0 < int(port) < 65536)
