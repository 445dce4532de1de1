"""A standard stream closed before we started (``cmd >&-``, ``<&-``): ``ClosedStream`` stands in
for it with everything a text stream has, so every command fails in one line, never with an
AttributeError ("internal error")."""

from __future__ import annotations

import io

import pytest

from credhelper.cli import dispatch as cli
from credhelper.errors import ClosedStream


def test_the_stand_in_has_all_a_text_stream_has() -> None:
    public = {name for name in dir(io.TextIOWrapper) if not name.startswith("_")}
    assert sorted(name for name in public if not hasattr(ClosedStream(), name)) == []


@pytest.mark.parametrize("call", [
    lambda s: s.write("x"), lambda s: s.writelines(["x"]), lambda s: s.fileno(),
    lambda s: s.buffer.write(b"x"), lambda s: s.seek(0), lambda s: s.tell(),
])  # fmt: skip
def test_writing_fails_as_a_closed_descriptor_does(call) -> None:
    with pytest.raises(OSError, match="Bad file descriptor"):
        call(ClosedStream())


def test_reading_finds_the_end_and_no_terminal() -> None:
    stream = ClosedStream()
    assert (stream.read(), stream.readline(), stream.readlines(), list(stream)) == ("", "", [], [])
    assert (stream.isatty(), stream.buffer.read()) == (False, b"")


_COMMANDS = [
    ["token"], ["header"], ["env"], ["status"], ["inspect"], ["doctor"], ["completion", "bash"],
    ["audit"], ["audit", "--json"], ["token", "--help"], ["--version"],
]  # fmt: skip


@pytest.mark.parametrize("argv", _COMMANDS, ids=" ".join)
def test_every_command_with_a_closed_stdout_fails_in_one_line(logged_in, argv) -> None:
    err = io.StringIO()
    code = cli.run(argv, ClosedStream(), ClosedStream(), err)
    assert (code, err.getvalue()) == (
        1, "amplify-credhelper: error: cannot write the output: Bad file descriptor\n"
    )


def test_login_with_a_closed_stdin_fails_in_one_line(endpoint, memory_keyring) -> None:
    from conftest import login_argv

    err = io.StringIO()
    code = cli.run([*login_argv(endpoint)], ClosedStream(), io.StringIO(), err)
    assert code == 1 and err.getvalue().count("\n") == 1, err.getvalue()
    assert "internal error" not in err.getvalue()
