"""Shared fixtures: private user folders, a fake keyring, a local token endpoint, the CLI in-process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck, settings
from support.clock import FakeClock
from support.fake_keyring import MemoryKeyring
from support.tls import make_private_ca, serve_tls
from support.token_endpoint import TokenEndpoint

from credhelper import errors
from credhelper.cli import dispatch as cli

SUPPORT = Path(__file__).parent / "support"

# Properties: a quick look by default; a full tests/run then runs the property tests alone
# (-m hypothesis, a mark Hypothesis gives each) with the full count (AMPLIFY_TEST_HYPOTHESIS).
# The autouse `home` fixture is function-scoped on purpose: each example overwrites the same
# files in it, which every property here expects.
_PROPERTIES = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
settings.register_profile("quick", max_examples=40, **_PROPERTIES)
settings.register_profile("thorough", max_examples=300, **_PROPERTIES)
settings.load_profile(os.environ.get("AMPLIFY_TEST_HYPOTHESIS", "quick"))


# The machine's trust and proxy settings (many CI images set some): a test that means one sets
# it, and the others get what a user without them gets. A proxy left in place would carry the
# loopback requests of the HTTP libraries elsewhere, or make them wait for it.
_PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
_MACHINE_NETWORK_SETTINGS = (
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
    *_PROXIES, *(name.upper() for name in _PROXIES),
)  # fmt: skip


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user folders and no AMPLIFY_* settings from outside, nor the
    machine's trust and proxy settings (above). Nor GITHUB_ACTIONS: on a GitHub runner,
    commands that hand out a token add a mask line."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    for name in list(os.environ):
        if name.startswith("AMPLIFY_") and not name.startswith("AMPLIFY_TEST_"):
            monkeypatch.delenv(name)
    for name in _MACHINE_NETWORK_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(errors, "asked_by", "api")  # as a process starts: entry points set it
    return tmp_path


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> FakeClock | None:
    """Unit tests count the token request's pauses instead of waiting for them (integration
    tests run the installed programs, in real time)."""
    if "unit" not in request.node.path.parts:
        return None
    from credhelper.tokens import _http

    fake = FakeClock()
    monkeypatch.setattr(_http, "time", fake)
    return fake


@pytest.fixture(autouse=True)
def disk_flush(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests check what files hold, their modes and the order of writes and renames, not
    that the disk keeps them through a power cut: os.fsync only checks its descriptor here. A
    flush costs about a millisecond on an idle disk and far more on a busy one, some two
    thousand times a run. The integration tests run the installed commands, flushing for real."""
    if "unit" not in request.node.path.parts:
        return

    def checked_only(fd: int) -> None:
        os.fstat(fd)  # a bad descriptor still fails, as fsync would

    monkeypatch.setattr(os, "fsync", checked_only)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def _running_endpoint() -> TokenEndpoint:
    with TokenEndpoint() as server:
        yield server


@pytest.fixture
def endpoint(_running_endpoint: TokenEndpoint) -> TokenEndpoint:
    """The local token endpoint, as new: one server for the whole run, reset for each test."""
    _running_endpoint.reset()
    return _running_endpoint


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def run_cli():
    """Run the CLI in-process with in-memory streams, as `main` would."""

    def run(*argv: str, stdin: str = "") -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = cli.run(list(argv), io.StringIO(stdin), out, err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


def login_argv(endpoint: TokenEndpoint, *extra: str) -> list[str]:
    """`login` as the local endpoint's test client; the secret, test-secret, comes on stdin."""
    return ["login", "--client-id", "test-client", "--base-url", endpoint.base_url,
            "--secret-stdin", *extra]  # fmt: skip


@pytest.fixture
def logged_in(run_cli, endpoint: TokenEndpoint, memory_keyring: MemoryKeyring) -> TokenEndpoint:
    """A 'default' profile logged in against the local endpoint."""
    result = run_cli(*login_argv(endpoint), stdin="test-secret\n")
    assert result.code == 0, result
    return endpoint


@pytest.fixture
def subprocess_env(home: Path) -> dict[str, str]:
    """Environment for running the installed commands with a file-backed fake keyring."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AMPLIFY_") or k.startswith("AMPLIFY_TEST_")
    }
    env.update(
        PYTHON_KEYRING_BACKEND="fake_keyring.FileKeyring",
        PYTHONPATH=str(SUPPORT),
        AMPLIFY_TEST_KEYRING_FILE=str(home / "keyring.json"),
    )
    return env


def console_script(name: str) -> str:
    """The installed command next to this interpreter, as a user would run it."""
    path = Path(sys.executable).parent / name
    assert path.exists(), (
        f"{name} is not installed next to {sys.executable}: pip install the project"
    )
    return str(path)


def amplify(env: dict[str, str], *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the installed `amplify-credhelper` with environment ``env``, as a user would."""
    return subprocess.run([console_script("amplify-credhelper"), *argv], input=stdin, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.fixture(scope="session")
def keycloak(tmp_path_factory: pytest.TempPathFactory):
    """The real Keycloak of this run (tests/support/keycloak*.py): started by the first test that
    needs it, stopped at the end of the run whatever happens."""
    from support.keycloak_session import session

    with session(tmp_path_factory.mktemp("keycloak")) as running:
        yield running


@pytest.fixture
def tls_endpoint(tmp_path: Path):
    """A token endpoint of its own behind TLS from a private CA: (server, its https URL, CA file)."""
    ca_file, context = make_private_ca(tmp_path)
    server = TokenEndpoint()
    url = serve_tls(server, context)
    with server:
        yield server, url, ca_file
