"""A login saves onto the config as it is when saving: what another process stored while the
token was requested survives, and a registry's one-profile rule is checked then.

Each test changes the config from inside the token request (``_core.mint``), where another
process's change lands in real life (tests/integration/test_login_races.py races processes).
"""

from __future__ import annotations

import pytest
from conftest import login_argv
from docker_credential_amplify.assignments import registries_of

from credhelper import load_profile, update_settings
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _core

ERROR = "amplify-credhelper: error: "


@pytest.fixture
def meanwhile(monkeypatch: pytest.MonkeyPatch):
    """Run a change while the next token request is under way."""

    def during_mint(change) -> None:
        real = _core.mint

        def mint(profile, secret):
            change()
            monkeypatch.setattr(_core, "mint", real)  # once
            return real(profile, secret)

        monkeypatch.setattr(_core, "mint", mint)

    return during_mint


def test_a_login_keeps_settings_saved_while_its_token_was_requested(
    run_cli, logged_in, meanwhile
) -> None:
    meanwhile(lambda: update_settings("default", "docker", {"registries": ["r.example.com"]}))
    done = run_cli(*login_argv(logged_in, "--refresh-margin", "60"), stdin="test-secret")
    assert done.code == 0, done
    profile = load_profile("default")
    assert (profile.refresh_margin, registries_of(profile)) == (60, ("r.example.com",))


def test_a_login_keeps_a_registry_removal_made_while_its_token_was_requested(
    run_cli, logged_in, meanwhile
) -> None:
    update_settings("default", "docker", {"registries": ["r.example.com"]})
    meanwhile(lambda: update_settings("default", "docker", None))  # an erase
    assert run_cli(*login_argv(logged_in, "--git-host", "g1"), stdin="test-secret").code == 0
    profile = load_profile("default")
    assert (registries_of(profile), profile.settings["git"]["hosts"]) == ((), ("g1",))


def test_fields_a_login_does_not_name_are_the_stored_ones_when_it_saves(
    run_cli, logged_in, meanwhile
) -> None:
    stored = load_profile("default")
    margin = make_profile(**{**stored.as_dict(), "refresh_margin": 100})
    meanwhile(lambda: config.save_all({"default": margin}))  # another login's option
    assert run_cli(*login_argv(logged_in, "--git-host", "g2"), stdin="test-secret").code == 0
    assert load_profile("default").refresh_margin == 100


def test_the_credential_saved_is_the_one_the_token_proved(
    run_cli, logged_in, meanwhile, memory_keyring
) -> None:
    stored = load_profile("default")
    other = make_profile(**{**stored.as_dict(), "client_id": "other", "realm": "R"})
    meanwhile(lambda: config.save_all({"default": other}))
    assert run_cli(*login_argv(logged_in), stdin="test-secret").code == 0
    saved = load_profile("default")
    assert (saved.client_id, saved.realm) == ("test-client", None)
    assert list(memory_keyring.entries.values()) == ["test-secret"]  # its entry, and only it


def test_a_registry_taken_while_the_token_was_requested_refuses_the_login(
    run_cli, logged_in, meanwhile, memory_keyring
) -> None:
    meanwhile(lambda: update_settings("default", "docker", {"registries": ["shared.example.com"]}))
    argv = login_argv(logged_in, "--profile", "p", "--registry", "shared.example.com")
    done = run_cli(*argv, stdin="test-secret")
    assert (done.code, done.out) == (1, "")
    assert done.err.startswith(
        f"{ERROR}shared.example.com is served by profile 'default': log in without --registry"
    )
    assert set(config.load_all()) == {"default"}  # nothing saved
    assert len(memory_keyring.entries) == 1  # the default profile's secret alone


def test_logout_removes_the_secret_of_the_profile_as_stored_when_it_removes(
    logged_in, memory_keyring
) -> None:
    stored = load_profile("default")
    read_before = make_profile(**{**stored.as_dict(), "client_id": "before-a-new-login"})
    _core.logout(read_before, lambda profile: profile.client_id)
    assert (config.load_all(), memory_keyring.entries) == ({}, {})  # no secret orphaned


def test_a_login_that_moves_the_entry_deletes_the_old_one_before_another_login_saves(
    run_cli, logged_in, monkeypatch
) -> None:
    """Login A moves profile 'default' to another token URL, which moves its keyring entry;
    login B, meanwhile, moves it back. A's delete of the entry it replaced must come before B
    sets that entry again: else both say "Logged in" and the profile has no secret."""
    import threading

    from credhelper.profiles import _keyring
    from credhelper.tokens import _transaction

    elsewhere = make_profile(name="default", client_id="test-client",
                             token_url=logged_in.base_url + "/oauth2/token")  # fmt: skip
    back = load_profile("default")
    real_delete = _keyring.delete_secret
    other: list[threading.Thread] = []

    def delete_while_b_logs_in(profile):
        if not other:  # A's clean-up: B starts now, and gets half a second to finish
            other.append(threading.Thread(target=_transaction.save_login, args=(back, "test-secret")))
            other[0].start()
            other[0].join(0.5)
        return real_delete(profile)

    monkeypatch.setattr(_keyring, "delete_secret", delete_while_b_logs_in)
    _transaction.save_login(elsewhere, "test-secret")
    other[0].join(10)
    assert load_profile("default").token_endpoint == back.token_endpoint  # B saved last
    assert _keyring.get_secret(load_profile("default")) == "test-secret"
