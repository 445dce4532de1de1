from __future__ import annotations

import subprocess
import sys

import credhelper


def test_the_public_face_is_pinned_and_sorted() -> None:
    assert credhelper.__all__ == sorted(credhelper.__all__)
    assert credhelper.__all__ == [
        "AmplifyAuth",
        "Attempt",
        "Authorizer",
        "CacheWarning",
        "ConfigError",
        "CredentialsRejected",
        "CredhelperError",
        "HostNotAllowed",
        "KeyringUnavailable",
        "LoginServiceError",
        "Profile",
        "Token",
        "client_secret",
        "config_lock",
        "forget_token",
        "get_token",
        "get_token_async",
        "host_matches",
        "is_loopback",
        "list_profiles",
        "load_profile",
        "update_settings",
    ]


def test_every_public_name_is_a_documented_object_of_its_own_name() -> None:
    for name in credhelper.__all__:
        value = getattr(credhelper, name)  # AmplifyAuth: loaded here, on first use
        assert value.__module__.startswith("credhelper."), name
        assert value.__name__ == name, f"{name} is another name for {value.__name__}"
        assert (value.__doc__ or "").strip(), f"{name} has no docstring"
    assert sorted(n for n in vars(credhelper) if not n.startswith("_") and n.islower()
                  and callable(getattr(credhelper, n))) == [
        n for n in credhelper.__all__ if n.islower()
    ]  # no function is public by accident  # fmt: skip


def test_every_error_has_its_documented_exit_code() -> None:
    assert [
        e.exit_code
        for e in (
            credhelper.ConfigError,
            credhelper.HostNotAllowed,
            credhelper.CredentialsRejected,
            credhelper.LoginServiceError,
            credhelper.KeyringUnavailable,
        )
    ] == [1, 1, 2, 3, 4]
    assert issubclass(credhelper.HostNotAllowed, credhelper.ConfigError)
    for error in (
        credhelper.ConfigError,
        credhelper.CredentialsRejected,
        credhelper.LoginServiceError,
        credhelper.KeyringUnavailable,
    ):
        assert issubclass(error, credhelper.CredhelperError)


HEAVY = ("keyring", "httpx", "filelock", "jwt", "dataclasses", "typing", "configparser",
         "platformdirs", "argparse", "urllib.parse")  # fmt: skip


def _heavy_modules_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return eval(done.stdout)  # noqa: S307 (our own subprocess printing a list literal)


def test_importing_the_package_and_the_cli_loads_nothing_heavy() -> None:
    # Not even platformdirs or argparse: a cache hit needs neither (tests/unit/test_hit_path.py).
    assert _heavy_modules_after("import credhelper.cli.dispatch") == []


def test_the_names_for_long_running_programs_are_loaded_on_demand() -> None:
    # The in-memory holder and the policy serve the auths and async callers, never a cache hit.
    code = (
        "import sys, credhelper; print(sorted(m for m in sys.modules if m in"
        " ('credhelper.api._holder', 'credhelper.api._policy')));"
        " print(credhelper.forget_token.__module__, credhelper.get_token_async.__module__,"
        " credhelper.Authorizer.__module__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\ncredhelper.api._holder credhelper.api._holder credhelper.api._policy\n"


def test_amplify_auth_is_loaded_on_demand() -> None:
    code = "import sys, credhelper; credhelper.AmplifyAuth; print('httpx' in sys.modules)"
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        == "True\n"
    )
