"""The installed commands writing to a stdout that cannot take it: full, closed, or a reader that
left (`token`, and every program's `--help` and `--version`). Real processes, so here rather than
in the unit tests."""

from __future__ import annotations

import os
import subprocess

import pytest

pytestmark = pytest.mark.integration


def _token_with_stdout(env: dict, stdout: object) -> subprocess.Popen:
    from conftest import console_script

    return subprocess.Popen([console_script("amplify-credhelper"), "token"], env=env,
                            stdout=stdout, stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.fixture
def token_env(endpoint, subprocess_env) -> dict:
    return {**subprocess_env, "AMPLIFY_CLIENT_ID": "test-client",
            "AMPLIFY_CLIENT_SECRET": "test-secret", "AMPLIFY_BASE_URL": endpoint.base_url}  # fmt: skip


def test_a_full_stdout_is_one_line_and_exit_1(token_env) -> None:
    with open("/dev/full", "w") as full:
        process = _token_with_stdout(token_env, full)
    assert (process.wait(60), process.stderr.read()) == (
        1,
        "amplify-credhelper: error: cannot write the output: No space left on device\n",
    )


def test_a_closed_stdout_is_one_line_and_exit_1(token_env) -> None:
    from conftest import console_script

    done = subprocess.run(["sh", "-c", f'"{console_script("amplify-credhelper")}" token >&-'],
                          env=token_env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (done.returncode, done.stderr) == (
        1,
        "amplify-credhelper: error: cannot write the output: Bad file descriptor\n",
    )


def test_a_reader_that_left_ends_us_silently(token_env) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # `token | head -c0`: gone before we write
    process = _token_with_stdout(token_env, writer)
    os.close(writer)
    assert (process.wait(60), process.stderr.read()) == (141, "")


_PRINTING = [(p, a) for p in ("amplify-credhelper", "git-credential-amplify",
                               "docker-credential-amplify") for a in ("--help", "--version")]  # fmt: skip


@pytest.mark.parametrize(("program", "argv"), [*_PRINTING, ("amplify-credhelper", "token --help")])
@pytest.mark.parametrize("stdout", ["full", "closed"])
def test_help_and_version_that_cannot_be_written_fail(program, argv, stdout) -> None:
    import subprocess

    from conftest import console_script

    redirect = ">/dev/full" if stdout == "full" else ">&-"
    done = subprocess.run(["sh", "-c", f'"{console_script(program)}" {argv} {redirect}'],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    why = "No space left on device" if stdout == "full" else "Bad file descriptor"
    assert (done.returncode, done.stderr) == (1, f"{program}: error: cannot write the output: {why}\n")
