"""`doctor` meets what the rest of the tool now refuses: a keyring entry of the wrong kind
(0.1.0's shared entry), an unusable CA file, a login service that trickles."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from conftest import login_argv
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from support.hostile_server import HostileServer

from credhelper.profiles import config

PEM = ec.generate_private_key(ec.SECP256R1()).private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()


def _line(out: str, subject: str) -> str:
    return next(line for line in out.splitlines() if f" {subject}: " in line)


def _stored_profile(fields: dict[str, object]) -> None:
    """Profile 'a' in config.json, as login (or 0.1.0) wrote it."""
    path = Path(config.path())
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    path.write_text(json.dumps({"profiles": {"a": fields}}))
    os.chmod(path, 0o600)


def test_a_key_where_the_secret_belongs_fails(run_cli, endpoint, memory_keyring) -> None:
    _stored_profile({"client_id": "test-client", "base_url": endpoint.base_url})
    memory_keyring.entries[("amplify-credhelper:" + endpoint.token_url, "test-client")] = PEM
    result = run_cli("doctor")
    assert result.code == 1 and PEM not in result.out + result.err
    assert _line(result.out, "secret") == (
        "  FAIL secret: the keyring holds a private key instead: run "
        "`amplify-credhelper login --profile a` again"
    )


def test_a_ca_file_gone_is_a_failed_check_not_a_crash(
    run_cli, endpoint, memory_keyring, tmp_path
) -> None:
    from support.tls import make_private_ca

    ca_file, _ = make_private_ca(tmp_path)
    assert run_cli(*login_argv(endpoint, "--ca-file", str(ca_file)), stdin="test-secret").code == 0
    ca_file.unlink()
    result = run_cli("doctor")
    assert result.code == 1 and result.err == ""
    assert _line(result.out, "token URL") == (
        f"  FAIL token URL: cannot use the CA file {ca_file} (No such file or directory): give a "
        "readable file of PEM certificates with `amplify-credhelper login --ca-file`"
    )


def test_a_trickling_login_service_fails_within_the_deadline(run_cli, memory_keyring) -> None:
    with HostileServer(interval=0.05) as server:
        _stored_profile({"client_id": "c", "base_url": server.base_url("trickle-body"),
                         "timeout": 0.3})  # fmt: skip
        found: list[object] = []
        worker = threading.Thread(target=lambda: found.append(run_cli("doctor")), daemon=True)
        worker.start()
        worker.join(15)  # doctor's deadline is the profile's timeout: 0.3 s
        assert not worker.is_alive(), "doctor still running after 15 s"
    result = found[0]
    assert result.code == 1  # type: ignore[attr-defined]
    assert "no complete answer within 0.3 s" in _line(result.out, "token URL")  # type: ignore[attr-defined]
