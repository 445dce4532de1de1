"""The local audit log: each event's exact line, who asked, the file's mode and rotation, racing
writers, a folder that cannot be written, never a token or a secret, and what `audit` shows of
a file that anything may have written."""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import login_argv
from docker_credential_amplify.protocol import handle as docker_handle
from git_credential_amplify import handle as git_handle

import credhelper
from credhelper import errors
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _audit, cache

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
DOCKER_REG = "docker.example.com"


def events() -> list[dict[str, object]]:
    """The log's lines, each checked to be one JSON object with exactly the documented fields."""
    lines = Path(_audit.path()).read_text().splitlines()
    parsed = [json.loads(line) for line in lines]
    for entry in parsed:
        assert tuple(entry) == _audit.FIELDS and TIME.match(entry.pop("time"))
    return parsed


def expected(endpoint, event: str, asked_by: str, token: str | None = None, outcome: str = "ok",
             error: str | None = None, expires_at: object = None) -> dict[str, object]:  # fmt: skip
    return {
        "event": event, "profile": "default", "client_id": "test-client",
        "login_host": endpoint.base_url.split("://")[1], "asked_by": asked_by,
        "outcome": outcome, "error": error, "expires_at": expires_at,
        "fingerprint": None if token is None else hashlib.sha256(token.encode()).hexdigest()[:12],
    }  # fmt: skip


def expiry_of(token: credhelper.Token) -> str:
    return _audit._utc(token.expires_at)


def _uncached() -> None:
    cache.delete(config.load_all()["default"])


def test_login_then_cache_hits_then_mints(run_cli, endpoint, memory_keyring) -> None:
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    first = credhelper.get_token()  # a cache hit: no line
    assert run_cli("token").code == 0  # another
    _uncached()
    assert run_cli("header").code == 0
    second = credhelper.get_token()
    _uncached()
    assert run_cli("env").code == 0
    third = credhelper.get_token()
    assert endpoint.issued == [first.access_token, second.access_token, third.access_token]
    assert events() == [
        expected(endpoint, "login", "login", first.access_token, expires_at=expiry_of(first)),
        expected(endpoint, "mint", "header", second.access_token, expires_at=expiry_of(second)),
        expected(endpoint, "mint", "env", third.access_token, expires_at=expiry_of(third)),
    ]


def test_a_refused_login_and_a_refused_mint(run_cli, endpoint, memory_keyring,
                                            monkeypatch) -> None:  # fmt: skip
    assert run_cli(*login_argv(endpoint), stdin="wrong").code == 2
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    monkeypatch.setattr(errors, "asked_by", "api")  # one entry point a process, as in real life
    endpoint.clients["test-client"] = "rotated"
    with pytest.raises(credhelper.CredentialsRejected):
        credhelper.get_token(refresh=True)
    login, mint = events()[0], events()[2]
    refused = {"outcome": "refused", "error": "CredentialsRejected"}
    assert login == {**expected(endpoint, "login", "login"), **refused}
    assert mint == {**expected(endpoint, "mint", "api"), **refused}


def test_logout_and_its_revocation(run_cli, endpoint, memory_keyring) -> None:
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    token = credhelper.get_token()
    assert run_cli("logout").code == 0
    assert events()[1:] == [
        expected(endpoint, "logout", "logout"),
        expected(endpoint, "revocation", "logout", token.access_token,
                 expires_at=expiry_of(token)),  # fmt: skip
    ]


def test_a_token_forgotten_after_git_and_the_api_were_refused(
    run_cli, endpoint, memory_keyring, monkeypatch
) -> None:
    assert run_cli(*login_argv(endpoint, "--git-host", "git.example.com"), stdin="test-secret").code == 0
    first = credhelper.get_token()
    request = f"protocol=https\nhost=git.example.com\npassword={first.access_token}\n\n".encode()
    assert git_handle("erase", io.BytesIO(request), io.BytesIO(), io.StringIO()) == 0
    git_handle("erase", io.BytesIO(request), io.BytesIO(), io.StringIO())  # no longer cached
    monkeypatch.setattr(errors, "asked_by", "api")  # one entry point a process, as in real life
    second = credhelper.get_token()
    assert credhelper.forget_token(second) is True
    assert [e["event"] for e in events()] == ["login", "forget", "mint", "forget"]
    assert events()[1] == expected(endpoint, "forget", "git", first.access_token,
                                   expires_at=expiry_of(first))  # fmt: skip
    assert events()[3] == expected(endpoint, "forget", "api", second.access_token,
                                   expires_at=expiry_of(second))  # fmt: skip


