"""The config file: private, minimal, migrated from 0.1.0, and a bad entry stays its own problem."""

from __future__ import annotations

import json
import os
import stat

import pytest

from credhelper import ConfigError, load_profile, update_settings
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile

ERROR = "amplify-credhelper: error: "


def write_config(text: str | bytes) -> str:
    path = config.path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(text.encode() if isinstance(text, str) else text)
    return path


def add_entry(name: str, entry: str) -> None:
    """Add the raw JSON text ``entry`` as profile ``name`` to the config file, as a hand edit."""
    with open(config.path()) as handle:
        profiles = json.load(handle)["profiles"]
    others = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in profiles.items())
    write_config(f'{{"profiles": {{{others}, {json.dumps(name)}: {entry}}}}}')


def stored_json() -> dict:
    with open(config.path()) as handle:
        return json.load(handle)


def test_round_trip_is_private_readable_and_minimal() -> None:
    settings = {"git": {"hosts": ["git.example.com"]}, "docker": {"registries": ["r.example"]}}
    ci = make_profile(name="ci", client_id="DOSA_1", env="staging", settings=settings)
    config.save_all({"ci": ci, "default": make_profile(name="default", client_id="DOSA_2")})
    assert config.load_all() == {
        "ci": ci,
        "default": make_profile(name="default", client_id="DOSA_2"),
    }
    path = config.path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert stored_json() == {
        "profiles": {
            "ci": {"client_id": "DOSA_1", "env": "staging", "settings": settings},
            "default": {"client_id": "DOSA_2"},
        }
    }


def test_the_config_file_cannot_claim_the_environment_profile() -> None:
    write_config('{"profiles": {"x": {"client_id": "c", "from_environment": true}}}')
    assert config.load_all()["x"].from_environment is False


def test_unknown_keys_in_the_config_file_are_ignored() -> None:
    write_config('{"profiles": {"x": {"client_id": "c", "future": 1}}}')
    assert config.load_all()["x"].client_id == "c"


# -- a file that cannot be read at all: every stored profile stops, with one line -------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{", "is not valid JSON (Expecting property name enclosed in double quotes: line 1 "
              "column 2 (char 1)): fix or remove it"),
        ("", "is not valid JSON (Expecting value: line 1 column 1 (char 0)): fix or remove it"),
        (b"\xff\xfe{}", "is not valid JSON ("),
        ("[]", "has no 'profiles' object: fix or remove it"),
        ('"profiles"', "has no 'profiles' object: fix or remove it"),
        ('{"profiles": []}', "has no 'profiles' object: fix or remove it"),
        ('{"profiles": null}', "has no 'profiles' object: fix or remove it"),
        (DEEP, "is nested too deeply to read: fix or remove it"),
        ('{"profiles": {"default": {"client_id": "c", "settings": {"git": {"x": %s}}}}}'
         % ("[" * 40 + "]" * 40), "nests more than 32 levels deep: fix or remove it"),
        ('{"profiles": {}, "pad": "%s"}' % ("x" * (1 << 20)), "is larger than 1 MiB: fix or remove it"),
    ],
    ids=["truncated", "empty", "not-utf8", "array", "string", "profiles-array", "profiles-null",
         "100000-deep", "40-deep", "too-big"],
)  # fmt: skip
def test_an_unreadable_file_is_one_line_with_exit_1(run_cli, content, problem: str) -> None:
    path = write_config(content)
    result = run_cli("token")
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith(f"{ERROR}{path} {problem}")
    assert result.err.count("\n") == 1 and "internal error" not in result.err


def test_the_environment_profile_needs_no_readable_config_file(monkeypatch) -> None:
    write_config(DEEP)
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "c")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "s")
    assert load_profile().from_environment


def test_an_unreadable_folder_entry_is_a_config_error() -> None:
    os.makedirs(config.path())  # a folder where the file should be
    with pytest.raises(ConfigError, match=r"^.*config\.json is not a regular file: remove it$"):
        config.read()


