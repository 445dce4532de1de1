"""How private files are written and trusted (credhelper/_files.py): on disk before they are
renamed into place, never half-written under their own name, never trusted if not ours."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from docker_credential_amplify import dockerconfig

from credhelper import Token, _files
from credhelper.profiles._validate import make_profile
from credhelper.tokens import cache

PROFILE = make_profile(name="ci", client_id="C", base_url="https://login.example.com")
TOKEN = Token(access_token="tok.en-1", expires_at=2000.0, issued_at=200.0, org_id="42")


def test_the_data_is_on_disk_before_the_file_is_renamed_into_place(monkeypatch, tmp_path) -> None:
    events: list[tuple] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        events.append(("fsync", info.st_ino, info.st_size))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append(("replace", os.stat(src).st_ino, dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    path = str(tmp_path / "private" / "file.json")
    _files.write_private(path, b"x" * 5000)
    synced = [e for e in events if e[0] == "fsync"]
    renamed = [e for e in events if e[0] == "replace"]
    assert renamed == [("replace", renamed[0][1], path)]
    assert ("fsync", renamed[0][1], 5000) in synced  # the very file renamed, all of it
    assert events.index(("fsync", renamed[0][1], 5000)) < events.index(renamed[0])
    assert Path(path).read_bytes() == b"x" * 5000


@pytest.mark.parametrize("write", ["ours", "docker's"])
def test_the_folder_is_synced_after_the_rename_so_a_power_cut_keeps_it(
    monkeypatch, tmp_path, write: str
) -> None:
    events: list[tuple] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        events.append(("fsync folder" if stat.S_ISDIR(info.st_mode) else "fsync file", info.st_ino))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append(("replace", dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    folder = tmp_path / "private"
    path = str(folder / "config.json")
    if write == "ours":
        _files.write_private(path, b"{}")
    else:
        dockerconfig.save(path, {})
    renamed = events.index(("replace", os.path.realpath(path)))
    assert ("fsync folder", folder.stat().st_ino) in events[renamed + 1 :]


def test_a_write_that_fails_halfway_leaves_the_old_file_whole(tmp_path, subprocess_env) -> None:
    # A real failure in mid-write: the file size limit (RLIMIT_FSIZE) stops the write at 4 KiB,
    # as a full disk would. Under its own name the file must stay the old one, whole.
    path = tmp_path / "private" / "file.json"
    _files.write_private(str(path), b"old " * 250)
    probe = (
        "import resource, signal, sys\n"
        "from credhelper import _files\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        f"    _files.write_private({str(path)!r}, b'new ' * 25000)\n"
        "except OSError as exc:\n"
        "    print(exc.errno == __import__('errno').EFBIG)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=subprocess_env, timeout=60, check=False)  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "True\n", "")
    assert path.read_bytes() == b"old " * 250
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(path.parent) == ["file.json"]  # the half-written temporary is gone


def test_replacing_a_file_never_changes_the_old_one_in_place(tmp_path) -> None:
    path = tmp_path / "private" / "file.json"
    _files.write_private(str(path), b"old")
    with open(path, "rb") as reader:  # a reader that opened the old file keeps reading it
        _files.write_private(str(path), b"new")
        assert reader.read() == b"old"
    assert path.read_bytes() == b"new"


def test_a_cache_file_of_another_user_is_not_trusted(monkeypatch) -> None:
    cache.write(PROFILE, TOKEN)
    assert cache.read(PROFILE) == TOKEN  # mode 0600, ours: trusted
    ours = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: ours + 1)  # the same file, seen by another user
    assert cache.read(PROFILE) is None


def test_is_private_file_needs_a_regular_file_of_ours_closed_to_others(tmp_path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    path.chmod(0o600)
    assert _files.is_private_file(os.stat(path))
    for mode in (0o640, 0o604, 0o610, 0o601):
        path.chmod(mode)
        assert not _files.is_private_file(os.stat(path)), oct(mode)
    assert not _files.is_private_file(os.stat(tmp_path))  # a folder
