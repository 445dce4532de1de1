"""The HTTPie plugin and its requests auth, in-process, over requests to a loopback API server."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from httpie.cli.definition import parser
from httpie.context import Environment
from httpie.plugins.registry import plugin_manager
from httpie_amplify import AmplifyAuthPlugin, AmplifyRequestsAuth
from support.api_server import ApiServer

from credhelper import ConfigError, load_profile
from credhelper.tokens import cache

ORG = "652605300303530"
PATH = "/apis/management/v1alpha1/environments"
REFUSAL = (
    "-a takes a profile name, not credentials: HTTPie keeps -a in plain text in session files. "
    "Keep the secret in the keyring with `amplify-credhelper login --profile NAME`, "
    "then use -a NAME"
)


@pytest.fixture
def api(logged_in) -> ApiServer:
    with ApiServer(logged_in) as server:
        yield server


@pytest.fixture
def ci_profile(run_cli, logged_in) -> str:
    """A second profile, 'ci', whose login token is the endpoint's second."""
    result = run_cli(
        "login",
        "--profile",
        "ci",
        "--client-id",
        "test-client",
        "--base-url",
        logged_in.base_url,
        "--secret-stdin",
        stdin="test-secret\n",
    )
    assert result.code == 0, result
    return logged_in.issued[1]


@pytest.fixture
def httpie_args(home: Path):
    """HTTPie's own argument parser, with our plugin registered as HTTPie would load it."""
    plugin_manager.register(AmplifyAuthPlugin)
    env = Environment(
        stdin=io.BytesIO(),
        stdin_isatty=True,
        stdout=io.BytesIO(),
        stderr=io.StringIO(),
        config_dir=home / "httpie",
    )
    yield lambda *argv: parser.parse_args(args=[*argv, "http://127.0.0.1:9/"], env=env)
    plugin_manager.unregister(AmplifyAuthPlugin)


def _bearers(api: ApiServer) -> list[str]:
    return [seen["headers"]["authorization"] for seen in api.seen]


