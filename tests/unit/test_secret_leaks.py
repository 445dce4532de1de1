"""No error can carry a secret: not its message, repr or args, not an exception chained behind
it, not the line a user sees on stderr. Each place an error is made next to a secret is tried
with a backend or server that does the worst it could: drop the value, or echo it back."""

from __future__ import annotations

import pytest
from conftest import login_argv
from test_keys import EC_KEY, PKCS8, _pem

from credhelper import KeyringUnavailable
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _core

SECRET = "test-secret"


def _chain(exc: BaseException | None) -> list[BaseException]:
    found = []
    while exc is not None and exc not in found:
        found.append(exc)
        exc = exc.__cause__ or exc.__context__
    return found


def assert_nowhere_in(exc: BaseException, secret: str) -> None:
    for link in _chain(exc):
        for shown in (str(link), repr(link), *map(repr, link.args)):
            assert secret not in shown, (type(link).__name__, shown)


@pytest.fixture
def profile(endpoint):
    return make_profile(name="default", client_id="test-client", base_url=endpoint.base_url)


def _drops(*args: str) -> None:
    return None


def _echoes(service: str, user: str, value: str) -> None:
    raise RuntimeError(f"could not store {value!r} for {user}")


@pytest.mark.parametrize(
    ("set_password", "message"),
    [
        (_drops, "the keyring (support.fake_keyring.MemoryKeyring) did not keep the secret: "),
        (_echoes, "cannot store the secret in the keyring (RuntimeError): "),
    ],
)
def test_a_keyring_failure_never_carries_the_secret(
    profile, endpoint, memory_keyring, monkeypatch, set_password, message: str
) -> None:
    monkeypatch.setattr(memory_keyring, "set_password", set_password)
    with pytest.raises(KeyringUnavailable) as caught:
        _core.login(profile, SECRET)
    assert str(caught.value).startswith(message), str(caught.value)
    assert_nowhere_in(caught.value, SECRET)


@pytest.mark.parametrize("set_password", [_drops, _echoes])
def test_a_login_whose_keyring_fails_shows_no_secret_on_stderr(
    run_cli, endpoint, memory_keyring, monkeypatch, set_password
) -> None:
    monkeypatch.setattr(memory_keyring, "set_password", set_password)
    for argv in (login_argv(endpoint), [*login_argv(endpoint), "--verbose"]):
        result = run_cli(*argv, stdin=SECRET + "\n")
        assert result.code == 4 and "amplify-credhelper: error: " in result.err
        assert SECRET not in result.err + result.out


def test_a_keyring_that_echoes_a_private_key_shows_none_of_it(
    run_cli, endpoint, memory_keyring, monkeypatch, tmp_path
) -> None:
    pem = _pem(EC_KEY, PKCS8, None)
    (tmp_path / "sa.pem").write_bytes(pem)
    (tmp_path / "sa.pem").chmod(0o600)
    endpoint.clients["ec-sa"] = None  # any key login: the keyring fails before it matters
    monkeypatch.setattr(memory_keyring, "set_password", _echoes)
    result = run_cli("login", "--client-id", "ec-sa", "--base-url", endpoint.base_url,
                     "--key-file", str(tmp_path / "sa.pem"), "-v")  # fmt: skip
    body = [line for line in pem.decode().splitlines() if "-----" not in line]
    assert result.code != 0
    assert not [line for line in body if line in result.err], result.err
