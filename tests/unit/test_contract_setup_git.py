"""setup-git runs the command contract kit."""

from __future__ import annotations

import pytest
from git_credential_amplify.configure import SetupGit
from support.fake_git_config import FakeGitConfig

from credhelper.testing.command_contract import CommandContract


class TestSetupGit(CommandContract):
    argv = ("git.example.com",)

    @pytest.fixture
    def command(self, logged_in):
        return SetupGit(git=FakeGitConfig(), which=lambda name: f"/bin/{name}")
