"""What a test's home holds after real processes raced on it: the profiles config.json keeps,
and the profiles the file-backed fake keyring (fake_keyring.FileKeyring) holds a secret for."""

from __future__ import annotations

import json
from pathlib import Path


def stored_profiles(home: Path) -> dict:
    path = home / "config" / "amplify-credhelper" / "config.json"
    return json.loads(path.read_text())["profiles"]


def keyring_profiles(home: Path) -> set[str]:
    entries = json.loads((home / "keyring.json").read_text())
    return {key.split("\0", 1)[1].split(":profile:", 1)[1] for key in entries}