def test_a_docker_secret_handed_out_has_no_fingerprint(run_cli, endpoint, memory_keyring, home,
                                                       monkeypatch) -> None:  # fmt: skip
    monkeypatch.setenv("DOCKER_CONFIG", str(home / "docker"))
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    assert run_cli("setup-docker", "--profile", "default", DOCKER_REG).code == 0
    from docker_credential_amplify.helper import ProfileRegistries

    out = io.BytesIO()
    assert docker_handle("get", io.BytesIO(DOCKER_REG.encode()), out, io.StringIO(),
                         ProfileRegistries()) == 0  # fmt: skip
    assert json.loads(out.getvalue())["Secret"] == "test-secret"
    assert events()[1] == expected(endpoint, "secret", "docker")
    assert "test-secret" not in Path(_audit.path()).read_text()


def test_the_file_is_private_and_holds_no_token_nor_secret(run_cli, endpoint, memory_keyring,
                                                           home) -> None:  # fmt: skip
    assert run_cli(*login_argv(endpoint), stdin="test-secret").code == 0
    assert run_cli("token", "--refresh").code == 0
    assert run_cli("logout").code == 0
    path = Path(_audit.path())
    assert path.parent == home / "state" / "amplify-credhelper"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert len(events()) == 4 and len(endpoint.issued) == 2
    for value in ["test-secret", *endpoint.issued, *(t.split(".")[2] for t in endpoint.issued)]:
        assert value not in text


def test_a_key_never_reaches_the_file(run_cli, endpoint, memory_keyring, tmp_path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    endpoint.clients["ec-sa"] = key.public_key()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())  # fmt: skip
    (tmp_path / "sa.pem").write_bytes(pem)
    argv = ["login", "--client-id", "ec-sa", "--base-url", endpoint.base_url, "--key-file",
            str(tmp_path / "sa.pem")]  # fmt: skip
    assert run_cli(*argv).code == 0 and run_cli("token", "--refresh").code == 0
    text = Path(_audit.path()).read_text()
    body = b"".join(pem.splitlines()[1:-1]).decode()
    assert [e["event"] for e in events()] == ["login", "mint"]
    for value in [body[:40], body[-40:], *endpoint.issued]:
        assert value not in text


PROFILE = make_profile(name="p", client_id="c", base_url="https://login.example.com")


def test_a_file_left_open_to_others_is_closed_to_them() -> None:
    path = Path(_audit.path())
    path.parent.mkdir(parents=True)
    path.write_text("")
    path.chmod(0o644)
    _audit.record("mint", PROFILE, "ok")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(path.read_text().splitlines()) == 1