def test_a_fifo_in_the_config_files_place_is_refused_at_once() -> None:
    import threading

    os.makedirs(os.path.dirname(config.path()), mode=0o700)
    os.mkfifo(config.path(), 0o600)  # a plain open() would wait for a writer forever
    errors: list[BaseException] = []

    def read() -> None:
        try:
            config.read()
        except ConfigError as exc:
            errors.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "reading config.json hung on a FIFO"
    assert [str(e) for e in errors] == [f"{config.path()} is not a regular file: remove it"]


# -- one bad profile: only that profile fails, with a message naming it -----------------------

BAD_ENTRIES = [
    ('{"client_id": "c", "env": "moon"}', "unknown environment 'moon': choose one of prod, staging, preprod, production, dev, test"),
    ('{"client_id": "c", "timeout": NaN}', "bad timeout nan: seconds, more than 0 and at most 300"),
    ('{"client_id": "c", "timeout": 1e400}', "bad timeout inf: seconds, more than 0 and at most 300"),
    ('{"client_id": "c", "timeout": -Infinity}', "bad timeout -inf: seconds, more than 0 and at most 300"),
    ('{"client_id": "c", "timeout": true}', "bad timeout True: seconds, more than 0 and at most 300"),
    ('{"client_id": "c", "refresh_margin": 1e400}', "bad refresh margin inf: seconds from 0 to 86400"),
    ('{"client_id": "c", "refresh_margin": 1000000000000000000000000000000}',
     "bad refresh margin 1000000000000000000000000000000: seconds from 0 to 86400"),
    ('{"client_id": "c", "refresh_margin": 300.5}', "bad refresh margin 300.5: seconds from 0 to 86400"),
    ('{"client_id": "c", "refresh_margin": -1}', "bad refresh margin -1: seconds from 0 to 86400"),
    ('{"env": "prod"}', "Profile() needs 'client_id'"),
    ('{"client_id": ["c"]}', "bad client id ['c']: expected one line of text"),
    ('{"client_id": "c", "base_url": "http://login.example.com"}',
     "refusing base url 'http://login.example.com': secrets only travel over https (plain http "
     "is allowed for 127.0.0.1, ::1 and localhost only)"),
    ("[]", "expected an object, not list"),
    ("null", "expected an object, not NoneType"),
    ('{"client_id": "c", "settings": []}', "bad settings []: expected an object"),
    ('{"client_id": "c", "settings": {"Git!": {}}}',
     "bad integration name 'Git!': lower-case letters, digits, '_' or '-'"),
    ('{"client_id": "c", "settings": {"git": ["h"]}}', "bad git settings ['h']: expected an object"),
    ('{"client_id": "c", "settings": {"git": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": []}}}}}}}}}}',
     "bad setting git.a.b.c.d.e.f.g.h: nested more than 8 levels deep"),
    ('{"client_id": "c", "settings": {"git": {"n": NaN}}}', "bad setting git.n nan: expected a finite number (integers within ±9007199254740991)"),
    ('{"client_id": "c", "settings": {"git": {"n": 9007199254740992}}}', "bad setting git.n 9007199254740992: expected a finite number"),
    ('{"client_id": "c", "settings": {"git": {"hosts": ["a", "b\\nc"]}}}', "bad setting git.hosts[1] 'b\\nc': expected one line of text (at most 4096 characters)"),
    ('{"client_id": "c", "settings": {"git": {"s": "%s"}}}' % ("x" * 4097), "bad setting git.s 'xxxxxxxx"),
    ('{"client_id": "c", "settings": {"git": {"": 1}}}', "bad setting name '' in git: expected a short name"),
    ('{"client_id": "c", "settings": {"git": {"list": [%s]}}}' % ", ".join(['"' + "x" * 4000 + '"'] * 17),  # noqa: UP031
     "bad git settings: more than 65536 characters as JSON"),
    ('{"client_id": "c", "git_hosts": "git.example.com", "username": "bob\\nurl=https://evil.example"}',
     "bad setting git.username 'bob\\nurl=https://evil.example': expected one line of text"),
]  # fmt: skip


