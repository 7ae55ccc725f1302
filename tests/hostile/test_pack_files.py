"""A pack folder from elsewhere: links planted where texpack keeps its own files, and a pack
another texpack built, installed into the folder a build or watch writes to."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from texpack.imageio import encode_png, load_rgba

from ..conftest import EXAMPLES
from .run import texpack as run


def texpack(*args):
    return run(*args, cap=None)  # builds load PyTorch: no address-space cap

GL = EXAMPLES / "gliden64"


@pytest.mark.parametrize("planted", ["lock", "state.sqlite", "state.sqlite-wal", "pack-id"])
def test_a_link_planted_in_the_state_folder_is_an_error_and_never_followed(tmp_path, planted):
    victim = tmp_path / "my-notes.txt"
    victim.write_text("precious notes")
    state = tmp_path / "pack" / ".texpack"
    state.mkdir(parents=True)
    (state / planted).symlink_to(victim)
    r = texpack("build", GL, "--out", tmp_path / "pack", "--model", "nearest")
    assert victim.read_text() == "precious notes"
    if planted == "pack-id":  # read through nothing, replaced by rename: the build goes on
        assert r.code == 0 and not (state / planted).is_symlink()
    else:
        assert r.code == 3 and not r.traceback and "symbolic link" in r.out + r.err and planted in r.out + r.err


def test_a_state_folder_that_is_a_link_is_an_error(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / ".texpack").symlink_to(elsewhere)
    r = texpack("build", GL, "--out", tmp_path / "pack", "--model", "nearest")
    assert r.code == 3 and not r.traceback and "symbolic link" in r.out + r.err
    assert list(elsewhere.iterdir()) == []


def test_a_lock_that_is_a_folder_is_an_error(tmp_path):
    (tmp_path / "pack" / ".texpack" / "lock").mkdir(parents=True)
    r = texpack("build", GL, "--out", tmp_path / "pack", "--model", "nearest")
    assert r.code == 3 and not r.traceback and "lock" in r.out + r.err


def pack_files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.png"))}


def test_an_installed_pack_from_elsewhere_is_kept_by_a_build_into_the_same_folder(tmp_path):
    # someone else's pack, built with texpack and installed with texpack install
    r = texpack("build", GL, "--out", tmp_path / "theirs", "--model", "nearest")
    assert r.code == 0
    emu = tmp_path / "emulator"
    r = texpack("install", tmp_path / "theirs", "--into", emu)
    assert r.code == 0, r.out + r.err
    installed = pack_files(emu)
    assert len(installed) >= 4
    # the user now builds the same dump straight into the emulator's folder
    r = texpack("build", GL, "--out", emu, "--model", "bicubic")
    assert not r.traceback
    assert pack_files(emu) == installed  # not one installed file replaced
    assert "kept" in r.out


def test_a_file_this_packs_own_killed_run_wrote_is_still_replaced(tmp_path):
    r = texpack("build", GL, "--out", tmp_path / "pack", "--model", "nearest")
    assert r.code == 0
    owner = (tmp_path / "pack" / ".texpack" / "pack-id").read_text()
    f = next((tmp_path / "pack" / "hires_texture").rglob("*#0#2_all.png"))
    # as if a run had renamed the file into place and been killed before recording it
    shutil.copy(tmp_path / "pack" / ".texpack" / "state.sqlite", tmp_path / "before.sqlite")
    import sqlite3

    con = sqlite3.connect(tmp_path / "pack" / ".texpack" / "state.sqlite")
    con.execute("DELETE FROM outputs WHERE rel LIKE ?", ("%" + f.name,))
    con.commit()
    con.close()
    f.write_bytes(encode_png(np.zeros((4, 4, 4), np.uint8), owner=owner))
    r = texpack("build", GL, "--out", tmp_path / "pack", "--model", "nearest")
    assert r.code == 0 and load_rgba(f).shape[0] > 4  # rebuilt: it was this pack's own


def test_names_that_are_not_utf8_are_carried_as_the_os_gives_them(tmp_path):
    import json
    import os

    dump = tmp_path / "dumps"
    shutil.copytree(GL, dump)
    gl = dump / "texture_dump" / "TEXPACK DEMO" / "GLideNHQ"
    first = sorted(gl.iterdir())[0]
    shutil.copy(first, os.fsdecode(bytes(gl) + b"/notes \xff\xfe.png"))
    ds = tmp_path / "ds" / "textures" / "SLUS-00001" / "dumps"
    ds.mkdir(parents=True)
    src = next((EXAMPLES / "duckstation" / "textures" / "SLUS-99999" / "dumps").glob("texupload-C16-*"))
    odd = os.fsdecode(bytes(ds) + b"/" + src.stem.encode() + b"\xff.png")
    shutil.copy(src, odd)
    r = texpack("build", dump, "--out", tmp_path / "p1", "--model", "nearest")
    assert r.code == 1 and not r.traceback  # the stray file is named as failed; the rest is built
    report = json.loads((tmp_path / "p1" / "texpack-report.json").read_bytes().decode("utf-8"))  # valid UTF-8 JSON
    assert any(o["dump"].endswith("/notes \udcff\udcfe.png") for rep in report["reports"] for o in rep["outcomes"])
    r = texpack("build", tmp_path / "ds", "--out", tmp_path / "p2", "--model", "nearest")
    assert r.code == 0 and not r.traceback, r.out + r.err
    out = tmp_path / "p2" / "textures" / "SLUS-00001" / "replacements" / os.path.basename(odd)
    assert out.is_file()  # the pack file's name is the dump's, byte for byte
    r = texpack("build", tmp_path / "ds", "--out", tmp_path / "p2", "--model", "nearest")
    assert r.code == 0 and "built" not in r.out.split("\n")[0]  # recorded in the state: nothing to redo


def test_a_game_folder_that_is_a_link_loop_stops_the_build_with_its_reason(tmp_path):
    game = tmp_path / "pack" / "hires_texture" / "TEXPACK DEMO"
    game.parent.mkdir(parents=True)
    game.symlink_to("TEXPACK DEMO")
    r = texpack("build", GL, "--out", tmp_path / "pack", "--model", "nearest")
    assert r.code == 3 and not r.traceback and "link loop" in r.out + r.err


@pytest.fixture
def small_fs(tmp_path):
    """A tmpfs of 600 KiB (root only; CI runs as root): the disk fills mid-build."""
    import subprocess

    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("needs permission to mount a tmpfs")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_full_disk_stops_with_exit_3_keeps_what_was_written_and_resumes(small_fs):
    import subprocess

    r = texpack("build", GL, "--out", small_fs / "pack", "--model", "bicubic")
    assert r.code == 3 and not r.traceback and "full" in r.out
    built = int(r.out.split(" built")[0].rsplit(" ", 1)[-1])  # "...: N built, ..." says what was written
    assert built > 0 and "nothing to do" not in r.out
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_fs)], check=True)
    again = texpack("build", GL, "--out", small_fs / "pack", "--model", "bicubic")
    current = int(again.out.split(" up-to-date")[0].rsplit(" ", 1)[-1])
    assert again.code == 0 and current >= built  # nothing written before was redone (copies count too)


def test_a_read_only_pack_is_exit_3_with_its_reason(small_fs):
    import subprocess

    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    r = texpack("build", GL, "--out", small_fs / "pack", "--model", "nearest")
    assert r.code == 3 and not r.traceback and "Read-only file system" in r.out


def test_a_pack_file_gone_right_after_its_write_is_a_pack_error(tmp_path):
    from texpack.errors import PackError
    from texpack.pipeline.ledger import Ledger
    from texpack.state import State

    st = State.open(tmp_path / "pack")
    try:
        ledger = Ledger(st, tmp_path / "pack", "hires_texture/G", str(tmp_path))
        with pytest.raises(PackError, match="gone right after"):  # the pack folder was removed mid-build
            ledger.record("hires_texture/G/G#00000001#0#2_all.png", "job", "dump.png")
    finally:
        st.close()
