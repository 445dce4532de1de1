"""The import graph of credhelper/ and integrations/, read from the source with ast: no cycle
and no import against the layer order (README's module map), deferred imports included.

Every import counts: at the top, inside functions, under ``if TYPE_CHECKING``, and the
``"module:NAME"`` strings that name a module for ``_lazy`` (the ``_LAZY`` tables, the built-in
command table). The negative cases plant one fault each in a copy of the tree and see it caught.
"""

from __future__ import annotations

import ast
import functools
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INTEGRATIONS = ("docker_credential_amplify", "git_credential_amplify", "httpie_amplify")

# Bottom up: a module imports its own part and the parts of a lower rank. api and cli stand side
# by side, and so do the integrations: neither of a pair imports the other.
GROUND = ("errors", "_log", "_files", "_record", "_deadline", "_locks", "_lazy", "_signals")
# testing: the conformance kit for command plug-ins, over the CLI it runs them in.
RANKS = {"ground": 0, "contract": 1, "profiles": 2, "tokens": 3, "api": 4, "cli": 4, "face": 5,
         "testing": 5}  # fmt: skip
INTEGRATION_RANK = 6
# "._parser:CommandParser" (see _lazy), or with an absolute module name; strings naming no
# module of ours are left out by _ours.
LAZY_REFERENCE = re.compile(r"^(\.*[A-Za-z_][\w.]*|\.+):\w+$")


def modules_under(root: Path) -> dict[str, Path]:
    """Dotted module name -> its file, for credhelper and the integrations under ``root``."""
    found = {}
    folders = [root / "credhelper", *(root / "integrations" / name for name in INTEGRATIONS)]
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder.parent).with_suffix("").parts
            found[".".join(parts).removesuffix(".__init__")] = path
    return found


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ours that ``module`` imports, wherever the import stands."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = {_ours(name, modules) for name in _names_imported(path.read_bytes(), package)}
    return found - {"", module}


@functools.cache  # the negative cases read the same files again
def _names_imported(source: bytes, package: str) -> frozenset[str]:
    """Every dotted name an import or a lazy reference in ``source`` names (a module, or a name
    in one: ``_ours`` tells them apart)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute("." * node.level + (node.module or ""), package)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            reference = LAZY_REFERENCE.match(node.value)
            if reference:
                found.add(_absolute(reference[1], package))
    return frozenset(found)


def _absolute(name: str, package: str) -> str:
    """``name`` (maybe relative, as in ``from ..x import``) as a dotted name."""
    level = len(name) - len(name.lstrip("."))
    if not level:
        return name
    base = package.split(".")[: len(package.split(".")) - level + 1]
    return ".".join(base + ([name[level:]] if name[level:] else []))


def _ours(name: str, modules: dict[str, Path]) -> str:
    """The module of ours ``name`` is or lies in ('' for the standard library and the others)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        if ".".join(parts[:cut]) in modules:
            return ".".join(parts[:cut])
    return ""


def part_of(module: str) -> tuple[str, int] | None:
    """(part, rank) of ``module``; None for a credhelper module in no part."""
    top, _, rest = module.partition(".")
    if top != "credhelper":
        return top, INTEGRATION_RANK
    if not rest:
        return "face", RANKS["face"]
    head = rest.partition(".")[0]
    if head in GROUND:
        return "ground", RANKS["ground"]
    if head in ("commands", "_parser"):
        return "contract", RANKS["contract"]
    return (head, RANKS[head]) if head in RANKS else None


def problems(root: Path) -> list[str]:
    modules = modules_under(root)
    graph = {module: imports_of(module, path, modules) for module, path in modules.items()}
    found = [f"in no part: {m}" for m in sorted(modules) if part_of(m) is None]
    found += [f"not empty: {p} (a package's __init__ costs every import below it)"
              for m, p in modules.items() if m.count(".") and p.name == "__init__.py"
              and _has_code(p)]  # fmt: skip
    for module in sorted(graph):
        found += [_against_order(module, target) for target in sorted(graph[module])]
    return [problem for problem in found if problem] + _cycles(graph)


