"""setup-docker runs the command contract kit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from docker_credential_amplify.configure import SetupDocker

from credhelper.testing.command_contract import CommandContract


class TestSetupDocker(CommandContract):
    argv = ("registry.example.com",)

    @pytest.fixture
    def command(self, logged_in, home: Path, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setenv("DOCKER_CONFIG", str(home / "docker"))
        bin_dir = Path(sys.executable).parent  # where the installed helper is, as on a user's PATH
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        return SetupDocker()
