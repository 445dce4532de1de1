"""Docker's credential-helper protocol: the program's argument, stdin, stdout and exit code.

The rules are those of docker/docker-credential-helpers (``credentials/credentials.go``,
``credentials/error.go``, ``client/client.go``), the library docker, skopeo, buildah, crane and
Helm call helpers with:

- one argument, the action: ``get`` (stdin: a server URL; stdout: JSON ``ServerURL``,
  ``Username``, ``Secret``), ``store`` (stdin: that JSON), ``erase`` (stdin: a server URL),
  ``list`` (stdout: JSON ``{server URL: user name}``), ``version``;
- the server URL is stdin with surrounding white space trimmed; empty is an error;
- on failure the message goes to STDOUT and the exit code is 1: clients read stdout, match
  ``credentials not found in native keychain`` exactly (then carry on without credentials)
  and quote any other message in their own error. stderr reaches the user's terminal as is.

Here, besides: one line on stderr for whatever the user must know, and nothing on stdout but
the protocol's answer. As the reference's ``Serve(helper)``, ``serve`` takes the helper it
answers with (``main`` passes ``helper.ProfileRegistries``), so tests drive it and ``handle``
with in-memory streams and a helper of their choosing. The helper returns data or raises; every
sentence the user reads is made here.
"""

from __future__ import annotations

import json
import os

from credhelper import CredhelperError
from credhelper.commands import PROG as CLI
from credhelper.commands import ask_as, reported, shown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import BinaryIO, Protocol, TextIO

    class Helper(Protocol):
        def get(self, server_url: str) -> tuple[str, str]: ...
        def add(self, server_url: str, username: str, secret: str) -> None: ...
        def delete(self, server_url: str) -> tuple[str, str]: ...
        def list(self) -> dict[str, str]: ...


PROG = "docker-credential-amplify"
USAGE = f"usage: {PROG} get|store|erase|list|version"
NOT_FOUND = "credentials not found in native keychain"  # credentials/error.go, matched exactly
MISSING_URL = "no credentials server URL"
MISSING_USERNAME = "no credentials username"
MAX_INPUT = 1 << 16  # our bound; the reference reads lines of at most 64 KiB (bufio.Scanner)


# Why a helper found no credentials, when the user must know (NotFound.why): what stderr says.
WHY_NOT = {
    "plain-http": "not giving the secret for {registry} to a plain http:// URL: it would cross "
    "the network unencrypted",
    "private-key": "{registry} is assigned to profile {profile!r}, which uses a private key: a "
    "registry takes a client secret; assign it to a secret profile with "
    f"`{CLI} setup-docker --profile P {{registry}}`",
}


class NotFound(Exception):
    """No credentials for this server. ``why``, if any, is a key of ``WHY_NOT``: something the
    user must know, said about ``registry`` and ``profile``."""

    def __init__(self, why: str | None = None, registry: str = "", profile: str = "") -> None:
        super().__init__(NOT_FOUND)
        self.why, self.registry, self.profile = why, registry, profile

    def reason(self) -> str | None:
        """The line for stderr; None when the client's "not found" says it all."""
        if self.why is None:
            return None
        return WHY_NOT[self.why].format(registry=self.registry, profile=self.profile)


class HelperError(Exception):
    """A failure the client shows the user (a refused store, unreadable input)."""


def serve(
    argv: list[str], stdin: BinaryIO, stdout: BinaryIO, stderr: TextIO, helper: Helper
) -> int:
    """The program: its arguments as the reference's ``Serve`` reads them; the exit code."""
    if len(argv) != 1:
        stdout.write(f"{USAGE}\n".encode())
        return 1
    if argv[0] in ("-h", "--help"):
        stdout.write(f"{USAGE}\n".encode())
        return 0
    action = "version" if argv[0] in ("-v", "--version") else argv[0]

    def answered() -> int:
        try:
            return handle(action, stdin, stdout, stderr, helper)
        except Exception as exc:
            stdout.write(f"internal error: {type(exc).__name__}\n".encode())  # clients show it
            raise

    # Warnings and a last-resort internal error: one line each on stderr, as for every program
    # of the project; the traceback only when asked for.
    verbose = os.environ.get("AMPLIFY_VERBOSE") == "1"
    return reported(PROG, stderr, answered, verbose=verbose, details="set AMPLIFY_VERBOSE=1")


