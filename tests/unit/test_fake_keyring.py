"""keyring's own contract for backends, held against our fakes, so they cannot drift from the
real backends that users run."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.testing.backend import BackendBasicTests
from support.fake_keyring import FileKeyring, MemoryKeyring


class TestMemoryKeyring(BackendBasicTests):
    def init_keyring(self) -> MemoryKeyring:
        return MemoryKeyring()


class TestFileKeyring(BackendBasicTests):
    @pytest.fixture(autouse=True)
    def _init_properties(self, request, monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
        # The contract's own fixture, with the file the backend keeps its entries in.
        monkeypatch.setenv("AMPLIFY_TEST_KEYRING_FILE", str(home / "keyring.json"))
        self.keyring = self.init_keyring()
        self.credentials_created: set[tuple[str, str]] = set()
        request.addfinalizer(self.cleanup)

    def init_keyring(self) -> FileKeyring:
        return FileKeyring()

    def test_entries_survive_a_new_backend(self) -> None:
        self.set_password("service ü", "user\nname", "pass\0word")
        assert FileKeyring().get_password("service ü", "user\nname") == "pass\0word"
