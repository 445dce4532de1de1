"""The helper behind the protocol against real profiles (in-memory keyring): which registry gets
which credentials, what `store` accepts, what `erase` leaves, and junk fed to all of it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import keyring
import pytest
from docker_credential_amplify.helper import ProfileRegistries
from docker_credential_amplify.protocol import handle, serve
from hypothesis import given
from hypothesis import strategies as st
from support.fake_keyring import LockedKeyring

from credhelper import load_profile
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile

PROG = "docker-credential-amplify"
REG = "docker.repository.axway.com"
NOT_FOUND = b"credentials not found in native keychain\n"


def ask(action: str, stdin: bytes | str) -> tuple[int, bytes, str]:
    raw = stdin.encode() if isinstance(stdin, str) else stdin
    out, err = io.BytesIO(), io.StringIO()
    code = handle(action, io.BytesIO(raw), out, err, ProfileRegistries())
    return code, out.getvalue(), err.getvalue()


def answer(server_url: str, username: str = "test-client", secret: str = "test-secret") -> bytes:
    return (json.dumps({"ServerURL": server_url, "Username": username, "Secret": secret}) + "\n").encode()


def store(server_url: str, username: str = "test-client", secret: str = "test-secret"):
    return ask("store", json.dumps({"ServerURL": server_url, "Username": username, "Secret": secret}))


@pytest.fixture
def docker_config(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = home / "docker"
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    return folder / "config.json"


@pytest.fixture
def assigned(logged_in, run_cli, docker_config):
    """Profile 'default' (test-client / test-secret) serves REG and 127.0.0.1:5000."""
    result = run_cli("setup-docker", "--profile", "default", REG, "127.0.0.1:5000")
    assert result.code == 0, result
    return logged_in


@pytest.fixture
def key_profile(assigned, run_cli):
    """Profile 'k', a key profile, serves helm.repository.axway.com."""
    config.save_all({**config.load_all(), "k": make_profile(name="k", client_id="key-client", auth_method="key")})
    from docker_credential_amplify import assignments

    assignments.assign(load_profile("k"), ["helm.repository.axway.com"])


# -- get ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", [REG, f"https://{REG}", f"https://{REG}/v2/", REG.upper(), "127.0.0.1:5000",
                 "http://127.0.0.1:5000/v2/"],
)  # fmt: skip
def test_get_gives_the_client_id_and_secret_for_any_spelling(assigned, spelling) -> None:
    assert ask("get", spelling + "\n") == (0, answer(spelling), "")
    assert assigned.token_requests == 1  # only login's: a registry takes no token


def test_a_registry_no_profile_serves_is_not_found_quietly(assigned) -> None:
    for junk in ("ghcr.io", "127.0.0.1:5001", "ftp://x", "user@host", "\x00", "a b"):
        assert ask("get", junk) == (1, NOT_FOUND, ""), junk


def test_without_assignments_nothing_is_served(logged_in, docker_config) -> None:
    assert ask("get", REG) == (1, NOT_FOUND, "")


def test_a_key_profile_has_no_password_and_says_so(key_profile) -> None:
    assert ask("get", "helm.repository.axway.com") == (
        1,
        NOT_FOUND,
        f"{PROG}: helm.repository.axway.com is assigned to profile 'k', which uses a private "
        "key: a registry takes a client secret; assign it to a secret profile with "
        "`amplify-credhelper setup-docker --profile P helm.repository.axway.com`\n",
    )


def test_plain_http_to_another_machine_gets_no_secret(assigned) -> None:
    assert ask("get", f"http://{REG}") == (
        1,
        NOT_FOUND,
        f"{PROG}: not giving the secret for {REG} to a plain http:// URL: it would cross the "
        "network unencrypted\n",
    )


def test_the_ci_profile_serves_its_variables_registries_first(assigned, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "ci-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "ci-secret")
    monkeypatch.setenv("AMPLIFY_DOCKER_REGISTRIES", f"https://{REG}/, ghcr.io")
    assert ask("get", REG) == (0, answer(REG, "ci-client", "ci-secret"), "")
    assert ask("get", "ghcr.io") == (0, answer("ghcr.io", "ci-client", "ci-secret"), "")
    assert ask("get", "127.0.0.1:5000") == (0, answer("127.0.0.1:5000"), "")  # still 'default'


def test_a_missing_secret_is_an_error_that_says_what_to_run(assigned, memory_keyring) -> None:
    memory_keyring.entries.clear()
    code, out, err = ask("get", REG)
    message = "no secret for profile 'default' in the keyring: run `amplify-credhelper login --profile default`"
    assert (code, out, err) == (1, f"{message}\n".encode(), f"{PROG}: error: {message}\n")


def test_a_profile_with_bad_docker_settings_is_skipped_with_a_warning(assigned, run_cli) -> None:
    login = run_cli("login", "--profile", "bad", "--client-id", "test-client", "--base-url",
                    assigned.base_url, "--secret-stdin", stdin="test-secret\n")  # fmt: skip
    assert login.code == 0, login
    config.update_settings("bad", "docker", {"registries": "ghcr.io"})  # a hand edit, say
    out, err = io.BytesIO(), io.StringIO()
    assert serve(["get"], io.BytesIO(REG.encode()), out, err, ProfileRegistries()) == 0  # the others still serve
    assert out.getvalue() == answer(REG)
    assert err.getvalue() == (f"{PROG}: warning: profile 'bad': its docker registries are not "
                              "a list of names: skipped\n")  # fmt: skip


def test_a_locked_keyring_is_an_error_not_a_traceback(assigned) -> None:
    keyring.set_keyring(LockedKeyring())
    code, out, err = ask("get", REG)
    assert code == 1
    assert out.count(b"\n") == 1 and out != NOT_FOUND
    assert err.startswith(f"{PROG}: error: ") and err.count("\n") == 1
    assert b"Traceback" not in out and "Traceback" not in err


# -- store -------------------------------------------------------------------------------------


def test_store_accepts_the_credentials_the_keyring_already_holds(assigned, memory_keyring) -> None:
    before = dict(memory_keyring.entries)
    assert store(f"https://{REG}") == (0, b"", "")
    assert memory_keyring.entries == before


def test_store_refuses_another_secret_and_says_how_to_change_it(assigned, memory_keyring) -> None:
    before = dict(memory_keyring.entries)
    code, out, err = store(REG, secret="rotated-secret")
    message = (
        f"not storing credentials for {REG}, which profile 'default' serves: the password is not "
        "the secret kept for it; if the secret changed, run `amplify-credhelper login --profile "
        "default`, which proves it and keeps it"
    )
    assert (code, out, err) == (1, f"{message}\n".encode(), f"{PROG}: error: {message}\n")
    assert memory_keyring.entries == before
    assert "rotated-secret" not in out.decode() + err


def test_store_refuses_another_user_without_quoting_it(assigned) -> None:
    code, out, err = store(REG, username="pasted-a-secret-here")
    assert code == 1
    assert out.decode() == (
        f"not storing credentials for {REG}, which profile 'default' serves as client "
        "test-client, not as the user name given; for another service account: "
        "`amplify-credhelper login --profile NEW --client-id ID`, then "
        f"`amplify-credhelper setup-docker --profile NEW {REG}`\n"
    )
    assert "pasted-a-secret-here" not in out.decode() + err


def test_store_for_a_registry_no_profile_serves_says_to_log_in(assigned) -> None:
    code, out, _ = store("ghcr.io")
    assert (code, out.decode()) == (1,
        "not storing credentials for ghcr.io: no profile serves it, and this helper keeps "
        "secrets only through `amplify-credhelper login`: run `amplify-credhelper login "
        "--profile P --client-id ID`, then `amplify-credhelper setup-docker --profile P ghcr.io`\n")  # fmt: skip


def test_store_for_a_key_profile_is_refused(key_profile) -> None:
    code, out, _ = store("helm.repository.axway.com", username="key-client")
    assert (code, out.decode()) == (1,
        "not storing credentials for helm.repository.axway.com, which profile 'k' serves: it "
        "uses a private key, and a registry takes a secret\n")  # fmt: skip


# -- erase, list -------------------------------------------------------------------------------


def test_erase_unassigns_the_registry_and_keeps_the_secret(assigned, memory_keyring) -> None:
    before = dict(memory_keyring.entries)
    assert ask("erase", f"https://{REG}/") == (0, b"",
        f"{PROG}: {REG} is no longer served by profile 'default'; its secret stays in the keyring "
        "for its tokens (`amplify-credhelper logout --profile default` removes it)\n")  # fmt: skip
    assert ask("get", REG) == (1, NOT_FOUND, "")
    assert ask("get", "127.0.0.1:5000")[0] == 0  # its other registry is still served
    assert memory_keyring.entries == before
    assert ask("erase", REG) == (1, NOT_FOUND, "")  # twice: nothing left to erase


def test_erase_of_a_ci_registry_says_where_it_comes_from(assigned, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "ci-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "ci-secret")
    monkeypatch.setenv("AMPLIFY_DOCKER_REGISTRIES", "ghcr.io")
    code, out, _ = ask("erase", "ghcr.io")
    assert (code, out.decode()) == (1,
        "ghcr.io is served by the AMPLIFY_CLIENT_ID/_SECRET profile: remove it from "
        "AMPLIFY_DOCKER_REGISTRIES instead\n")  # fmt: skip


def test_list_names_what_get_serves(key_profile) -> None:
    code, out, err = ask("list", "unused")
    assert (code, err) == (0, "")
    assert json.loads(out) == {REG: "test-client", "127.0.0.1:5000": "test-client"}


def test_list_with_nothing_assigned_is_an_empty_object(memory_keyring) -> None:
    assert ask("list", "") == (0, b"{}\n", "")


# -- junk, fuzzed ------------------------------------------------------------------------------


ODD_URLS = st.sampled_from([
    REG, f"https://{REG}", f"http://{REG}", f"{REG}:443", "127.0.0.1:5000", "[::1]:5000",
    "https://index.docker.io/v1/", "docker.io", "//x", "https://", "::", "[", "%00", "\u2028",
])  # fmt: skip
JUNK = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=300).map(str.encode),
    ODD_URLS.map(str.encode),
    st.builds(lambda u, s: json.dumps({"ServerURL": u, "Username": "test-client", "Secret": s}).encode(),
              ODD_URLS, st.text(max_size=50)),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                 lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=10), c, max_size=3),
                 max_leaves=20).map(lambda v: json.dumps(v).encode()),
)  # fmt: skip


@given(action=st.sampled_from(["get", "store", "list", "version", "", "GET", "erase "]), stdin=JUNK)
def test_any_input_gets_a_protocol_answer_and_never_a_traceback(assigned, action, stdin) -> None:
    code, out, err = ask(action, stdin)
    assert code in (0, 1)
    assert "Traceback" not in err and "internal error" not in err
    assert err.count("\n") <= 1
    if code == 0 and action in ("get", "list"):
        json.loads(out)
    elif code == 1:
        assert out.count(b"\n") == 1 and out.endswith(b"\n")
    if not (code == 0 and action == "get"):
        assert b"test-secret" not in out and "test-secret" not in err
