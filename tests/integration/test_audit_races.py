"""Processes racing to write the audit log: no line lost or split, and rotation stays clean
while six writers rotate at once. Real processes, so here rather than in the unit tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from credhelper.tokens import _audit

pytestmark = pytest.mark.integration


_WRITER = """
import sys
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _audit
_audit.MAX_BYTES = int(sys.argv[3])
profile = make_profile(name="w" + sys.argv[1], client_id="c" * 100, base_url="https://l.example.com")
for _ in range(int(sys.argv[2])):
    _audit.record("mint", profile, "ok")
"""


def _race(writers: int, lines: int, cap: int) -> None:
    children = [subprocess.Popen([sys.executable, "-c", _WRITER, str(n), str(lines), str(cap)],
                                 stderr=subprocess.PIPE) for n in range(writers)]  # fmt: skip
    for child in children:
        _, err = child.communicate(timeout=120)
        assert (child.returncode, err) == (0, b"")


def test_racing_writers_lose_no_line_and_split_none() -> None:
    _race(writers=6, lines=150, cap=1 << 30)
    written = [json.loads(line) for line in Path(_audit.path()).read_text().splitlines()]
    counts = {f"w{n}": 0 for n in range(6)}
    for entry in written:
        counts[entry["profile"]] += 1
    assert counts == {f"w{n}": 150 for n in range(6)}


def test_racing_writers_rotate_cleanly() -> None:
    _race(writers=6, lines=150, cap=20_000)  # about 80 lines a file: many rotations at once
    path = Path(_audit.path())
    for file in (path, Path(f"{path}.1")):
        lines = file.read_text().splitlines()
        assert lines and all(json.loads(line)["event"] == "mint" for line in lines)
        assert file.stat().st_size < 20_000 + 6 * 400  # each writer overshoots by a line at most
