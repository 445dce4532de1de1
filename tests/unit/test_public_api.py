from __future__ import annotations

import subprocess
import sys

import credhelper


def test_the_public_face_is_pinned_and_sorted() -> None:
    assert credhelper.__all__ == sorted(credhelper.__all__)
    assert credhelper.__all__ == [
        "AmplifyAuth",
        "CacheWarning",
        "ConfigError",
        "CredentialsRejected",
        "CredhelperError",
        "KeyringUnavailable",
        "LoginServiceError",
        "Profile",
        "Token",
        "forget_token",
        "get_token",
        "list_profiles",
        "load_profile",
    ]
    for name in credhelper.__all__:
        assert getattr(credhelper, name) is not None


def test_every_error_has_its_documented_exit_code() -> None:
    assert [
        e.exit_code
        for e in (
            credhelper.ConfigError,
            credhelper.CredentialsRejected,
            credhelper.LoginServiceError,
            credhelper.KeyringUnavailable,
        )
    ] == [1, 2, 3, 4]
    for error in (
        credhelper.ConfigError,
        credhelper.CredentialsRejected,
        credhelper.LoginServiceError,
        credhelper.KeyringUnavailable,
    ):
        assert issubclass(error, credhelper.CredhelperError)


def test_importing_the_package_and_the_cli_loads_neither_keyring_nor_httpx() -> None:
    code = "import sys, credhelper.cli; print(sorted(m for m in ('keyring', 'httpx', 'filelock', 'dataclasses', 'typing', 'configparser') if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_amplify_auth_is_loaded_on_demand() -> None:
    code = "import sys, credhelper; credhelper.AmplifyAuth; print('httpx' in sys.modules)"
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        == "True\n"
    )
