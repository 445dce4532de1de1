"""The built-in commands run the command contract kit, as every plug-in does."""

from __future__ import annotations

import sys

import pytest
from conftest import login_argv

from credhelper.cli import _exec
from credhelper.cli._login import Login
from credhelper.cli.dispatch import BUILT_IN
from credhelper.testing.command_contract import CommandContract


class _BuiltIn(CommandContract):
    name = ""

    @pytest.fixture
    def command(self, logged_in):
        return BUILT_IN[self.name]


class TestToken(_BuiltIn):
    name = "token"


class TestHeader(_BuiltIn):
    name = "header"


class TestEnv(_BuiltIn):
    name = "env"


class TestStatus(_BuiltIn):
    name = "status"


class TestLogout(_BuiltIn):
    name = "logout"


class TestInspect(_BuiltIn):
    name = "inspect"


class TestExec(_BuiltIn):
    name, argv = "exec", ("--", sys.executable, "-c", "pass")

    @pytest.fixture
    def command(self, logged_in, monkeypatch):
        # exec replaces the process: the kit's run gets a stand-in that returns the status
        monkeypatch.setattr(_exec.EXEC, "_execute", lambda argv, env: 0)
        return BUILT_IN[self.name]


class TestDoctor(_BuiltIn):
    name = "doctor"


class TestCompletion(_BuiltIn):
    name, argv, failing_argv = "completion", ("bash",), ("no-such-shell",)
    common_options = False  # a script is the same for every profile


class TestLogin(CommandContract):
    failing_argv = ("--client-id", "test-client", "--base-url", "not a url", "--secret-stdin")
    stdin = "test-secret\n"

    @pytest.fixture
    def command(self, endpoint, memory_keyring):
        self.argv = tuple(login_argv(endpoint)[1:])
        return Login(lambda: [])
