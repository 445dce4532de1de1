"""The sdist and the wheel, built as a release would build them, and read: what they hold and
the metadata the package index would show."""

from __future__ import annotations

import email
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source")  # a clean copy: no build/ or egg-info left behind
    for path in ROOT.rglob("*"):  # the work tree as it is, committed or not
        relative = path.relative_to(ROOT)
        if (
            path.is_file()
            and not {".git", "build", "__pycache__"} & set(relative.parts)
            and ".egg-info" not in str(relative)
        ):
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            (source / relative).write_bytes(path.read_bytes())
    done = subprocess.run([sys.executable, "-m", "build", "-o", str(out), str(source)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return next(out.glob("*.tar.gz")), next(out.glob("*.whl"))


def test_the_sdist_holds_what_the_readmes_two_commands_need(built) -> None:
    with tarfile.open(built[0]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    wanted = {"CHANGELOG.md", "LICENSE", "README.md", "pyproject.toml", "setup.cfg", "tests/run",
              "tests/demo.py", "tests/conftest.py", "tests/support/oidc_provider.mjs",
              "tests/integration/test_packaging.py"}  # fmt: skip
    assert sorted(wanted - names) == []
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "tests"], capture_output=True,
                             text=True, check=True, timeout=60).stdout.split()  # fmt: skip
    assert sorted(set(tracked) - names) == []  # every test file, not a chosen few
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_wheel_holds_the_license_and_the_packages_and_no_tests(built) -> None:
    with zipfile.ZipFile(built[1]) as wheel:
        names = wheel.namelist()
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), names
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {
        "credhelper",
        "docker_credential_amplify",
        "git_credential_amplify",
        "httpie_amplify",
    }


def test_the_metadata_says_license_versions_os_topic_and_keywords(built) -> None:
    with zipfile.ZipFile(built[1]) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(wheel.read(name))
    classifiers = meta.get_all("Classifier")
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.9"
    assert "Programming Language :: Python :: 3.9" in classifiers
    assert [c for c in classifiers if c.startswith("Operating System ::")]
    assert "Topic :: Security" in classifiers
    assert {"axway", "amplify", "oauth2", "keyring"} <= set(meta["Keywords"].split(","))
    # No public home yet: no Project-URL at all, rather than a made-up one.
    assert meta.get_all("Project-URL") is None
