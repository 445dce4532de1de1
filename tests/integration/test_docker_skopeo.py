"""A real registry and a real client: Debian's docker-registry on loopback with htpasswd (bcrypt)
taking the service account, and skopeo pushing and pulling an image with nothing but the
credHelpers entry that setup-docker wrote, the secret coming from the keyring through the
installed docker-credential-amplify."""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import amplify, console_script
from support.proxy import RecordingProxy
from support.registry import Registry, make_oci_image
from support.require import need

pytestmark = pytest.mark.integration

SECRET = "Registry-S3cret-only-the-keyring-holds-4b1d"
TIMEOUT = 120
CONTENT = b"hello from an image pulled with the secret kept in the keyring\n"


def need_registry_tools() -> None:
    for tool, package in (("docker-registry", "docker-registry"), ("skopeo", "skopeo"),
                          ("htpasswd", "apache2-utils")):  # fmt: skip
        need(shutil.which(tool) is not None, f"{tool} (Debian package {package})")


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    need_registry_tools()
    with Registry(tmp_path_factory.mktemp("registry"), "test-client", SECRET) as server:
        yield server


@pytest.fixture
def skopeo_env(subprocess_env, home: Path, endpoint) -> dict[str, str]:
    endpoint.clients["test-client"] = SECRET
    return env_for_skopeo(subprocess_env, home)


def env_for_skopeo(subprocess_env: dict[str, str], home: Path) -> dict[str, str]:
    """The installed commands on PATH, a private docker config, and no other auth file."""
    for folder in ("docker", "run", "home"):
        (home / folder).mkdir(exist_ok=True)
    (home / "registries.conf").write_text("")
    (home / "policy.json").write_text('{"default": [{"type": "insecureAcceptAnything"}]}')
    bin_dir = os.path.dirname(console_script("docker-credential-amplify"))
    return {
        **subprocess_env,
        "PATH": bin_dir + os.pathsep + subprocess_env.get("PATH", "/usr/bin:/bin"),
        "DOCKER_CONFIG": str(home / "docker"),
        # skopeo reads $XDG_RUNTIME_DIR/containers/auth.json first: an empty folder here
        "XDG_RUNTIME_DIR": str(home / "run"),
        "CONTAINERS_REGISTRIES_CONF": str(home / "registries.conf"),
    }


def skopeo(env: dict[str, str], home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["skopeo", "--policy", str(home / "policy.json"), *args], input=stdin,
                          env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)  # fmt: skip


def test_skopeo_pushes_and_pulls_with_the_credential_helper_only(registry, skopeo_env, home, endpoint) -> None:
    env, image = skopeo_env, home / "image"
    image.mkdir()
    layer = make_oci_image(image, "1", CONTENT)
    remote = f"docker://{registry.host}/agents/tiny:1"
    push = ("copy", "--dest-tls-verify=false", f"oci:{image}:1", remote)
    pull = ("copy", "--src-tls-verify=false", remote, f"oci:{home / 'pulled'}:1")

    refused = skopeo(env, home, *push)
    assert refused.returncode != 0 and "unauthorized" in refused.stderr, refused.stderr

    done = amplify(env, "login", "--profile", "agents", "--client-id", "test-client",
                   "--base-url", endpoint.base_url, "--secret-stdin", stdin=SECRET)  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = amplify(env, "setup-docker", "--profile", "agents", f"http://{registry.host}/")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{registry.host}: served by profile 'agents'\n", "")
    config = json.loads((home / "docker" / "config.json").read_text())
    assert config == {"credHelpers": {registry.host: "amplify"}}

    pushed = skopeo(env, home, *push)
    assert pushed.returncode == 0, pushed.stderr + registry.log[-2000:]
    pulled = skopeo(env, home, *pull)
    assert pulled.returncode == 0, pulled.stderr
    blob = home / "pulled" / "blobs" / "sha256" / layer.split(":")[1]
    assert CONTENT in gzip.decompress(blob.read_bytes())

    # `skopeo login` against a credHelpers entry sends `store`: the same credentials pass and
    # nothing is written; `skopeo logout` sends `erase`, and then the registry refuses again.
    authfile = str(home / "docker" / "config.json")
    login = skopeo(env, home, "login", "--authfile", authfile, "--tls-verify=false",
                   "--username", "test-client", "--password-stdin", registry.host, stdin=SECRET)  # fmt: skip
    assert (login.returncode, login.stdout) == (0, "Login Succeeded!\n"), login.stderr
    assert json.loads(Path(authfile).read_text()) == config
    logout = skopeo(env, home, "logout", "--authfile", authfile, registry.host)
    assert logout.returncode == 0, logout.stderr
    assert "no longer served by profile 'agents'" in logout.stderr
    again = skopeo(env, home, *pull)
    assert again.returncode != 0 and "unauthorized" in again.stderr, again.stderr

    assert_secret_only_in_the_keyring(home, registry.folder)
    assert endpoint.token_requests == 1  # login's proof; registries take no token


