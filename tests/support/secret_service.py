"""A private, unlocked Secret Service (gnome-keyring on its own D-Bus session bus) for tests.

Everything lives in throw-away folders: the keyring files under tmp_path, the sockets in a short
folder under /tmp. Nothing reads or writes the real user's keyring or session bus.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .require import need

KEYRING_PASSWORD = b"amplify-test-keyring"  # guards only a throw-away keyring
READY_TIMEOUT = 15.0  # seconds to wait for the bus address and for the keyring's D-Bus name
MAX_LIFETIME = "600"  # seconds: the daemons end even if the tests die without cleaning up
SECRETS_NAME = "org.freedesktop.secrets"

# Our own bus configuration, so the bus never activates services from /usr/share/dbus-1:
# a client that came too early must not start a second, locked keyring with the real $HOME.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@contextlib.contextmanager
def run_secret_service(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Yield the environment variables a subprocess needs to use the private Secret Service."""
    for tool in ("dbus-daemon", "dbus-send", "gnome-keyring-daemon", "timeout"):
        need(shutil.which(tool) is not None, f"{tool} (Debian packages dbus, gnome-keyring)")
    # Unix socket paths are limited to 108 bytes, too short for some tmp_path folders.
    runtime = Path(tempfile.mkdtemp(prefix="amplify-ss-"))
    env = _private_environment(tmp_path, runtime)
    processes: list[subprocess.Popen[bytes]] = []
    log = (tmp_path / "secret-service.log").open("ab")  # the daemons' complaints, for debugging
    try:
        env["DBUS_SESSION_BUS_ADDRESS"] = _start_bus(runtime, env, processes, log)
        _start_keyring(env, processes, log)
        yield {
            "DBUS_SESSION_BUS_ADDRESS": env["DBUS_SESSION_BUS_ADDRESS"],
            "XDG_DATA_HOME": env["XDG_DATA_HOME"],
            "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
        }
    finally:
        for process in reversed(processes):
            _stop(process)
        log.close()
        shutil.rmtree(runtime, ignore_errors=True)


def _private_environment(tmp_path: Path, runtime: Path) -> dict[str, str]:
    folders = {
        "HOME": tmp_path / "secret-service-home",
        "XDG_DATA_HOME": tmp_path / "secret-service-data",  # the keyring files land here
        "XDG_CONFIG_HOME": tmp_path / "secret-service-config",
        "XDG_CACHE_HOME": tmp_path / "secret-service-cache",
    }
    for folder in folders.values():
        folder.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, **{name: str(folder) for name, folder in folders.items()}}
    env["XDG_RUNTIME_DIR"] = str(runtime)  # gnome-keyring puts its control socket here
    env.pop("GNOME_KEYRING_CONTROL", None)
    return env


def _start_bus(
    runtime: Path, env: dict[str, str], processes: list[subprocess.Popen[bytes]], log: IO[bytes]
) -> str:
    config = runtime / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket=runtime / "bus"))
    # --nofork keeps the daemon our child, so we know its pid and can stop it ourselves.
    bus = subprocess.Popen(
        [
            "timeout",
            MAX_LIFETIME,
            "dbus-daemon",
            f"--config-file={config}",
            "--nofork",
            "--print-address=1",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        env=env,
        start_new_session=True,
    )
    processes.append(bus)
    assert bus.stdout is not None
    # The address is printed once the bus listens; EOF means it died.
    ready, _, _ = select.select([bus.stdout], [], [], READY_TIMEOUT)
    address = bus.stdout.readline().decode().strip() if ready else ""
    bus.stdout.close()
    if not address:
        raise RuntimeError(f"dbus-daemon did not print its address in {READY_TIMEOUT}s")
    return address


def _start_keyring(
    env: dict[str, str], processes: list[subprocess.Popen[bytes]], log: IO[bytes]
) -> None:
    keyring = subprocess.Popen(
        [
            "timeout",
            MAX_LIFETIME,
            "gnome-keyring-daemon",
            "--foreground",
            "--components=secrets",
            "--unlock",
        ],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=log,
        env=env,
        start_new_session=True,
    )
    processes.append(keyring)
    assert keyring.stdin is not None
    # --unlock reads the password up to EOF; a fresh data folder gets a "login" keyring with it.
    keyring.stdin.write(KEYRING_PASSWORD)
    keyring.stdin.close()
    _wait_for_name(SECRETS_NAME, env, keyring)


def _wait_for_name(name: str, env: dict[str, str], owner: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while not _bus_has_owner(name, env):
        if owner.poll() is not None:
            raise RuntimeError(f"gnome-keyring-daemon exited with {owner.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not appear on the bus in {READY_TIMEOUT}s")
        time.sleep(0.05)


def _bus_has_owner(name: str, env: dict[str, str]) -> bool:
    reply = subprocess.run(
        [
            "dbus-send",
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            f"string:{name}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=READY_TIMEOUT,
    )
    return reply.returncode == 0 and "boolean true" in reply.stdout


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the daemon's own process group: `timeout` and the daemon it runs, nothing else."""
    if process.poll() is not None:
        return
    group = process.pid  # start_new_session made it the group leader
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        process.wait()
