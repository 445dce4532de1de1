"""The one lazy-import idiom (credhelper/_lazy.py): references resolve as entry points' do, a
lazy name is kept once asked for, and asking for anything else imports nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

import credhelper
from credhelper import _lazy, commands


@pytest.mark.parametrize(
    ("reference", "package", "expected"),
    [
        (".api.auth:AmplifyAuth", "credhelper", "credhelper.api.auth.AmplifyAuth"),
        ("..errors:PROG", "credhelper.cli", "credhelper.errors.PROG"),
        (".:get_token", "credhelper", "credhelper.tokens._core.get_token"),
        ("credhelper._parser:CommandParser", "unused", "credhelper._parser.CommandParser"),
    ],
)
def test_a_reference_names_what_an_entry_point_would(reference, package, expected) -> None:
    module, _, name = expected.rpartition(".")
    assert _lazy.load(reference, package) is getattr(sys.modules[module], name)


def test_a_lazy_name_is_kept_in_its_module_once_asked_for() -> None:
    from credhelper._parser import CommandParser

    vars(commands).pop("CommandParser", None)
    assert commands.CommandParser is CommandParser
    assert vars(commands)["CommandParser"] is CommandParser  # later lookups skip __getattr__


@pytest.mark.parametrize("module", [credhelper, commands])
def test_an_unknown_name_is_the_usual_attribute_error(module) -> None:
    with pytest.raises(AttributeError, match=rf"^module '{module.__name__}' has no attribute 'nope'$"):
        module.nope  # noqa: B018


def test_asking_for_other_names_imports_nothing() -> None:
    # Python asks a module for __path__ at every `from module import X`: on the cache-hit path.
    probe = (
        "import sys\n"
        "import credhelper.commands as c\n"
        "from credhelper.commands import Command\n"
        "print(hasattr(c, '__path__'), 'credhelper._lazy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert (done.stdout, done.stderr) == ("False False\n", "")
