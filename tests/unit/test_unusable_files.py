"""Something else in place of a file we keep: a folder (empty or not), a FIFO, a symlink,
another user's file. A cache or failure file is ours to replace: it is ignored, and the next
write replaces it (a folder is moved aside, to NAME.unusable-...); no command fails for it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.require import need

from credhelper import get_token
from credhelper.profiles import config
from credhelper.tokens import cache


def _plant(path: Path, kind: str, tmp_path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    if kind == "folder":
        path.mkdir()
    elif kind == "full folder":
        path.mkdir()
        (path / "inside").write_text("x")
    elif kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "symlink":
        target = tmp_path / "elsewhere.json"
        target.write_text("{}")
        path.symlink_to(target)
    elif kind == "other owner":
        path.write_text("{}")
        path.chmod(0o600)
        need(os.geteuid() == 0, "root, to give a file to another user")
        os.chown(path, 65534, 65534)


KINDS = ["folder", "full folder", "fifo", "symlink", "other owner"]


def _cache_file(suffix: str) -> Path:
    return Path(cache.path(config.load_all()["default"])).with_suffix(suffix)


@pytest.mark.parametrize("kind", KINDS)
def test_an_unusable_cache_file_is_replaced(run_cli, logged_in, tmp_path, kind) -> None:
    path = _cache_file(".json")
    _plant(path, kind, tmp_path)
    result = run_cli("token")
    assert (result.code, result.err) == (0, ""), result
    assert result.out == logged_in.issued[-1] + "\n" and len(logged_in.issued) == 2
    assert path.is_file() and not path.is_symlink()
    assert run_cli("token").out == result.out  # served from the cache now
    assert get_token().access_token == result.out.strip()
    if kind == "symlink":
        assert (tmp_path / "elsewhere.json").read_text() == "{}"  # never written through


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", [".json", ".failed"])
def test_logout_removes_the_profile_whatever_stands_in_its_cache(
    run_cli, logged_in, tmp_path, kind, suffix
) -> None:
    path = _cache_file(suffix)
    _plant(path, kind, tmp_path)
    result = run_cli("logout")
    assert (result.code, result.err) == (0, ""), result
    assert config.load_all() == {}
    assert not os.path.lexists(path)


def test_a_folder_in_place_of_the_cache_is_no_error_for_get_token(logged_in) -> None:
    path = _cache_file(".json")
    path.unlink()
    path.mkdir()
    assert get_token().access_token == logged_in.issued[-1]
    assert path.is_file()


@pytest.mark.parametrize("kind", ["file", "symlink"])
def test_a_file_in_place_of_the_tokens_folder_is_moved_aside(logged_in, tmp_path, kind) -> None:
    folder = _cache_file(".json").parent
    for entry in folder.iterdir():
        entry.unlink()
    folder.rmdir()
    if kind == "file":
        folder.write_text("precious")
    else:
        (tmp_path / "elsewhere").mkdir()
        folder.symlink_to(tmp_path / "elsewhere")
    assert get_token().access_token == logged_in.issued[-1]
    aside = [p for p in folder.parent.iterdir() if p.name.startswith("tokens.unusable-")]
    assert folder.is_dir() and not folder.is_symlink() and len(aside) == 1
    if kind == "file":
        assert aside[0].read_text() == "precious"  # it was deleted
    else:
        assert aside[0].is_symlink() and list((tmp_path / "elsewhere").iterdir()) == []


def test_a_symlinked_config_is_read_but_never_replaced(run_cli, logged_in, tmp_path) -> None:
    target = tmp_path / "dotfiles" / "config.json"
    target.parent.mkdir()
    link = Path(config.path())
    os.replace(link, target)
    link.symlink_to(target)
    before = target.read_bytes()
    assert run_cli("token").code == 0  # read through the link
    for argv in (["logout"], ["login", "--profile", "b", "--client-id", "test-client",
                              "--base-url", logged_in.base_url, "--secret-stdin"]):  # fmt: skip
        result = run_cli(*argv, stdin="test-secret")
        assert (result.code, result.err) == (1, (
            f"amplify-credhelper: error: {link} is a symbolic link: writing would replace it by "
            "a file and leave its target stale; put the file itself in its place, or point "
            "XDG_CONFIG_HOME at a folder of its own\n"
        )), result  # fmt: skip
        assert link.is_symlink() and target.read_bytes() == before


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_docker_config_that_is_no_file_is_one_line(
    run_cli, logged_in, tmp_path, monkeypatch, kind
) -> None:
    docker = tmp_path / "docker"
    monkeypatch.setenv("DOCKER_CONFIG", str(docker))
    _plant(docker / "config.json", kind, tmp_path)
    result = run_cli("setup-docker", "docker.repository.axway.com")  # a FIFO used to hang here
    why = "cannot read {}: Is a directory" if kind == "folder" else "{} is not a regular file: remove it"
    said = f"amplify-credhelper: error: {why.format(docker / 'config.json')}\n"
    assert (result.code, result.out, result.err) == (1, "", said)
