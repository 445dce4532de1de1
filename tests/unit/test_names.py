"""No two top-level functions or classes share a name for different jobs.

A name defined in two modules is allowed only where it is the same role in each one's own
terms: a protocol's verbs in each helper (``_get``, ``_erase``, ``handle``), a module's own
file (``config.path`` / ``cache.path``), each integration's ``serving_profile``.
"""

from __future__ import annotations

import ast
import collections
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAME_ROLE = {
    "_erase": "the helpers' erase verb",
    "_get": "a get verb: the keyring's, each helper protocol's",
    "_reason": "a failure's cause, in one line",
    "_shown": "a value shown safely in a message (item 2 of issue 21 makes it one)",
    "handle": "each helper's pure protocol entry",
    "normalise": "a host or registry name, as its tool compares them",
    "path": "where the module's own file is",
    "read": "the module's own file, read",
    "run": "the testable entry point of a program",
    "doctor_checks": "an integration's rows in doctor, for one profile's settings",
    "serving_profile": "the profile that serves a host or registry",
}


def top_level_names(root: Path, folders: list[str]) -> dict[str, list[str]]:
    """Each name defined at the top of 2 or more modules, with those modules."""
    found = collections.defaultdict(list)
    for path in sorted(p for folder in folders for p in (root / folder).rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found[node.name].append(path.relative_to(root).as_posix())
    return {name: where for name, where in found.items() if len(where) > 1}


def test_a_name_in_two_modules_is_the_same_role_in_each() -> None:
    shared = top_level_names(ROOT, ["credhelper", "integrations"])
    shared.pop("__getattr__", None)  # PEP 562's hook of a lazy module
    shared.pop("main", None)  # each program's entry point
    assert {n: w for n, w in shared.items() if n not in SAME_ROLE} == {}


def test_the_scan_finds_a_shared_name(tmp_path: Path) -> None:
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("def token_for():\n    pass\n")
    (tmp_path / "c.py").write_text("def token_lasting():\n    pass\n")
    assert top_level_names(tmp_path, ["."]) == {"token_for": ["a.py", "b.py"]}