def test_both_headers_reach_the_api(api, logged_in) -> None:
    response = requests.get(api.url + PATH, auth=AmplifyRequestsAuth(), timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == {"method": "GET", "path": PATH, "tenant": ORG}
    assert _bearers(api) == [f"Bearer {logged_in.issued[0]}"]
    assert logged_in.token_requests == 1  # login's cached token served the request


def test_a_tenant_header_the_caller_set_is_kept(api) -> None:
    api.tenants.add("42")
    response = requests.get(
        api.url, headers={"X-Axway-Tenant-Id": "42"}, auth=AmplifyRequestsAuth(), timeout=10
    )
    assert response.json()["tenant"] == "42"


def test_a_401_forgets_the_token_mints_one_and_resends_once(api, logged_in) -> None:
    api.revoked.add(logged_in.issued[0])
    response = requests.post(
        api.url + PATH, json={"name": "env"}, auth=AmplifyRequestsAuth(), timeout=10
    )
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    assert _bearers(api) == [f"Bearer {token}" for token in logged_in.issued]
    assert api.seen[1]["body"] == api.seen[0]["body"] == b'{"name": "env"}'
    assert cache.read(load_profile()).access_token == logged_in.issued[1]


def test_a_second_401_is_returned_as_is(api, logged_in) -> None:
    api.refuse_next = 2
    response = requests.get(api.url, auth=AmplifyRequestsAuth(), timeout=10)
    assert response.status_code == 401
    assert len(api.seen) == 2 and logged_in.token_requests == 2  # login, then one renewal


def test_each_request_of_a_session_gets_its_one_retry(api, logged_in) -> None:
    with requests.Session() as session:
        session.auth = AmplifyRequestsAuth()
        api.refuse_next = 1
        assert session.get(api.url, timeout=10).status_code == 200
        api.refuse_next = 1
        assert session.get(api.url, timeout=10).status_code == 200
    assert len(api.seen) == 4 and logged_in.token_requests == 3


def test_a_body_that_cannot_be_sent_again_gets_the_401(api, logged_in) -> None:
    api.refuse_next = 1
    response = requests.post(
        api.url, data=iter([b"streamed"]), auth=AmplifyRequestsAuth(), timeout=10
    )
    assert response.status_code == 401
    assert len(api.seen) == 1 and logged_in.token_requests == 1  # nothing forgotten or minted


def test_a_renewed_token_without_an_org_drops_the_tenant_header(api, logged_in) -> None:
    api.revoked.add(logged_in.issued[0])
    logged_in.org_id = None  # the next token is opaque about its org
    response = requests.get(api.url, auth=AmplifyRequestsAuth(), timeout=10)
    assert response.status_code == 403
    assert api.seen[0]["headers"]["x-axway-tenant-id"] == ORG
    assert "x-axway-tenant-id" not in api.seen[1]["headers"]


def test_a_named_profile_is_used(api, ci_profile) -> None:
    requests.get(api.url, auth=AmplifyRequestsAuth("ci"), timeout=10)
    assert _bearers(api) == [f"Bearer {ci_profile}"]


def test_amplify_profile_picks_the_default(api, ci_profile, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_PROFILE", "ci")
    requests.get(api.url, auth=AmplifyRequestsAuth(), timeout=10)
    assert _bearers(api) == [f"Bearer {ci_profile}"]


def test_an_unknown_profile_fails_the_request_with_the_cores_message(api) -> None:
    auth = AmplifyRequestsAuth("nope")  # building it never fails: HTTPie builds it early
    with pytest.raises(ConfigError) as error:
        requests.get(api.url, auth=auth, timeout=10)
    assert str(error.value) == (
        "no profile 'nope': run `amplify-credhelper login --profile nope --client-id ID` "
        "first (or set AMPLIFY_CLIENT_ID and AMPLIFY_CLIENT_SECRET)"
    )
    assert api.seen == []


def test_the_plugin_declares_what_httpie_reads() -> None:
    assert AmplifyAuthPlugin.auth_type == "amplify"
    assert (AmplifyAuthPlugin.auth_require, AmplifyAuthPlugin.auth_parse) == (False, False)
    assert AmplifyAuthPlugin.prompt_password is False


def test_without_a_the_plugin_uses_the_default_profile(httpie_args, api, logged_in) -> None:
    args = httpie_args("--auth-type=amplify")
    assert args.auth_plugin.raw_auth is None
    requests.get(api.url, auth=args.auth, timeout=10)
    assert _bearers(api) == [f"Bearer {logged_in.issued[0]}"]


def test_a_picks_the_profile(httpie_args, api, ci_profile) -> None:
    args = httpie_args("--auth-type=amplify", "-a", "ci")
    assert args.auth_plugin.raw_auth == "ci"
    requests.get(api.url, auth=args.auth, timeout=10)
    assert _bearers(api) == [f"Bearer {ci_profile}"]


@pytest.mark.parametrize("value", ["test-client:test-secret", ":test-secret", "ci:"])
def test_credentials_in_a_are_refused_at_the_request(httpie_args, api, value) -> None:
    args = httpie_args("--auth-type=amplify", "-a", value)  # parsing must not raise: traceback
    with pytest.raises(ConfigError) as error:
        requests.get(api.url, auth=args.auth, timeout=10)
    assert str(error.value) == REFUSAL
    assert "test-secret" not in str(error.value)
    assert api.seen == []


def test_a_session_reusing_the_plugin_rebuilds_the_auth_without_failing(home) -> None:
    # Session.auth (httpie/sessions.py) calls get_auth() with the saved raw_auth, outside any
    # argument parsing: it must not raise either, even for a profile that does not exist.
    plugin = AmplifyAuthPlugin()
    plugin.raw_auth = "gone"
    assert isinstance(plugin.get_auth(), AmplifyRequestsAuth)


def _run_python(code: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": ""},
    )


HEAVY = ("credhelper", "keyring", "httpx", "platformdirs", "filelock")


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, httpie.plugins, requests.auth\n"
        "import httpie_amplify\n"
        "httpie_amplify.AmplifyAuthPlugin\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = _run_python(code)
    assert result.stdout == "[]\n", result.stderr


def test_a_cache_hit_imports_neither_keyring_nor_httpx(api) -> None:
    code = (
        "import sys, requests\n"
        "from httpie_amplify import AmplifyRequestsAuth\n"
        "print(requests.get(sys.argv[1], auth=AmplifyRequestsAuth(), timeout=10).status_code)\n"
        "print(sorted(m for m in ('keyring', 'httpx') if m in sys.modules))\n"
    )
    result = _run_python(code, api.url)
    assert result.stdout == "200\n[]\n", result.stderr


def test_the_plugin_folder_is_put_back_on_sys_path_before_first_use(tmp_path) -> None:
    # `httpie cli plugins install`: the folder holding the plugin is on sys.path only while
    # HTTPie loads plugins (httpie/plugins/manager.py). Simulate that with a copy of the package.
    import shutil

    import httpie_amplify

    folder = tmp_path / "plugins-site"
    shutil.copytree(Path(httpie_amplify.__file__).parent, folder / "httpie_amplify")
    code = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from httpie_amplify import AmplifyAuthPlugin\n"
        "assert sys.modules['httpie_amplify'].__file__.startswith(sys.argv[1])\n"
        "sys.path.remove(sys.argv[1])\n"
        "AmplifyAuthPlugin().get_auth()\n"
        "print(sys.path.count(sys.argv[1]), sys.path[-1] == sys.argv[1])\n"
    )
    result = _run_python(code, str(folder))
    assert result.stdout == "1 True\n", result.stderr


def test_the_public_names() -> None:
    import httpie_amplify

    assert httpie_amplify.__all__ == ["AmplifyAuthPlugin", "AmplifyRequestsAuth"]
    assert all(getattr(httpie_amplify, name) for name in httpie_amplify.__all__)


def test_no_token_follows_a_redirect_to_another_host(api, logged_in) -> None:
    # requests drops Authorization when a redirect leaves the host (Session.rebuild_auth); the
    # renewal hook travels with the request and must not put a token back for the other host.
    with ApiServer(logged_in) as elsewhere:
        api.redirects["/moved"] = (302, elsewhere.url.replace("127.0.0.1", "localhost") + PATH)
        response = requests.get(api.url + "/moved", auth=AmplifyRequestsAuth(), timeout=10)
    assert response.status_code == 401 and response.history[0].status_code == 302
    assert [seen["headers"].get("authorization") for seen in elsewhere.seen] == [None]
    assert logged_in.token_requests == 1


def test_a_redirect_on_the_same_host_keeps_the_renewal(api, logged_in) -> None:
    api.redirects["/moved"] = (302, api.url + PATH)
    api.revoked.add(logged_in.issued[0])
    response = requests.get(api.url + "/moved", auth=AmplifyRequestsAuth(), timeout=10)
    assert response.status_code == 200
    old, new = logged_in.issued
    assert _bearers(api) == [f"Bearer {old}", f"Bearer {old}", f"Bearer {new}"]  # /moved, PATH x2


def test_threads_sharing_one_auth_make_one_token_request(api, logged_in, monkeypatch) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    cache.delete(load_profile())
    auth, held, release = AmplifyRequestsAuth(), threading.Event(), threading.Event()
    answer = logged_in.answer

    def slow_answer(form: dict, authorization: str | None) -> tuple[int, dict]:
        held.set()
        release.wait(10)  # every thread is asking meanwhile
        return answer(form, authorization)

    monkeypatch.setattr(logged_in, "answer", slow_answer)  # the endpoint serves the whole run
    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(requests.get, api.url, auth=auth, timeout=30) for _ in range(16)]
        held.wait(10)
        release.set()
        statuses = [future.result().status_code for future in futures]
    assert statuses == [200] * 16
    assert logged_in.token_requests == 2  # the login's, and one for all sixteen threads
    assert set(_bearers(api)) == {f"Bearer {logged_in.issued[1]}"}


def test_a_renewal_that_brings_another_org_sends_that_org(api, logged_in) -> None:
    api.revoked.add(logged_in.issued[0])
    logged_in.org_id = 7
    api.tenants.add("7")
    assert requests.get(api.url, auth=AmplifyRequestsAuth(), timeout=10).status_code == 200
    assert [seen["headers"]["x-axway-tenant-id"] for seen in api.seen] == [ORG, "7"]