def handle(action: str, stdin: BinaryIO, stdout: BinaryIO, stderr: TextIO, helper: Helper) -> int:
    """Answer one ``action`` with ``helper``, reading ``stdin``; the exit code (0 or 1)."""
    ask_as("docker")  # for the audit log
    step = _ACTIONS.get(action)
    try:
        if step is None:
            raise HelperError(f"unknown action: {shown(action)}")
        answer, note = step(helper, stdin)
    except NotFound as exc:
        reason = exc.reason()
        if reason:
            stderr.write(f"{PROG}: {reason}\n")
        stdout.write(f"{NOT_FOUND}\n".encode())
        return 1
    except (HelperError, CredhelperError) as exc:
        stderr.write(f"{PROG}: error: {exc}\n")
        stdout.write(f"{exc}\n".encode())
        return 1
    if note:
        stderr.write(f"{PROG}: {note}\n")
    stdout.write(answer)
    return 0


def _get(helper: Helper, stdin: BinaryIO) -> tuple[bytes, str | None]:
    server_url = _server_url(stdin)
    username, secret = helper.get(server_url)
    return _json({"ServerURL": server_url, "Username": username, "Secret": secret}), None


def _store(helper: Helper, stdin: BinaryIO) -> tuple[bytes, str | None]:
    fields = _credentials(_read(stdin))
    if not fields["ServerURL"]:
        raise HelperError(MISSING_URL)
    if not fields["Username"]:
        raise HelperError(MISSING_USERNAME)
    helper.add(fields["ServerURL"], fields["Username"], fields["Secret"])
    return b"", None


def _erase(helper: Helper, stdin: BinaryIO) -> tuple[bytes, str | None]:
    registry, profile = helper.delete(_server_url(stdin))
    return b"", (
        f"{registry} is no longer served by profile {profile!r}; its secret stays in the "
        f"keyring for its tokens (`{CLI} logout --profile {profile}` removes it)"
    )


def _list(helper: Helper, stdin: BinaryIO) -> tuple[bytes, str | None]:
    return _json(helper.list()), None  # stdin carries nothing (docker sends "unused")


def _version(helper: Helper, stdin: BinaryIO) -> tuple[bytes, str | None]:
    from credhelper import __version__  # the package metadata, read only when asked for

    # As the reference's programs say theirs: the program, (the project), the version.
    return f"{PROG} (amplify-credhelper) {__version__}\n".encode(), None


_ACTIONS: dict[str, Callable[[Helper, BinaryIO], tuple[bytes, str | None]]] = {
    "get": _get,
    "store": _store,
    "erase": _erase,
    "list": _list,
    "version": _version,
}


def _server_url(stdin: BinaryIO) -> str:
    server_url = _read(stdin).strip()
    if not server_url:
        raise HelperError(MISSING_URL)
    return server_url


def _read(stdin: BinaryIO) -> str:
    data = stdin.read(MAX_INPUT + 1)
    if len(data) > MAX_INPUT:
        raise HelperError(f"the input is longer than {MAX_INPUT} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise HelperError("the input is not UTF-8 text") from None


def _credentials(text: str) -> dict[str, str]:
    """``ServerURL``, ``Username`` and ``Secret`` from docker's JSON ("" where absent).

    As Go's encoding/json fills a struct: a key matches a field ignoring case, a later key
    overwrites an earlier one, null leaves the field empty, any other non-string is an error.
    """
    try:
        data = json.loads(text, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError) as exc:  # messages give a position, never the text
        raise HelperError(f"the credentials are not JSON ({_json_problem(exc)})") from None
    if not isinstance(data, _Pairs):
        raise HelperError("the credentials are not a JSON object")
    fields = dict.fromkeys(("ServerURL", "Username", "Secret"), "")
    by_folded_name = {name.lower(): name for name in fields}
    for key, value in data:
        name = by_folded_name.get(key.lower())
        if name is None:
            continue
        if value is not None and not isinstance(value, str):
            raise HelperError(f"the credentials' {name} is not a string")
        fields[name] = value or ""
    return fields


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs in order, repeated keys included."""


def _json(value: object) -> bytes:
    return (json.dumps(value) + "\n").encode()


def _json_problem(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at character {exc.pos}"
    return "nested too deeply" if isinstance(exc, RecursionError) else type(exc).__name__
