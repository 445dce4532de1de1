"""Run a real Keycloak, the server Amplify's login service runs, on loopback under /auth.

tests/run fetches the distribution once, builds it (`kc.sh build`: the dev-mem database and the
/auth path are build options, and the build is most of a first start) and names the built copy in
AMPLIFY_TEST_KEYCLOAK_HOME. Each test run gets its own server home: bin/ copied (kc.sh finds its
home from its own resolved path), the read-only parts linked, and a fresh data/ with the realm to
import, so concurrent runs never share a database or an import folder.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .require import need

HOME_ENV = "AMPLIFY_TEST_KEYCLOAK_HOME"
READY_TIMEOUT = 240.0  # seconds; a start takes 15-30 s here, more when the cores are busy
MAX_LIFETIME = 3600  # seconds; `timeout` stops the server even if the test run dies uncleanly
STOP_TIMEOUT = 20.0
SHARED = ("lib", "conf", "themes", "providers")  # read-only once built: linked, not copied
REALM = "Broker"


@dataclass(frozen=True)
class Keycloak:
    base_url: str  # what `login --base-url` takes: the issuer is {base_url}/auth/realms/Broker
    process: subprocess.Popen[bytes]
    log_path: Path
    admin_password: str

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/auth/realms/{REALM}"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    def log_tail(self, size: int = 3000) -> str:
        return "--- keycloak.log ---\n" + self.log_path.read_text(errors="replace")[-size:]

    def events(self, client_id: str, kind: str = "CLIENT_LOGIN") -> list[dict[str, Any]]:
        """Keycloak's own record of the token requests ``client_id`` made (admin events API)."""
        query = urllib.parse.urlencode({"client": client_id, "type": kind, "max": 10000})
        url = f"{self.base_url}/auth/admin/realms/{REALM}/events?{query}"
        events: list[dict[str, Any]] = _json(
            url, None, {"Authorization": f"Bearer {self._admin()}"}
        )
        return events

    def introspect(self, token: str, client_id: str, secret: str) -> dict[str, Any]:
        """RFC 7662 introspection, as a resource server checks a token it was handed."""
        pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        return _post_form(f"{self.token_url}/introspect", {"token": token},
                          {"Authorization": f"Basic {pair}"})  # fmt: skip

    def _admin(self) -> str:
        form = {"grant_type": "password", "client_id": "admin-cli", "username": "admin",
                "password": self.admin_password}  # fmt: skip
        url = f"{self.base_url}/auth/realms/master/protocol/openid-connect/token"
        return str(_post_form(url, form, {})["access_token"])


def _post_form(url: str, form: dict[str, str], headers: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = _json(url, urllib.parse.urlencode(form).encode(), headers)
    return result


def _json(url: str, data: bytes | None, headers: dict[str, str]) -> Any:
    # The URL is always our own http://127.0.0.1 server: no file: or other scheme reaches here.
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return json.load(answer)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (our loopback URL)
            return bool(answer.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def distribution() -> Path:
    """The built Keycloak named by AMPLIFY_TEST_KEYCLOAK_HOME; skips (or fails) without it."""
    home = Path(os.environ.get(HOME_ENV, "/nonexistent"))
    need((home / "bin" / "kc.sh").is_file() and (home / "lib" / "quarkus").is_dir(),
         f"a built Keycloak distribution in ${HOME_ENV} (tests/run fetches and builds it)")  # fmt: skip
    need(shutil.which("java", path=_java_path()) is not None, "java (17 or later) for Keycloak")
    return home


@contextlib.contextmanager
def run_keycloak(workdir: Path, realm_json: str) -> Iterator[Keycloak]:
    """Start Keycloak with ``realm_json`` imported; stop it (its whole process group) on exit."""
    home = _server_home(distribution(), workdir / "keycloak", realm_json)
    port, password = _free_port(), secrets.token_urlsafe(16)
    log_path = workdir / "keycloak.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _command(home, port), env=_environment(password), stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with_parent,
        )  # fmt: skip
    server = Keycloak(f"http://127.0.0.1:{port}", process, log_path, password)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)


def _server_home(dist: Path, home: Path, realm_json: str) -> Path:
    shutil.copytree(dist / "bin", home / "bin")
    for name in SHARED:
        (home / name).symlink_to(dist / name)
    (home / "data" / "import").mkdir(parents=True)
    (home / "data" / "import" / f"{REALM}.json").write_text(realm_json, encoding="utf-8")
    return home


def _command(home: Path, port: int) -> list[str]:
    # --optimized: use the build tests/run made; production mode, as Amplify's login runs.
    # --cache=local: no JGroups cluster, which would listen on every interface.
    return [
        "timeout", "-k", "10", str(MAX_LIFETIME), str(home / "bin" / "kc.sh"), "start",
        "--optimized", "--import-realm", "--cache=local", "--http-enabled=true",
        "--http-host=127.0.0.1", f"--http-port={port}", "--hostname-strict=false",
        f"--http-management-port={_free_port()}",
    ]  # fmt: skip


def _environment(admin_password: str) -> dict[str, str]:
    env = dict(os.environ, PATH=_java_path(), KC_BOOTSTRAP_ADMIN_USERNAME="admin",
               KC_BOOTSTRAP_ADMIN_PASSWORD=admin_password)  # fmt: skip
    # JDK 21's virtual threads deadlock Infinispan on 2 cores (Keycloak issues 37162, 45015).
    env["JAVA_OPTS_APPEND"] = "-Dorg.infinispan.threads.virtual=false"
    return env


def _java_path() -> str:
    java_home = os.environ.get("JAVA_HOME")
    path = os.environ.get("PATH", "")
    return f"{java_home}/bin:{path}" if java_home else path


def _die_with_parent() -> None:
    """In the child: SIGTERM it when the test process dies, however it dies (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(server: Keycloak) -> None:
    """Ready when the realm's discovery document answers 200: the realm is imported then."""
    deadline = time.monotonic() + READY_TIMEOUT
    url = f"{server.issuer}/.well-known/openid-configuration"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"Keycloak exited ({server.process.returncode}) before it was "
                               f"ready\n{server.log_tail()}")  # fmt: skip
        if _answers(url):
            return
        time.sleep(0.5)
    raise RuntimeError(f"Keycloak not ready in {READY_TIMEOUT:.0f} s\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """TERM the whole group (kc.sh runs java as a child, not by exec), then KILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # stragglers, even after the leader ended
    process.wait()
