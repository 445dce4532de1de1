"""Docker's credential-helper protocol in-process: `handle` and `serve` with in-memory streams
and a helper of the test's making; exact bytes on stdout, exact lines on stderr."""

from __future__ import annotations

import configparser
import io
import json
from pathlib import Path

import pytest
from docker_credential_amplify.helper import ProfileRegistries
from docker_credential_amplify.protocol import (
    MAX_INPUT,
    NOT_FOUND,
    HelperError,
    NotFound,
    handle,
    serve,
)

from credhelper import KeyringUnavailable

PROG = "docker-credential-amplify"


class FakeHelper:
    """Answers from a dict; records what it was asked."""

    def __init__(self, known: dict[str, tuple[str, str]] | None = None) -> None:
        self.known = known or {"reg.example.com": ("client-id", "the-secret")}
        self.calls: list[tuple[str, ...]] = []
        self.failure: Exception | None = None

    def get(self, server_url: str) -> tuple[str, str]:
        self.calls.append(("get", server_url))
        if self.failure is not None:
            raise self.failure
        if server_url not in self.known:
            raise NotFound()
        return self.known[server_url]

    def add(self, server_url: str, username: str, secret: str) -> None:
        self.calls.append(("add", server_url, username, secret))
        if self.failure is not None:
            raise self.failure

    def delete(self, server_url: str) -> tuple[str, str]:
        self.calls.append(("delete", server_url))
        return "reg.example.com", "p"

    def list(self) -> dict[str, str]:
        return {"reg.example.com": "client-id"}


def ask(action: str, stdin: bytes, helper: FakeHelper | None = None) -> tuple[int, bytes, str]:
    out, err = io.BytesIO(), io.StringIO()
    code = handle(action, io.BytesIO(stdin), out, err, helper or FakeHelper())
    return code, out.getvalue(), err.getvalue()


# -- get ---------------------------------------------------------------------------------------


def test_get_answers_the_json_docker_reads() -> None:
    code, out, err = ask("get", b"reg.example.com")
    assert (code, err) == (0, "")
    assert out == b'{"ServerURL": "reg.example.com", "Username": "client-id", "Secret": "the-secret"}\n'


def test_get_trims_the_server_url_as_the_reference_does() -> None:
    helper = FakeHelper()
    code, out, _ = ask("get", b" \t reg.example.com\r\n\n", helper)
    assert code == 0
    assert json.loads(out)["ServerURL"] == "reg.example.com"
    assert helper.calls == [("get", "reg.example.com")]


def test_not_found_is_the_exact_message_on_stdout_and_exit_1() -> None:
    assert ask("get", b"other.example.com\n") == (1, f"{NOT_FOUND}\n".encode(), "")


def test_a_not_found_with_a_reason_says_it_on_stderr_in_one_line() -> None:
    helper = FakeHelper()
    helper.failure = NotFound("private-key", "reg.example.com", "k")
    assert ask("get", b"reg.example.com", helper) == (
        1,
        b"credentials not found in native keychain\n",
        f"{PROG}: reg.example.com is assigned to profile 'k', which uses a private key: a "
        "registry takes a client secret; assign it to a secret profile with "
        "`amplify-credhelper setup-docker --profile P reg.example.com`\n",
    )


def test_an_empty_server_url_is_the_reference_error() -> None:
    for stdin in (b"", b"  \n \n"):
        assert ask("get", stdin) == (
            1,
            b"no credentials server URL\n",
            f"{PROG}: error: no credentials server URL\n",
        )


def test_a_core_error_is_one_line_on_both_streams() -> None:
    helper = FakeHelper()
    helper.failure = KeyringUnavailable("the keyring is locked (KeyringLocked)")
    code, out, err = ask("get", b"reg.example.com", helper)
    assert (code, out) == (1, b"the keyring is locked (KeyringLocked)\n")
    assert err == f"{PROG}: error: the keyring is locked (KeyringLocked)\n"


def test_input_longer_than_the_bound_is_refused_without_asking_the_helper() -> None:
    helper = FakeHelper()
    code, out, err = ask("get", b"r" * (MAX_INPUT + 1), helper)
    assert (code, out) == (1, f"the input is longer than {MAX_INPUT} bytes\n".encode())
    assert err.count("\n") == 1
    assert helper.calls == []


def test_input_that_is_not_utf8_is_refused() -> None:
    assert ask("erase", b"reg\xff.example.com")[:2] == (1, b"the input is not UTF-8 text\n")


# -- store -------------------------------------------------------------------------------------


def store(payload: object, helper: FakeHelper | None = None) -> tuple[int, bytes, str]:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return ask("store", raw, helper)


def test_store_passes_dockers_json_to_the_helper() -> None:
    helper = FakeHelper()
    creds = {"ServerURL": "reg.example.com", "Username": "client-id", "Secret": "s"}
    assert store(creds, helper) == (0, b"", "")
    assert helper.calls == [("add", "reg.example.com", "client-id", "s")]


