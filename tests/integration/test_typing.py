"""The value types as a user's type checker sees them: mypy --strict on the installed package.

An integration test: it runs mypy (several seconds of CPU), more than the unit suite's budget.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

USER_CODE = """\
from credhelper import Profile, Token
Token(acces_token="x", expires_at="soon")
Token(access_token="x", expires_at=1.0).access_token = "y"
Profile(name="a", client_id="b", refresh_margin="5")
Profile(name="a", client_id="b", settings=["git"])
Profile(name="a", client_id="b", settings={"git": {"hosts": ["h"]}})
good: Token = Token(access_token="x", expires_at=1.0).replace(org_id="1")
"""


def test_mypy_strict_checks_what_users_construct(tmp_path: Path) -> None:
    # Run on the installed package from a folder outside the repository, as a user's checker
    # would: without py.typed mypy would not read our annotations at all.
    (tmp_path / "user.py").write_text(USER_CODE)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "user.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    errors = [
        line.split(": error: ", 1)[1] for line in done.stdout.splitlines() if ": error: " in line
    ]
    assert errors == [
        'Unexpected keyword argument "acces_token" for "Token"; did you mean "access_token"?  [call-arg]',
        'Argument "expires_at" to "Token" has incompatible type "str"; expected "float"  [arg-type]',
        'Property "access_token" defined in "Token" is read-only  [misc]',
        'Argument "refresh_margin" to "Profile" has incompatible type "str"; expected "int"  [arg-type]',
        'Argument "settings" to "Profile" has incompatible type "list[str]"; expected "Mapping[str, Mapping[str, object]]"  [arg-type]',
    ], done.stdout
