"""A real container registry on loopback (Debian's `docker-registry`, distribution 2.8) that takes
one user name and password through htpasswd (bcrypt, `htpasswd -B` from apache2-utils), and a
tiny OCI image to push into it.

The registry listens on 127.0.0.1 only, over plain http (clients need `--tls-verify=false`),
runs under `timeout` so it ends even if the test process dies, and is stopped on exit.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

LIFETIME = 600  # seconds: the registry stops itself after this, whatever happens to the tests
CONFIG = """\
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}/data
http:
  addr: 127.0.0.1:{port}
  secret: not-a-secret-only-a-test-registry
auth:
  htpasswd:
    realm: amplify-test-registry
    path: {root}/htpasswd
"""


class Registry:
    """``with Registry(folder, user, password) as registry:`` ... ``registry.host``."""

    def __init__(self, folder: Path, user: str, password: str) -> None:
        self.folder, self.user, self._password = folder, user, password
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Registry:
        self.folder.mkdir(parents=True, exist_ok=True)
        # -i: the password from stdin, never on a command line
        subprocess.run(["htpasswd", "-B", "-i", "-c", str(self.folder / "htpasswd"), self.user],
                       input=self._password.encode(), check=True, capture_output=True, timeout=60)  # fmt: skip
        config = self.folder / "config.yml"
        config.write_text(CONFIG.format(root=self.folder, port=self.port))
        self._log = open(self.folder / "registry.log", "wb")  # noqa: SIM115 (closed in __exit__)
        self._process = subprocess.Popen(
            ["timeout", str(LIFETIME), shutil.which("docker-registry") or "docker-registry",
             "serve", str(config)],
            stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_until_ready()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._log.close()

    @property
    def log(self) -> str:
        return (self.folder / "registry.log").read_text(errors="replace")

    def _wait_until_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {self.log}")
            if _status(f"http://{self.host}/v2/") == 401:  # up, and asking for credentials
                return
            time.sleep(0.1)
        raise RuntimeError(f"docker-registry did not answer within {timeout} s: {self.log}")


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback http)
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_oci_image(folder: Path, tag: str, content: bytes) -> str:
    """An OCI image layout in ``folder``: one layer holding ``hello.txt``; the layer's digest."""
    layer_tar = io.BytesIO()
    with tarfile.open(fileobj=layer_tar, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime = len(content), 0
        tar.addfile(info, io.BytesIO(content))
    layer = gzip.compress(layer_tar.getvalue(), mtime=0)
    diff_id = "sha256:" + hashlib.sha256(layer_tar.getvalue()).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()  # fmt: skip
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": _blob(folder, config, "application/vnd.oci.image.config.v1+json"),
        "layers": [_blob(folder, layer, "application/vnd.oci.image.layer.v1.tar+gzip")],
    }).encode()  # fmt: skip
    entry = _blob(folder, manifest, "application/vnd.oci.image.manifest.v1+json")
    entry["annotations"] = {"org.opencontainers.image.ref.name": tag}
    (folder / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))
    (folder / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    return "sha256:" + hashlib.sha256(layer).hexdigest()


def _blob(folder: Path, data: bytes, media_type: str) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    path = folder / "blobs" / "sha256" / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}