@pytest.mark.parametrize(("entry", "problem"), BAD_ENTRIES)
def test_a_bad_profile_fails_alone_and_names_itself(run_cli, logged_in, entry, problem) -> None:
    add_entry("bad", entry)
    good = run_cli("token", "--profile", "default")
    assert (good.code, good.out, good.err) == (0, logged_in.issued[0] + "\n", "")
    assert run_cli("token").code == 0  # the default profile, found without a name too
    bad = run_cli("token", "--profile", "bad")
    assert (bad.code, bad.out) == (1, "")
    assert bad.err.startswith(f"{ERROR}profile 'bad' in {config.path()}: {problem}")
    assert bad.err.endswith(": fix or remove it\n") and bad.err.count("\n") == 1


def test_status_lists_the_good_profiles_and_shows_the_bad_one(run_cli, logged_in) -> None:
    add_entry("bad", '{"client_id": "c", "timeout": "soon"}')
    add_entry("x y", '{"client_id": "c"}')
    result = run_cli("status")
    assert result.code == 1
    lines = result.out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["bad", "default", "x y"]
    assert lines[0] == "bad: cannot be used: bad timeout 'soon': seconds, more than 0 and at most 300"
    assert lines[1].startswith(f"default: client test-client, {logged_in.token_url} (basic), token valid")
    assert lines[2].startswith("x y: cannot be used: bad profile name 'x y': use letters")
    assert result.err == (
        f"{ERROR}profiles 'bad', 'x y' in {config.path()} cannot be used: fix or remove them\n"
    )
    rows = json.loads(run_cli("status", "--json").out)
    assert [(r["profile"], "error" in r) for r in rows] == [
        ("bad", True), ("default", False), ("x y", True)
    ]  # fmt: skip


def test_saving_keeps_an_entry_it_cannot_read_and_login_replaces_it(run_cli, logged_in) -> None:
    from conftest import login_argv

    add_entry("bad", '{"client_id": "c", "timeout": NaN, "mine": 1}')
    assert run_cli(*login_argv(logged_in, "--profile", "second"), stdin="test-secret").code == 0
    assert run_cli("logout", "--profile", "second").code == 0
    with open(config.path()) as handle:
        assert '"bad": {\n      "client_id": "c",\n      "mine": 1,\n      "timeout": NaN' in handle.read()
    assert run_cli(*login_argv(logged_in, "--profile", "bad"), stdin="test-secret").code == 0
    assert stored_json()["profiles"]["bad"] == {"base_url": logged_in.base_url, "client_id": "test-client"}


def test_logout_all_leaves_what_it_cannot_read_and_says_so(run_cli, logged_in) -> None:
    add_entry("bad", '{"client_id": 5}')
    result = run_cli("logout", "--all")
    assert result.code == 1
    assert result.out == (
        "Logged out: profile 'default' removed with its secret and cached token; token revoked.\n"
    )
    assert result.err == f"{ERROR}profile 'bad' in {config.path()} cannot be used: fix or remove it\n"
    assert list(stored_json()["profiles"]) == ["bad"]


# -- 0.1.0 files ------------------------------------------------------------------------------

OLD_CONFIG = {
    "profiles": {
        "ci": {"client_id": "DOSA_1", "git_hosts": ["git.example.com", "*.corp.example"],
               "username": "bob", "refresh_margin": 120},
        "plain": {"client_id": "DOSA_2", "git_hosts": []},
    }
}  # fmt: skip


def test_a_0_1_0_config_keeps_working_and_is_rewritten_in_the_new_form() -> None:
    write_config(json.dumps(OLD_CONFIG))
    ci = load_profile("ci")
    assert ci.settings == {"git": {"hosts": ("git.example.com", "*.corp.example"), "username": "bob"}}
    assert (ci.refresh_margin, load_profile("plain").settings) == (120, {})
    assert stored_json() == OLD_CONFIG  # reading never writes
    update_settings("plain", "docker", {"registries": ["r.example"]})  # any save rewrites all
    assert stored_json() == {
        "profiles": {
            "ci": {"client_id": "DOSA_1", "refresh_margin": 120,
                   "settings": {"git": {"hosts": ["git.example.com", "*.corp.example"],
                                        "username": "bob"}}},
            "plain": {"client_id": "DOSA_2", "settings": {"docker": {"registries": ["r.example"]}}},
        }
    }  # fmt: skip
    assert load_profile("ci") == ci


