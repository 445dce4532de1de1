"""Keyring backends for tests: in memory (in-process tests) and in a JSON file (subprocesses).

The file backend is chosen with PYTHON_KEYRING_BACKEND=tests.support.fake_keyring.FileKeyring
and AMPLIFY_TEST_KEYRING_FILE, exactly as a user picks a real backend, so the subprocess tests
also prove that the user's backend choice is respected.
"""

from __future__ import annotations

import json
import os
import time

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class LockedKeyring(KeyringBackend):
    """A keyring that refuses every call, as a locked one does."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")


class BlockingKeyring(KeyringBackend):
    """A keyring that never answers, as a Secret Service waiting on an unlock prompt nobody
    sees, or a stuck D-Bus."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        time.sleep(3600)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        time.sleep(3600)

    def delete_password(self, service: str, username: str) -> None:
        time.sleep(3600)


class FileKeyring(MemoryKeyring):
    """MemoryKeyring persisted to $AMPLIFY_TEST_KEYRING_FILE, for subprocess tests."""

    def _load(self) -> None:
        try:
            with open(os.environ["AMPLIFY_TEST_KEYRING_FILE"]) as handle:
                self.entries = {tuple(k.split("\0", 1)): v for k, v in json.load(handle).items()}  # type: ignore[misc]
        except FileNotFoundError:
            self.entries = {}

    def _save(self) -> None:
        # Replaced atomically: a process reading while another writes sees a whole file.
        path = os.environ["AMPLIFY_TEST_KEYRING_FILE"]
        with open(f"{path}.{os.getpid()}", "w") as handle:
            json.dump({"\0".join(k): v for k, v in self.entries.items()}, handle)
        os.replace(f"{path}.{os.getpid()}", path)

    def get_password(self, service: str, username: str) -> str | None:
        self._load()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._load()
        super().set_password(service, username, password)
        self._save()

    def delete_password(self, service: str, username: str) -> None:
        self._load()
        super().delete_password(service, username)
        self._save()


class SlowAfter(FileKeyring):
    """A keyring whose set and delete happen at once, then answer only after
    $AMPLIFY_TEST_KEYRING_SLOW seconds (a slow D-Bus reply): the change is made while its
    caller still waits, or has stopped waiting."""

    def set_password(self, service: str, username: str, password: str) -> None:
        super().set_password(service, username, password)
        time.sleep(float(os.environ.get("AMPLIFY_TEST_KEYRING_SLOW", "0")))

    def delete_password(self, service: str, username: str) -> None:
        super().delete_password(service, username)
        time.sleep(float(os.environ.get("AMPLIFY_TEST_KEYRING_SLOW", "0")))
