"""An in-memory global git config for setup-git's unit tests: the three calls it makes, with
git's own rules for them (file order kept, `--unset-all KEY REGEX` removes matching values)."""

from __future__ import annotations

import re

from git_credential_amplify.gitconfig import OURS

_HELPER_KEY = re.compile(r"credential\..*helper")


class FakeGitConfig:
    def __init__(self, entries: list[tuple[str, str]] | None = None) -> None:
        self.entries = list(entries or [])

    def helper_entries(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.entries if _HELPER_KEY.fullmatch(k)]

    def add(self, key: str, value: str) -> None:
        # As git does: into the last section of the same name (and subsection), else at the end.
        section = key.rpartition(".")[0]
        same = [i for i, (k, _) in enumerate(self.entries) if k.rpartition(".")[0] == section]
        self.entries.insert(same[-1] + 1 if same else len(self.entries), (key, value))

    def remove_ours(self, key: str) -> None:
        self.entries = [(k, v) for k, v in self.entries if k != key or not re.search(OURS, v)]

    def values(self, key: str) -> list[str]:
        return [v for k, v in self.entries if k == key]

    def snapshot(self) -> object:
        return list(self.entries)

    def restore(self, saved: object) -> None:
        assert isinstance(saved, list)
        self.entries = list(saved)