def test_new_settings_win_over_old_fields_left_beside_them() -> None:
    write_config(json.dumps({"profiles": {"ci": {
        "client_id": "c", "git_hosts": ["old.example"], "settings": {"git": {"hosts": ["new.example"]}}
    }}}))  # fmt: skip
    assert load_profile("ci").settings == {"git": {"hosts": ("new.example",)}}


# -- update_settings --------------------------------------------------------------------------


@pytest.fixture
def two_profiles() -> None:
    config.save_all({
        "ci": make_profile(name="ci", client_id="C", settings={"git": {"hosts": ["g.example"]}}),
        "other": make_profile(name="other", client_id="O", refresh_margin=60),
    })  # fmt: skip


def test_update_settings_saves_one_integration_and_keeps_everything_else(two_profiles) -> None:
    updated = update_settings("ci", "docker", {"registries": ["r.example"], "n": 1.5})
    assert updated.settings == {"git": {"hosts": ("g.example",)},
                                "docker": {"registries": ("r.example",), "n": 1.5}}  # fmt: skip
    assert load_profile("ci") == updated
    assert load_profile("other") == make_profile(name="other", client_id="O", refresh_margin=60)
    assert update_settings(updated, "git", None).settings == {"docker": updated.settings["docker"]}
    assert update_settings("ci", "docker", {}).settings == {}
    assert "settings" not in stored_json()["profiles"]["ci"]


@pytest.mark.parametrize(
    ("profile", "integration", "values", "message"),
    [
        ("nope", "git", {}, "no profile 'nope': run `amplify-credhelper login --profile nope"),
        ("ci", "Git", {"a": 1}, "bad integration name 'Git'"),
        ("ci", "git", {"a": float("inf")}, "bad setting git.a inf: expected a finite number"),
        ("ci", "git", {"a": 2**64}, "bad setting git.a 18446744073709551616"),
        ("ci", "git", {"a": object()}, "bad setting git.a <object object at 0x"),
        ("ci", "git", {"a": 10**5000}, "bad setting git.a <int>"),
        ("ci", "git", ["a"], "bad git settings ['a']: expected an object"),
    ],
)
def test_update_settings_refuses_and_changes_nothing(two_profiles, profile, integration, values, message) -> None:
    before = stored_json()
    with pytest.raises(ConfigError) as caught:
        update_settings(profile, integration, values)
    assert str(caught.value).startswith(message)
    assert stored_json() == before


def test_update_settings_refuses_the_environment_profile(monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "c")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "s")
    with pytest.raises(ConfigError, match="^the AMPLIFY_CLIENT_ID/AMPLIFY_CLIENT_SECRET profile is not stored"):
        update_settings(load_profile(), "git", {"hosts": []})
    assert not os.path.exists(config.path())


def test_update_settings_of_a_broken_profile_names_its_problem(two_profiles) -> None:
    add_entry("bad", '{"client_id": 1}')
    with pytest.raises(ConfigError, match=r"^profile 'bad' in .*: bad client id 1: expected one line of text: fix or remove it$"):
        update_settings("bad", "git", {"a": 1})


def test_a_stored_name_that_needs_escaping_is_shown_on_one_line(run_cli, logged_in) -> None:
    # A config.json key may hold anything: each message shows it by errors.shown's rule.
    add_entry("e\u0301vil\nname", '{"client_id": "c"}')
    result = run_cli("status")
    assert result.code == 1
    line = "'e\\u0301vil\\nname': cannot be used: bad profile name 'e\\u0301vil\\nname': use "
    assert [x for x in result.out.splitlines() if not x.startswith("default: ")][0].startswith(line)
    assert result.err == (
        f"{ERROR}profile 'e\\u0301vil\\nname' in {config.path()} cannot be used: fix or remove it\n"
    )
