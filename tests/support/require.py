"""Tests that need a real outside tool (a Secret Service, oidc-provider, git, ...) call `need`.

Locally a missing tool skips the test; with AMPLIFY_TEST_REQUIRE_ALL=1 (set by tests/run, so in
CI) it fails it, so a broken install step can never turn into a silently skipped test.
"""

from __future__ import annotations

import os

import pytest


def need(condition: bool, what: str) -> None:
    """Skip (or, under AMPLIFY_TEST_REQUIRE_ALL=1, fail) the calling test unless `condition`."""
    if condition:
        return
    message = f"missing: {what}"
    if os.environ.get("AMPLIFY_TEST_REQUIRE_ALL") == "1":
        pytest.fail(f"{message} (AMPLIFY_TEST_REQUIRE_ALL=1 forbids skipping)", pytrace=False)
    pytest.skip(message)
