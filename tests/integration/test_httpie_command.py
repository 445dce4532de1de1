"""The real `http` command with `--auth-type=amplify`, against a loopback API that wants both
headers: installed next to HTTPie, and installed by `httpie cli plugins install` into HTTPie's
own plugin folder in a virtual environment of its own."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import console_script
from support.api_server import ApiServer
from support.proxy import RecordingProxy
from support.secret_service import run_secret_service

pytestmark = pytest.mark.integration

ORG = "652605300303530"
PATH = "/apis/management/v1alpha1/environments"
REPO = Path(__file__).resolve().parents[2]
REFUSAL = (
    "-a takes a profile name, not credentials: HTTPie keeps -a in plain text in session files. "
    "Keep the secret in the keyring with `amplify-credhelper login --profile NAME`, "
    "then use -a NAME"
)
ERROR_HTTP_4XX = 4  # HTTPie's exit status under --check-status (httpie/status.py)


@pytest.fixture
def httpie_dir(home: Path) -> Path:
    folder = home / "httpie"
    folder.mkdir()
    # No background version check: it would reach out to packages.httpie.io.
    (folder / "config.json").write_text('{"disable_update_warnings": true}')
    return folder


@pytest.fixture
def env(subprocess_env: dict[str, str], httpie_dir: Path) -> dict[str, str]:
    return {**subprocess_env, "HTTPIE_CONFIG_DIR": str(httpie_dir)}


@pytest.fixture
def api(endpoint):
    with ApiServer(endpoint) as server:
        yield server


@pytest.fixture
def login(env, endpoint):
    def run(profile: str = "default", environ: dict[str, str] | None = None) -> None:
        subprocess.run(
            [console_script("amplify-credhelper"), "login", "--profile", profile,
             "--client-id", "test-client", "--base-url", endpoint.base_url, "--secret-stdin"],
            input="test-secret\n", capture_output=True, text=True, env=environ or env,
            timeout=60, check=True,
        )  # fmt: skip

    return run


def http(env: dict[str, str], *argv: str, program: str | None = None):
    return subprocess.run(
        [program or console_script("http"), "--ignore-stdin", *argv],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def _forget_cached_tokens(home: Path) -> None:
    shutil.rmtree(home / "config" / "amplify-credhelper" / "tokens", ignore_errors=True)


def test_http_sends_the_token_and_the_tenant(env, login, api, endpoint) -> None:
    login()
    result = http(env, "--check-status", "--auth-type=amplify", api.url + PATH)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"method": "GET", "path": PATH, "tenant": ORG}
    assert api.seen[0]["headers"]["authorization"] == f"Bearer {endpoint.issued[0]}"
    assert endpoint.token_requests == 1  # the cached token from login


def test_a_tenant_given_on_the_command_line_is_kept(env, login, api) -> None:
    login()
    api.tenants.add("42")
    result = http(env, "--check-status", "--auth-type=amplify", api.url, "X-Axway-Tenant-Id:42")
    assert json.loads(result.stdout)["tenant"] == "42", result.stderr


def test_a_and_amplify_profile_pick_the_profile(env, login, api, endpoint) -> None:
    login()
    login("ci")
    assert http(env, "-A", "amplify", "-a", "ci", api.url).returncode == 0
    assert http({**env, "AMPLIFY_PROFILE": "ci"}, "-A", "amplify", api.url).returncode == 0
    bearers = [seen["headers"]["authorization"] for seen in api.seen]
    assert bearers == [f"Bearer {endpoint.issued[1]}"] * 2


def test_a_refused_token_is_renewed_once(env, login, api, endpoint) -> None:
    login()
    api.revoked.add(endpoint.issued[0])
    result = http(env, "--check-status", "--auth-type=amplify", api.url + PATH, "name=env")
    assert result.returncode == 0, result.stderr
    bearers = [seen["headers"]["authorization"] for seen in api.seen]
    assert bearers == [f"Bearer {token}" for token in endpoint.issued]  # minted with the keyring
    assert api.seen[0]["body"] == api.seen[1]["body"] == b'{"name": "env"}'


def test_a_second_401_reaches_the_user(env, login, api, endpoint) -> None:
    login()
    api.refuse_next = 2
    result = http(env, "--check-status", "--auth-type=amplify", api.url)
    assert result.returncode == ERROR_HTTP_4XX
    assert json.loads(result.stdout) == {"error": "invalid_token"}
    assert len(api.seen) == 2 and endpoint.token_requests == 2


def test_session_files_hold_neither_token_nor_secret(env, login, api, endpoint, httpie_dir) -> None:
    login("ci")
    first = http(env, "--session=work", "-A", "amplify", "-a", "ci", api.url, "X-Trace:1")
    api.revoked.add(endpoint.issued[0])
    again = http(env, "--check-status", "--session=work", api.url)  # the saved auth, renewed
    refused = http(env, "--session=work", "-A", "amplify", "-a", "test-client:test-secret", api.url)
    assert (first.returncode, again.returncode, refused.returncode) == (0, 0, 1), again.stderr
    ci_token, renewed = endpoint.issued
    assert [s["headers"]["authorization"] for s in api.seen] == [
        f"Bearer {token}" for token in (ci_token, ci_token, renewed)
    ]
    (session,) = httpie_dir.glob("sessions/*/work.json")
    saved = json.loads(session.read_text())
    assert saved["auth"] == {"type": "amplify", "raw_auth": "ci"}
    assert saved["headers"] == [{"name": "X-Trace", "value": "1"}]
    for path in (p for p in httpie_dir.rglob("*") if p.is_file()):
        content = path.read_text()
        assert "test-secret" not in content and "Bearer" not in content, path
        assert not any(token in content for token in endpoint.issued), path


@pytest.mark.parametrize(
    ("case", "start"),
    [
        ("unknown profile", "http: error: ConfigError: no profile 'nope': run `amplify-credhelper "
         "login --profile nope --client-id ID` first (or set AMPLIFY_CLIENT_ID and "
         "AMPLIFY_CLIENT_SECRET)"),
        ("credentials in -a", f"http: error: ConfigError: {REFUSAL}"),
        ("no keyring", "http: error: KeyringUnavailable: cannot read the secret from the keyring "
         "(NoKeyringError"),
        ("secret rejected", "http: error: CredentialsRejected: the login service refused the "
         "client credentials (HTTP 401"),
        ("login service down", "http: error: LoginServiceError: no token from the login service "
         "at http://127.0.0.1:9/"),
    ],
)  # fmt: skip
def test_failures_are_one_error_line(env, login, api, endpoint, home, case, start) -> None:
    argv, extra = ["-A", "amplify"], {}
    if case == "unknown profile":
        argv += ["-a", "nope"]
    elif case == "credentials in -a":
        argv += ["-a", "test-client:test-secret"]
    elif case == "no keyring":
        login()
        _forget_cached_tokens(home)
        extra = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    else:
        down = case == "login service down"
        extra = {
            "AMPLIFY_CLIENT_ID": "test-client",
            "AMPLIFY_CLIENT_SECRET": "test-secret" if down else "wrong",
            "AMPLIFY_BASE_URL": "http://127.0.0.1:9" if down else endpoint.base_url,
        }
    result = http({**env, **extra}, *argv, api.url)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1
    assert len(lines) == 1 and lines[0].startswith(start), result.stderr
    assert "Traceback" not in result.stderr and "test-secret" not in result.stderr
    assert api.seen == []


def _copy_of_the_repo(target: Path) -> Path:
    # A clean copy: building in the work tree would leave build/ behind (see tests/run).
    ignore = shutil.ignore_patterns(".git", "build", "*.egg-info", "node_modules", "__pycache__")
    return Path(shutil.copytree(REPO, target, ignore=ignore))


def _run(*argv: str | Path, env: dict[str, str] | None = None, timeout: float = 300):
    result = subprocess.run(
        [str(arg) for arg in argv], capture_output=True, text=True, env=env, timeout=timeout
    )
    assert result.returncode == 0, f"{argv}: {result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


def test_httpie_cli_plugins_install(tmp_path, env, login, api, endpoint, home) -> None:
    """HTTPie's own plugin folder is on sys.path only while plugins load; the plugin's late
    imports (credhelper, httpx, filelock, keyring and the backends keyring finds through entry
    points) must still work. A real Secret Service, found by keyring's discovery, proves the
    last, which FACTS.md says fails silently ("no backend") when the folder is not restored."""
    import httpie

    venv = tmp_path / "httpie-venv"
    _run(sys.executable, "-m", "venv", venv, timeout=120)
    _run(venv / "bin" / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q",
         f"httpie=={httpie.__version__}")  # fmt: skip
    _run(venv / "bin" / "httpie", "cli", "plugins", "install", _copy_of_the_repo(tmp_path / "src"),
         env=env)  # fmt: skip
    not_next_to_httpie = subprocess.run(
        [venv / "bin" / "python", "-c", "import httpie_amplify"], capture_output=True, timeout=60
    )
    assert not_next_to_httpie.returncode != 0  # only in HTTPie's plugin folder
    with run_secret_service(tmp_path) as secret_service:
        real = {**env, **secret_service}
        del real["PYTHON_KEYRING_BACKEND"], real["PYTHONPATH"]  # let keyring discover it
        login(environ=real)
        _forget_cached_tokens(home)  # so http must read the keyring and mint
        result = http(real, "--check-status", "-A", "amplify", api.url + PATH,
                      program=str(venv / "bin" / "http"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tenant"] == ORG
    assert api.seen[0]["headers"]["authorization"] == f"Bearer {endpoint.issued[1]}"
    assert endpoint.token_requests == 2  # login's token, then the plugin's own


def test_a_proxy_from_the_environment_gets_no_plain_http_token(env, login, api, endpoint) -> None:
    # HTTPie merges the proxy variables into requests' send: the auth refuses first.
    login()
    with RecordingProxy() as proxy:
        result = http({**env, "HTTP_PROXY": proxy.url}, "--auth-type=amplify", api.url + PATH)
    assert result.returncode != 0 and proxy.seen == [] and api.seen == []
    assert result.stderr.strip().startswith("http: error: HostNotAllowed: refusing to send")
    assert "\n" not in result.stderr.strip() and "through a proxy" in result.stderr
    assert endpoint.issued[0] not in result.stderr + result.stdout