def test_a_proxy_never_carries_the_secret_to_a_loopback_registry(registry, skopeo_env, home, endpoint) -> None:
    # The helper hands the client secret for a plain-http registry on this machine. skopeo (and
    # Docker, both Go: net/http's proxy rule) never sends a request to a loopback host through
    # a proxy, whatever the variables say; this pins it, so the helper need not second-guess it.
    image = home / "image"
    image.mkdir()
    make_oci_image(image, "1", CONTENT)
    assert amplify(skopeo_env, "login", "--profile", "agents", "--client-id", "test-client",
                   "--base-url", endpoint.base_url, "--secret-stdin", stdin=SECRET).returncode == 0  # fmt: skip
    assert amplify(skopeo_env, "setup-docker", "--profile", "agents", registry.host).returncode == 0
    with RecordingProxy() as proxy:
        names = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
        env = {**{k: v for k, v in skopeo_env.items() if "proxy" not in k.lower()},
               **dict.fromkeys(names, proxy.url)}  # fmt: skip
        pushed = skopeo(env, home, "copy", "--dest-tls-verify=false", f"oci:{image}:1",
                        f"docker://{registry.host}/agents/proxied:1")  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    assert proxy.seen == [] and not proxy.received(SECRET)


def test_a_keycloak_service_account_logged_in_with_registry_pushes_and_pulls(
    keycloak, subprocess_env, home, tmp_path_factory
) -> None:
    """As with Axway's registries: Keycloak proves the service account's secret at login, and
    the registry takes the same client id and secret (its htpasswd holds them here)."""
    need_registry_tools()
    client, secret = "secret-sa", keycloak.realm.secrets["secret-sa"]
    with Registry(tmp_path_factory.mktemp("keycloak-registry"), client, secret) as registry:
        env, image = env_for_skopeo(subprocess_env, home), home / "image"
        image.mkdir()
        layer = make_oci_image(image, "1", CONTENT)
        before = keycloak.logins(client)
        done = amplify(env, "login", "--profile", "agents", "--client-id", client, "--base-url",
                       keycloak.base_url, "--secret-stdin", "--registry", f"http://{registry.host}/",
                       stdin=secret)  # fmt: skip
        assert done.returncode == 0, done.stderr + keycloak.server.log_tail()
        assert keycloak.logins(client) == before + 1  # Keycloak proved the secret
        done = amplify(env, "setup-docker", "--profile", "agents")
        assert (done.returncode, done.stdout) == (0, f"{registry.host}: served by profile 'agents'\n")
        remote = f"docker://{registry.host}/agents/tiny:1"
        pushed = skopeo(env, home, "copy", "--dest-tls-verify=false", f"oci:{image}:1", remote)
        assert pushed.returncode == 0, pushed.stderr + registry.log[-2000:]
        pulled = skopeo(env, home, "copy", "--src-tls-verify=false", remote, f"oci:{home / 'pulled'}:1")
        assert pulled.returncode == 0, pulled.stderr
        blob = home / "pulled" / "blobs" / "sha256" / layer.split(":")[1]
        assert CONTENT in gzip.decompress(blob.read_bytes())
        assert keycloak.logins(client) == before + 1  # the registry took the secret, no token
        assert_secret_only_in_the_keyring(home, registry.folder, secret=secret, user=client)


def assert_secret_only_in_the_keyring(*folders: Path, secret: str = SECRET, user: str = "test-client") -> None:
    forms = [secret.encode(), base64.b64encode(secret.encode()),
             base64.b64encode(f"{user}:{secret}".encode())]  # fmt: skip
    checked = 0
    for folder in folders:
        for path in (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            checked += 1
            if path.name == "keyring.json":  # the file-backed fake keyring: the keyring itself
                continue
            data = path.read_bytes()
            assert not any(form in data for form in forms), path
    assert checked > 5