def test_a_symlink_in_the_log_s_place_is_never_written_through(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(_audit, "_warned", False)
    target = tmp_path / "elsewhere"
    target.write_text("")
    path = Path(_audit.path())
    path.parent.mkdir(parents=True)
    path.symlink_to(target)
    with pytest.warns(_audit.AuditWarning, match=r"cannot write the audit log .*audit\.log \("):
        _audit.record("mint", PROFILE, "ok")
    assert target.read_text() == ""


def test_rotation_at_the_cap_keeps_one_old_file(monkeypatch: pytest.MonkeyPatch) -> None:
    one = len(_audit.line("mint", PROFILE, "ok", None, None))
    monkeypatch.setattr(_audit, "MAX_BYTES", 10 * one)
    for _ in range(25):
        _audit.record("mint", PROFILE, "ok")
    path = Path(_audit.path())
    old = Path(f"{path}.1")
    # 10 lines, then a rotation before the 11th and the 21st: 10 in .1 (the second ten), 5 here
    assert (len(old.read_text().splitlines()), len(path.read_text().splitlines())) == (10, 5)
    assert stat.S_IMODE(old.stat().st_mode) == stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(path.parent.glob("*.2"))


@pytest.fixture
def read_only_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The state folder on a read-only tmpfs (root alone can mount one; the tests run as root)."""
    root = tmp_path / "ro"
    root.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", str(root)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    monkeypatch.setenv("XDG_STATE_HOME", str(root))
    monkeypatch.setattr(_audit, "_warned", False)
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], check=True)


def test_a_read_only_state_folder_costs_one_warning(run_cli, endpoint, memory_keyring,
                                                     read_only_state) -> None:  # fmt: skip
    login = run_cli(*login_argv(endpoint), stdin="test-secret")
    assert login.code == 0 and login.out.startswith("Logged in")
    warning = (f"amplify-credhelper: warning: cannot write the audit log {read_only_state}/"
               "amplify-credhelper/audit.log (Read-only file system): going on without it\n")  # fmt: skip
    assert login.err == warning
    token = run_cli("token", "--refresh")
    assert (token.code, token.err) == (0, "")  # at most one warning a process
    assert token.out.strip() == endpoint.issued[-1]


# -- the audit command --------------------------------------------------------------------------


def _write(lines: list[str]) -> None:
    path = Path(_audit.path())
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))


def _entry(**changes: object) -> str:
    entry = {"time": "2026-01-02T03:04:05Z", "event": "mint", "profile": "ci", "client_id": "c",
             "login_host": "login.axway.com", "asked_by": "git", "outcome": "ok", "error": None,
             "expires_at": "2026-01-02T03:34:05Z", "fingerprint": "0123456789ab"}  # fmt: skip
    return json.dumps({**entry, **changes})


def test_audit_shows_local_time_event_profile_who_and_outcome(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Paris")
    import time

    time.tzset()
    try:
        _write([_entry(), _entry(event="login", profile="dev", asked_by="login", outcome="refused")])
        shown = run_cli("audit")
        filtered = run_cli("audit", "--profile", "dev", "--json")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert (shown.code, shown.err) == (0, "")
    assert shown.out == (
        "2026-01-02 04:04:05  mint        ci          git         ok\n"
        "2026-01-02 04:04:05  login       dev         login       refused\n"
    )
    assert filtered.code == 0
    assert json.loads(filtered.out) == [json.loads(_entry(event="login", profile="dev",
                                        asked_by="login", outcome="refused"))]  # fmt: skip


def test_an_empty_log_says_where_it_is_kept(run_cli, home) -> None:
    result = run_cli("audit")
    where = home / "state" / "amplify-credhelper" / "audit.log"
    assert (result.code, result.out, result.err) == (0, f"no events in {where}\n", "")
    assert run_cli("audit", "--json").out == "[]\n"


def test_hostile_lines_are_shown_safely_or_counted(run_cli) -> None:
    _write([
        "not json at all \x1b[2J",
        "[1, 2]",
        _entry(profile="x" * 100_000),
        _entry(event="mint\x1b[31m\nforged line", profile="ci\x07", time="\x1b]0;title\x07"),
        _entry(outcome={"nested": [1]}, asked_by=None),
        "\x00\xff",
    ])  # fmt: skip
    result = run_cli("audit")
    assert result.code == 0
    assert result.out == (
        "\\x1b]0;title\\x07     mint\\x1b[31m\\nforged line  ci\\x07      git         ok\n"
        "2026-01-02 03:04:05  mint        ci          -           a JSON object\n"
    ).replace("2026-01-02 03:04:05", _local_of("2026-01-02T03:04:05Z"))
    assert result.err == (f"audit: 4 lines of {_audit.path()} could not be read as events\n")
    dumped = run_cli("audit", "--json").out
    assert "\x1b" not in dumped and "\x07" not in dumped and len(json.loads(dumped)) == 2


def _local_of(moment: str) -> str:
    from credhelper.cli._audit_cli import _local

    return _local(moment)


def test_the_ci_profile_s_logout_is_an_event_too(endpoint, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("AMPLIFY_BASE_URL", endpoint.base_url)
    assert run_cli("token").code == 0
    assert run_cli("logout", "--all").code == 0
    ci = {"profile": "(environment)"}
    token = endpoint.issued[0]
    assert events() == [
        {**expected(endpoint, "mint", "token", token, expires_at=events()[0]["expires_at"]), **ci},
        {**expected(endpoint, "logout", "logout"), **ci},
        {**expected(endpoint, "revocation", "logout", token,
                    expires_at=events()[0]["expires_at"]), **ci},  # fmt: skip
    ]


def test_a_folder_in_the_logs_place_is_named_by_its_path(run_cli) -> None:
    Path(_audit.path()).mkdir(parents=True)
    result = run_cli("audit")
    assert (result.code, result.err) == (
        1, f"amplify-credhelper: error: {_audit.path()}: Is a directory\n"
    )
