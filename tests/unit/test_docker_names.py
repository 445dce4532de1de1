"""Registry names: every spelling a client may send comes down to one, as docker/cli's
ConvertToHostname does (plus host-name case and Docker Hub's aliases)."""

from __future__ import annotations

import pytest
from docker_credential_amplify.names import (
    BadRegistry,
    config_keys,
    is_plain_http,
    normalise,
    parse_list,
)
from hypothesis import given
from hypothesis import strategies as st

AXWAY = "docker.repository.axway.com"


@pytest.mark.parametrize(
    "spelling",
    [
        AXWAY,
        f"  {AXWAY}\n",
        f"https://{AXWAY}",
        f"https://{AXWAY}/",
        f"https://{AXWAY}/v2/",
        "HTTPS://Docker.Repository.Axway.COM/v1/?x=1",
        f"{AXWAY}/agents/discovery",
        f"http://{AXWAY}",
    ],
)
def test_every_spelling_of_a_registry_is_one_name(spelling: str) -> None:
    assert normalise(spelling) == AXWAY


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("http://127.0.0.1:5000/v2/", "127.0.0.1:5000"),
        ("localhost:5000/image", "localhost:5000"),
        ("[::1]:5000", "[::1]:5000"),
        ("https://[::1]:5000/v2/", "[::1]:5000"),
        ("[::1]", "[::1]"),
        ("reg.example.com:443", "reg.example.com:443"),  # docker keeps a port as given
    ],
)
def test_ports_and_addresses_stay(spelling: str, name: str) -> None:
    assert normalise(spelling) == name


@pytest.mark.parametrize(
    "spelling",
    ["docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/",
     "https://registry-1.docker.io/v2/", "Docker.IO"],
)  # fmt: skip
def test_docker_hub_has_one_name_and_two_credhelpers_keys(spelling: str) -> None:
    assert normalise(spelling) == "docker.io"
    assert config_keys("docker.io") == ("https://index.docker.io/v1/", "docker.io")
    assert config_keys(AXWAY) == (AXWAY,)


@pytest.mark.parametrize(
    "junk",
    ["", "   ", "ftp://reg.example.com", "user@reg.example.com", "https://u:p@reg.example.com",
     "reg.example.com:0", "reg.example.com:65536", "reg.example.com:x", "reg.example.com:",
     "reg .example.com", "reg\x00.example.com", "reg\n.example.com", "-reg.example.com",
     "re_g.example.com", "ré.example.com", "https://", "//", "[::1", "[::1]x", "a" * 400,
     "a..b", "https:///v2/"],
)  # fmt: skip
def test_what_names_no_registry_is_refused(junk: str) -> None:
    with pytest.raises(BadRegistry, match="^not a registry name: "):
        normalise(junk)


def test_the_refusal_shows_a_long_name_shortened() -> None:
    with pytest.raises(BadRegistry) as caught:
        normalise("x" * 400)
    assert len(str(caught.value)) < 120


@given(st.text(max_size=300))
def test_any_text_is_a_name_or_a_bad_registry_and_a_name_is_stable(text: str) -> None:
    try:
        name = normalise(text)
    except BadRegistry:
        return
    assert normalise(name) == name
    assert name == name.lower() and "/" not in name and " " not in name


def test_the_ci_variable_takes_spaces_and_commas_and_skips_junk() -> None:
    assert parse_list(f" {AXWAY}, helm.repository.axway.com ,,ftp://x  {AXWAY.upper()}") == (
        AXWAY,
        "helm.repository.axway.com",
    )
    assert parse_list("") == ()


def test_plain_http_is_told_apart() -> None:
    assert is_plain_http(" HTTP://reg.example.com")
    assert not is_plain_http("https://reg.example.com")
    assert not is_plain_http("reg.example.com")