def _has_code(path: Path) -> bool:
    body = ast.parse(path.read_bytes()).body
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
               for node in body)  # fmt: skip


def _against_order(module: str, target: str) -> str:
    here, there = part_of(module), part_of(target)
    if here is None or there is None or here[0] == there[0] or there[1] < here[1]:
        return ""
    word = "sideways" if there[1] == here[1] else "upward"
    return f"{word}: {module} ({here[0]}) imports {target} ({there[0]})"


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    """One line per cycle found by a depth-first walk: the modules around it."""
    state: dict[str, str] = {}  # "open" while on the walk's path, "done" after
    path: list[str] = []
    found: list[str] = []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                found.append("cycle: " + " -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_the_tree_has_no_cycle_and_no_import_against_the_layer_order() -> None:
    assert problems(ROOT) == []


def test_the_graph_sees_the_imports_it_must() -> None:
    modules = modules_under(ROOT)
    face = imports_of("credhelper", modules["credhelper"], modules)
    assert {"credhelper.api.auth", "credhelper.cli._version", "credhelper.errors"} <= face
    dispatch = imports_of("credhelper.cli.dispatch", modules["credhelper.cli.dispatch"], modules)
    assert {"credhelper.cli._exec", "credhelper.cli._login", "credhelper._lazy"} <= dispatch


# (file, the lines planted at its end, what the check must say)
PLANTED = [
    ("credhelper/errors.py", "def _late():\n    from .cli import dispatch\n",
     "upward: credhelper.errors (ground) imports credhelper.cli.dispatch (cli)"),
    ("credhelper/profiles/profile.py", "def _late():\n    from . import _validate\n",
     "cycle: credhelper.profiles._validate -> credhelper.profiles.profile -> "
     "credhelper.profiles._validate"),
    ("credhelper/cli/_completion.py", "def _late():\n    from . import dispatch\n",
     "cycle: credhelper.cli._completion -> credhelper.cli.dispatch -> credhelper.cli._completion"),
    ("credhelper/tokens/token.py", "_LAZY = {'main': '..cli.dispatch:main'}\n",
     "upward: credhelper.tokens.token (tokens) imports credhelper.cli.dispatch (cli)"),
    ("credhelper/tokens/cache.py", "_LAZY = {'API': 'credhelper.api.auth:AmplifyAuth'}\n",
     "upward: credhelper.tokens.cache (tokens) imports credhelper.api.auth (api)"),
    ("credhelper/api/auth.py", "TYPE_CHECKING = False\nif TYPE_CHECKING:\n"
     "    from ..cli import _output\n",
     "sideways: credhelper.api.auth (api) imports credhelper.cli._output (cli)"),
    ("credhelper/tokens/_core.py", "def _late():\n    import docker_credential_amplify.names\n",
     "upward: credhelper.tokens._core (tokens) imports docker_credential_amplify.names "
     "(docker_credential_amplify)"),
    ("integrations/httpie_amplify/_plugin.py", "import git_credential_amplify\n",
     "sideways: httpie_amplify._plugin (httpie_amplify) imports git_credential_amplify "
     "(git_credential_amplify)"),
    ("credhelper/_unplaced.py", "",
     "in no part: credhelper._unplaced"),
    ("credhelper/api/__init__.py", "import os\n",
     "not empty: {root}/credhelper/api/__init__.py (a package's __init__ costs every import "
     "below it)"),
]  # fmt: skip


@pytest.mark.parametrize(("file", "planted", "expected"), PLANTED,
                         ids=[f"{f}:{e.partition(':')[0]}" for f, _, e in PLANTED])  # fmt: skip
def test_a_planted_fault_is_caught(tmp_path: Path, file: str, planted: str, expected: str) -> None:
    shutil.copytree(ROOT / "credhelper", tmp_path / "credhelper")
    for name in INTEGRATIONS:
        shutil.copytree(ROOT / "integrations" / name, tmp_path / "integrations" / name)
    target = tmp_path / file
    target.write_text((target.read_text() if target.exists() else "") + "\n" + planted)
    assert expected.format(root=tmp_path) in problems(tmp_path)
