"""Run oidc-provider (a certified OpenID provider, on Node) as a Keycloak-shaped token endpoint.

The npm package is installed outside the repo (tests/run does it); AMPLIFY_TEST_OIDC_DIR names the
folder that holds its node_modules. See oidc_provider.mjs for what the server offers.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .require import need

SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
READY_TIMEOUT = 30.0  # seconds; node plus oidc-provider start in about half a second here
MAX_LIFETIME = 600  # seconds; the server exits by itself even if this process dies without cleanup


@dataclass(frozen=True)
class OidcServer:
    issuer: str
    token_url: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def run_oidc_provider(
    workdir: Path, clients: list[dict[str, Any]], *, token_ttl: int = 1800
) -> Iterator[OidcServer]:
    """Start oidc-provider on 127.0.0.1 with `clients` (oidc-provider client metadata).

    Access tokens live `token_ttl` seconds (Amplify documents 1800). The server says why it
    refused a request only in workdir/oidc-provider.log; its answers just say invalid_client.
    """
    _need_oidc_provider()
    config = workdir / "oidc-provider.json"
    settings = {
        "port": 0,
        "clients": clients,
        "token_ttl": token_ttl,
        "max_lifetime_seconds": MAX_LIFETIME,
    }
    config.write_text(json.dumps(settings))
    log_path = workdir / "oidc-provider.log"
    with log_path.open("wb") as log:
        # stderr goes to a file: a pipe nobody reads could fill up and stall the server.
        process = subprocess.Popen(
            ["node", str(SCRIPT), str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )
    try:
        ready = _read_ready_line(process, log_path)
        yield OidcServer(issuer=ready["issuer"], token_url=ready["token_url"], process=process)
    finally:
        _stop(process)


def _need_oidc_provider() -> None:
    folder = os.environ.get("AMPLIFY_TEST_OIDC_DIR", "")
    package = Path(folder) / "node_modules" / "oidc-provider" / "package.json"
    installed = bool(folder) and package.is_file()
    need(
        installed,
        "oidc-provider: set AMPLIFY_TEST_OIDC_DIR to a folder where "
        "`npm install --prefix FOLDER oidc-provider@9` ran (tests/run does this)",
    )
    need(shutil.which("node") is not None, "node (Node.js 20 or later) on PATH")


def _read_ready_line(process: subprocess.Popen[bytes], log_path: Path) -> dict[str, Any]:
    """Wait, at most READY_TIMEOUT, for the one JSON line the server prints once listening."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline = time.monotonic() + READY_TIMEOUT
    received = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while b"\n" not in received:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise RuntimeError(
                    f"oidc-provider not ready in {READY_TIMEOUT}s\n{_tail(log_path)}"
                )
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"oidc-provider exited before it was ready\n{_tail(log_path)}")
            received += chunk
    ready: dict[str, Any] = json.loads(received.split(b"\n", 1)[0])
    return ready


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Closing stdin asks the server to exit; kill it if it does not within a few seconds."""
    with contextlib.suppress(OSError):
        assert process.stdin is not None
        process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-2000:]