def test_store_reads_field_names_as_go_does_ignoring_case_last_one_winning() -> None:
    helper = FakeHelper()
    raw = b'{"serverurl": "a", "SERVERURL": "reg", "username": "u", "secret": null, "x": 1}'
    assert store(raw, helper)[0] == 0
    assert helper.calls == [("add", "reg", "u", "")]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"Username": "u", "Secret": "s"}, "no credentials server URL"),
        ({"ServerURL": "reg", "Secret": "s"}, "no credentials username"),
        ({"ServerURL": "reg", "Username": "u", "Secret": 5}, "the credentials' Secret is not a string"),
        (["reg", "u", "s"], "the credentials are not a JSON object"),
        (b'{"ServerURL": "reg", "Secret": "hunter2"', "the credentials are not JSON (Expecting ',' delimiter at character 40)"),
        (b"[" * 50000, "the credentials are not JSON (nested too deeply)"),
    ],
)
def test_bad_store_input_is_one_line_and_never_quotes_the_secret(payload, message) -> None:
    helper = FakeHelper()
    code, out, err = store(payload, helper)
    assert (code, out, err) == (1, f"{message}\n".encode(), f"{PROG}: error: {message}\n")
    assert helper.calls == []


def test_a_refused_store_is_shown_and_fails() -> None:
    helper = FakeHelper()
    helper.failure = HelperError("not storing credentials for reg: use login")
    code, out, err = store({"ServerURL": "reg", "Username": "u", "Secret": "s"}, helper)
    assert (code, out) == (1, b"not storing credentials for reg: use login\n")
    assert err == f"{PROG}: error: not storing credentials for reg: use login\n"


# -- erase, list, version, the command line ---------------------------------------------------


def test_erase_prints_nothing_and_says_its_note_on_stderr() -> None:
    helper = FakeHelper()
    assert ask("erase", b"https://reg.example.com/\n", helper) == (0, b"",
        f"{PROG}: reg.example.com is no longer served by profile 'p'; its secret stays in the "
        "keyring for its tokens (`amplify-credhelper logout --profile p` removes it)\n")  # fmt: skip
    assert helper.calls == [("delete", "https://reg.example.com/")]


def test_list_is_a_json_object_of_user_names() -> None:
    assert ask("list", b"unused") == (0, b'{"reg.example.com": "client-id"}\n', "")


def test_version_names_the_program_and_the_project() -> None:
    code, out, _ = ask("version", b"")
    assert code == 0
    assert out.decode().startswith(f"{PROG} (amplify-credhelper) ")
    assert out.count(b"\n") == 1


def test_an_unknown_action_is_refused() -> None:
    code, out, err = ask("fetch", b"")
    assert (code, out) == (1, b"unknown action: 'fetch'\n")
    assert err == f"{PROG}: error: unknown action: 'fetch'\n"


def run(*argv: str) -> tuple[int, bytes, str]:
    out, err = io.BytesIO(), io.StringIO()
    code = serve(list(argv), io.BytesIO(b""), out, err, FakeHelper())
    return code, out.getvalue(), err.getvalue()


def test_the_command_line_as_the_reference_reads_it() -> None:
    usage = b"usage: docker-credential-amplify get|store|erase|list|version\n"
    assert run() == (1, usage, "")
    assert run("get", "extra") == (1, usage, "")
    assert run("--help") == (0, usage, "")
    assert run("-h") == (0, usage, "")
    assert run("--version") == run("-v") == run("version")
    setup = configparser.ConfigParser()
    setup.read(Path(__file__).parents[2] / "setup.cfg")
    number = setup["metadata"]["version"]  # what the installed package's metadata says
    assert run("--version") == (0, f"docker-credential-amplify (amplify-credhelper) {number}\n".encode(), "")


def test_a_defect_is_one_line_never_a_traceback(monkeypatch) -> None:
    def broken(self, server_url):
        raise RuntimeError("a defect, with details a user need not see")

    monkeypatch.setattr(ProfileRegistries, "get", broken)
    out, err = io.BytesIO(), io.StringIO()
    assert serve(["get"], io.BytesIO(b"reg.example.com"), out, err, ProfileRegistries()) == 1
    assert (out.getvalue(), err.getvalue()) == (b"internal error: RuntimeError\n",
        f"{PROG}: internal error: RuntimeError (set AMPLIFY_VERBOSE=1 for details)\n")  # fmt: skip
    monkeypatch.setenv("AMPLIFY_VERBOSE", "1")  # asked for: the traceback too
    err = io.StringIO()
    assert serve(["get"], io.BytesIO(b"reg.example.com"), io.BytesIO(), err, ProfileRegistries()) == 1
    assert err.getvalue().startswith("Traceback (most recent call last):\n")
    assert "RuntimeError: a defect, with details a user need not see\n" in err.getvalue()
