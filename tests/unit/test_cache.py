from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from credhelper import Token
from credhelper.profiles._validate import make_profile
from credhelper.tokens import cache

PROFILE = make_profile(name="ci", client_id="C", base_url="https://login.example.com")
TOKEN = Token(access_token="tok.en-1", expires_at=2000.0, issued_at=200.0, org_id="42")


def _file() -> str:
    return cache._path(PROFILE)


def test_round_trip_in_a_private_file_in_a_private_folder() -> None:
    cache.write(PROFILE, TOKEN)
    assert cache.read(PROFILE) == TOKEN
    assert stat.S_IMODE(os.stat(_file()).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(_file())).st_mode) == 0o700
    assert os.listdir(os.path.dirname(_file())) == ["ci.json"]  # no temporary file left behind


def test_the_environment_profile_has_a_file_no_stored_profile_can_name() -> None:
    env_profile = PROFILE.replace(from_environment=True)
    cache.write(env_profile, TOKEN)
    assert os.path.basename(cache._path(env_profile)) == "@environment.json"
    assert cache.read(PROFILE) is None


def test_a_token_for_another_account_is_not_served() -> None:
    cache.write(PROFILE, TOKEN)
    assert cache.read(PROFILE.replace(client_id="other")) is None
    assert cache.read(PROFILE.replace(base_url="https://elsewhere.example.com")) is None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"\x00\xff garbage",
        b"[]",
        b'{"format": 1}',
        b'{"format": 2}',
        b'{"format": 1, "client_id": "C", "token_url": "%s", "access_token": "a b", "expires_at": 1, "issued_at": 0}',
    ],
)
def test_empty_truncated_or_garbage_files_are_a_miss_and_get_replaced(content: bytes) -> None:
    os.makedirs(os.path.dirname(_file()), mode=0o700)
    with open(_file(), "wb") as handle:
        handle.write(content.replace(b"%s", PROFILE.token_endpoint.encode()))
    os.chmod(_file(), 0o600)
    assert cache.read(PROFILE) is None
    cache.write(PROFILE, TOKEN)
    assert cache.read(PROFILE) == TOKEN


def test_a_file_others_can_read_is_not_trusted() -> None:
    cache.write(PROFILE, TOKEN)
    os.chmod(_file(), 0o644)
    assert cache.read(PROFILE) is None
    cache.write(PROFILE, TOKEN)
    assert stat.S_IMODE(os.stat(_file()).st_mode) == 0o600


def test_a_symlinked_cache_file_is_refused_and_replaced(tmp_path) -> None:
    elsewhere = tmp_path / "planted.json"
    cache.write(PROFILE, TOKEN)
    elsewhere.write_bytes(Path(_file()).read_bytes())
    elsewhere.chmod(0o600)
    os.unlink(_file())
    os.symlink(elsewhere, _file())
    assert cache.read(PROFILE) is None
    cache.write(PROFILE, TOKEN.replace(access_token="new"))
    assert not os.path.islink(_file())
    assert json.loads(elsewhere.read_text())["access_token"] == "tok.en-1"  # never written through


def test_a_symlinked_or_open_cache_folder_is_replaced(tmp_path) -> None:
    folder = os.path.dirname(_file())
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.makedirs(os.path.dirname(folder), exist_ok=True)
    os.symlink(target, folder)
    cache.write(PROFILE, TOKEN)
    assert not os.path.islink(folder) and list(target.iterdir()) == []
    os.chmod(folder, 0o755)  # noqa: S103 (the very mistake under test)
    cache.write(PROFILE, TOKEN)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_delete() -> None:
    cache.write(PROFILE, TOKEN)
    assert cache.delete(PROFILE) is True
    assert cache.delete(PROFILE) is False
    assert cache.read(PROFILE) is None


def test_a_recorded_failure_is_shown_to_a_waiter_as_one_line() -> None:
    # The message comes back from a file: shown by errors.shown's rule, whatever it holds.
    before = time.time()
    cache.record_failure(PROFILE, 3, "the login service said: no\n\x1b[2Jreally " + "x" * 3000)
    code, message = cache.failure_since(PROFILE, before)
    assert code == 3
    assert message.startswith("the login service said: no\\n\\x1b[2Jreally ...")
    assert message.isascii() and message.isprintable() and len(message) <= 2000
