"""The core against the local token endpoint and an in-memory keyring."""

from __future__ import annotations

import os
import threading

import pytest

import credhelper
from credhelper import CacheWarning, ConfigError, CredentialsRejected, KeyringUnavailable
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _core, cache


@pytest.fixture
def profile(endpoint):
    return make_profile(name="default", client_id="test-client", base_url=endpoint.base_url)


def test_login_proves_then_saves_secret_profile_and_token(
    profile, endpoint, memory_keyring
) -> None:
    token = _core.login(profile, "test-secret")
    assert endpoint.token_requests == 1
    assert token.org_id == "652605300303530"
    assert memory_keyring.entries == {
        ("amplify-credhelper:" + endpoint.token_url, "test-client:profile:default"): "test-secret"
    }
    assert config.load_all() == {"default": profile}
    assert credhelper.get_token() == token  # cached: no second request
    assert endpoint.token_requests == 1


def test_a_refused_login_saves_nothing(profile, endpoint, memory_keyring) -> None:
    with pytest.raises(CredentialsRejected):
        _core.login(profile, "wrong")
    assert memory_keyring.entries == {}
    assert not os.path.exists(config.path())
    assert cache.read(profile) is None


def test_an_unusable_keyring_fails_before_any_request(profile, endpoint) -> None:
    import keyring
    from support.fake_keyring import LockedKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        with pytest.raises(KeyringUnavailable) as caught:
            _core.login(profile, "test-secret")
    finally:
        keyring.set_keyring(previous)
    assert endpoint.token_requests == 0
    assert caught.value.exit_code == 4
    assert str(caught.value).startswith(
        "cannot read the secret from the keyring (KeyringLocked: the collection is locked): "
        "start or unlock a Secret Service"
    )
    assert not os.path.exists(config.path())


def test_a_keyring_that_drops_secrets_is_caught(
    profile, endpoint, memory_keyring, monkeypatch
) -> None:
    monkeypatch.setattr(memory_keyring, "set_password", lambda *args: None)
    with pytest.raises(KeyringUnavailable, match="did not keep the secret"):
        _core.login(profile, "test-secret")
    assert not os.path.exists(config.path())


def test_a_stale_token_is_replaced(profile, endpoint, memory_keyring) -> None:
    first = _core.login(profile, "test-secret")
    cache.write(
        profile, first.replace(expires_at=first.issued_at + 1000)
    )  # 1000 s left, margin 300
    assert credhelper.get_token() == first.replace(expires_at=first.issued_at + 1000)
    cache.write(
        profile, first.replace(issued_at=first.issued_at - 1600, expires_at=first.issued_at + 200)
    )
    renewed = credhelper.get_token()
    assert renewed.access_token != first.access_token
    assert endpoint.token_requests == 2


def test_refresh_mints_even_when_the_cache_is_good(profile, endpoint, memory_keyring) -> None:
    first = _core.login(profile, "test-secret")
    assert credhelper.get_token(refresh=True).access_token != first.access_token
    assert endpoint.token_requests == 2


def test_forget_drops_only_the_refused_token(profile, endpoint, memory_keyring) -> None:
    token = _core.login(profile, "test-secret")
    assert credhelper.forget_token("some-older-token") is False
    assert cache.read(profile) == token
    assert credhelper.forget_token(token) is True
    assert cache.read(profile) is None
    assert credhelper.get_token().access_token != token.access_token


def test_no_secret_in_the_keyring_says_how_to_fix_it(profile, endpoint, memory_keyring) -> None:
    _core.login(profile, "test-secret")
    memory_keyring.entries.clear()
    cache.delete(profile)
    with pytest.raises(ConfigError) as caught:
        credhelper.get_token()
    assert str(caught.value) == (
        "no secret for profile 'default' in the keyring: run `amplify-credhelper login --profile default`"
    )


def test_environment_credentials_need_no_keyring_and_no_config(endpoint, monkeypatch) -> None:
    import keyring
    from support.fake_keyring import LockedKeyring

    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("AMPLIFY_BASE_URL", endpoint.base_url)
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        token = credhelper.get_token()
        assert credhelper.get_token() == token
    finally:
        keyring.set_keyring(previous)
    assert endpoint.token_requests == 1
    assert not os.path.exists(config.path())


def test_an_unwritable_cache_still_yields_a_token(endpoint, monkeypatch) -> None:
    # A folder below a file: no one can create it, root included (CI runs as root).
    monkeypatch.setenv("XDG_CONFIG_HOME", "/proc/version/amplify")
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("AMPLIFY_BASE_URL", endpoint.base_url)
    with pytest.warns(
        CacheWarning,
        match=r"cannot cache the token \(Not a directory\): each call will ask for a new one",
    ):
        assert credhelper.get_token().org_id == "652605300303530"
    with pytest.warns(CacheWarning):
        credhelper.get_token()
    assert endpoint.token_requests == 2


def test_a_full_disk_still_yields_a_token(profile, endpoint, memory_keyring, monkeypatch) -> None:
    import errno

    from credhelper import _files

    _core.login(profile, "test-secret")
    cache.delete(profile)

    def disk_full(path: str, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(_files, "write_private", disk_full)
    with pytest.warns(CacheWarning, match="No space left on device"):
        assert credhelper.get_token().org_id == "652605300303530"


def test_threads_asking_at_once_cause_one_request(profile, endpoint, memory_keyring) -> None:
    _core.login(profile, "test-secret")
    cache.delete(profile)
    endpoint.requests.clear()
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(credhelper.get_token().access_token))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 8 and len(set(results)) == 1
    assert endpoint.token_requests == 1


# -- client_secret: for a tool that must be given the secret itself ---------------------------


def test_client_secret_comes_from_the_keyring_or_the_environment(
    profile, endpoint, memory_keyring, monkeypatch
) -> None:
    _core.login(profile, "test-secret")
    assert credhelper.client_secret() == credhelper.client_secret("default") == "test-secret"
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "ci-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "ci-secret")
    assert credhelper.client_secret() == "ci-secret"
    assert credhelper.client_secret(profile) == "test-secret"


def test_client_secret_of_a_key_profile_or_of_nothing_stored_is_a_config_error(
    memory_keyring,
) -> None:
    config.save_all({
        "k": make_profile(name="k", client_id="c", auth_method="key"),
        "s": make_profile(name="s", client_id="c"),
    })  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        credhelper.client_secret("k")
    assert str(caught.value) == "profile 'k' uses a private key: it has no client secret to give"
    with pytest.raises(ConfigError, match="^no secret for profile 's' in the keyring: run"):
        credhelper.client_secret("s")


def test_client_secret_with_a_locked_keyring(monkeypatch) -> None:
    import keyring
    from support.fake_keyring import LockedKeyring

    config.save_all({"s": make_profile(name="s", client_id="c")})
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        with pytest.raises(KeyringUnavailable) as caught:
            credhelper.client_secret("s")
    finally:
        keyring.set_keyring(previous)
    assert caught.value.exit_code == 4


def test_client_secret_imports_keyring_but_never_httpx(subprocess_env) -> None:
    import subprocess
    import sys

    probe = (
        "import sys, credhelper\n"
        "from credhelper.profiles import config\n"
        "from credhelper.profiles._validate import make_profile\n"
        "config.save_all({'s': make_profile(name='s', client_id='c')})\n"
        "from credhelper.profiles import _keyring; _keyring.set_secret(credhelper.load_profile('s'), 'sec')\n"
        "print(credhelper.client_secret('s'), 'httpx' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=subprocess_env, timeout=60, check=False)  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "sec False\n"), done.stderr
