"""`texpack install` of packs and zips from strangers: damaged or hostile archives, names
Windows cannot hold, temp files a killed install left, and a large pack in linear time."""

from __future__ import annotations

import os
import struct
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from texpack.atomic import TMP_PREFIX
from texpack.imageio import encode_png
from texpack.install import install, windows_problem

from .run import texpack

PNG = encode_png(np.full((4, 4, 4), 7, np.uint8))
GOOD = "GAME/GAME#00000001#0#2_all.png"
BAD = "GAME/GAME#00000002#0#2_all.png"


def make_zip(path: Path, members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def patch_member(path: Path, name: str, fn) -> None:
    """Change the bytes of one member's local header or data in place (fn(bytearray, header offset))."""
    with zipfile.ZipFile(path) as z:
        off = z.getinfo(name).header_offset
    b = bytearray(path.read_bytes())
    fn(b, off)
    path.write_bytes(bytes(b))


def corrupt_data(b: bytearray, off: int) -> None:
    n, m = struct.unpack_from("<HH", b, off + 26)
    start = off + 30 + n + m
    for i in range(start, start + 8):
        b[i] ^= 0xFF


def set_flag_encrypted(b: bytearray, off: int) -> None:
    b[off + 6] |= 1


def set_method_99(b: bytearray, off: int) -> None:
    struct.pack_into("<H", b, off + 8, 99)


def _central(b: bytearray, at: int, damage) -> None:
    if damage is set_flag_encrypted:
        b[at + 8] |= 1
    elif damage is set_method_99:
        struct.pack_into("<H", b, at + 10, 99)
    else:
        struct.pack_into("<I", b, at + 16, struct.unpack_from("<I", b, at + 16)[0] ^ 1)


def bad_crc(b: bytearray, off: int) -> None:
    crc = struct.unpack_from("<I", b, off + 14)[0]
    struct.pack_into("<I", b, off + 14, crc ^ 1)


@pytest.mark.parametrize("damage", [corrupt_data, set_flag_encrypted, set_method_99, bad_crc])
def test_one_bad_member_is_named_and_the_rest_installed(tmp_path, damage):
    z = make_zip(tmp_path / "pack.zip", {GOOD: PNG, BAD: PNG * 3})
    patch_member(z, BAD, damage)
    if damage is not corrupt_data:  # the central directory says it too
        b = bytearray(z.read_bytes())
        at = b.find(b"PK\x01\x02")
        while b[at + 46 : at + 46 + len(BAD)] != BAD.encode():
            at = b.find(b"PK\x01\x02", at + 4)
        _central(b, at, damage)
        z.write_bytes(bytes(b))
    r = texpack("install", z, "--into", tmp_path / "emu")
    assert not r.traceback, r.err[-1500:]
    assert r.code == 1 and "GAME#00000002" in r.out + r.err
    assert (tmp_path / "emu" / "hires_texture" / GOOD).read_bytes() == PNG
    assert not (tmp_path / "emu" / "hires_texture" / BAD).exists()


def test_members_in_no_loaders_layout_are_left_out_and_named(tmp_path):
    """A build --zip archive as strangers make them: a read-me, a folder not named for the game, a
    climbing name and a control character next to the real textures; only the textures go in."""
    z = make_zip(tmp_path / "pack.zip", {GOOD: PNG, "GAME/readme.txt": b"thanks", "Zelda HD/ZELDA#00000003#0#2_all.png": PNG,
                                         "../GAME#00000004#0#2_all.png": PNG, "SLUS-00001/replacements/x.png": PNG, "\x1b[31m.txt": b"x"})
    rep = install(z, tmp_path / "emu")
    assert sorted(rep.added) == ["hires_texture/" + GOOD, "textures/SLUS-00001/replacements/x.png"] and not rep.failed
    [note] = rep.notes
    assert note.startswith("left out 4 archive member(s)") and "'GAME/readme.txt'" in note and "\\x1b" in note
    assert sorted(p.relative_to(tmp_path / "emu").as_posix() for p in (tmp_path / "emu").rglob("*") if p.is_file()) == [
        "hires_texture/" + GOOD, "textures/SLUS-00001/replacements/x.png"]
    assert not (tmp_path / "GAME#00000004#0#2_all.png").exists()


def test_a_file_that_is_not_a_zip_is_bad_input(tmp_path):
    f = tmp_path / "pack.zip"
    f.write_bytes(b"this is not a zip")
    r = texpack("install", f, "--into", tmp_path / "emu")
    assert r.code == 2 and not r.traceback and "not a zip" in r.out + r.err


@pytest.mark.parametrize("config", [b"Aliases: [a, b]\n", b"Aliases: just a string\n", b"- a list\n", b"Aliases: {x: y}\n"])
def test_a_pack_config_of_the_wrong_shape_is_named(tmp_path, config):
    z = make_zip(tmp_path / "pack.zip", {"SLUS-00001/replacements/texupload-C16-0000000000000001-256x256-0-0-4x4.png": PNG,
                                        "SLUS-00001/config.yaml": config})
    r = texpack("install", z, "--into", tmp_path / "emu")
    assert not r.traceback, r.err[-1500:]
    ok = config == b"Aliases: {x: y}\n"
    assert r.code == (0 if ok else 1), r.out + r.err
    assert (tmp_path / "emu" / "textures" / "SLUS-00001" / "replacements").is_dir()


@pytest.mark.parametrize("name,bad", [
    ("COM\u00b9.png", True), ("CONIN$.png", True), ("conout$.txt", True), ("LPT\u00b3", True), ("COM0.png", True),
    ("CON .png", True), ("COM10.png", False), ("CONSOLE.png", False), ("GAME#1#0#2_all.png", False),
])
def test_windows_reserved_names(name, bad):
    assert (windows_problem(f"hires_texture/GAME/{name}") is not None) == bad


def test_folders_that_differ_only_in_case_are_one_folder_on_windows(tmp_path):
    (tmp_path / "emu" / "hires_texture" / "game").mkdir(parents=True)
    z = make_zip(tmp_path / "pack.zip", {GOOD: PNG, "Other/Other#00000001#0#2_all.png": PNG, "OTHER/OTHER#00000003#0#2_all.png": PNG})
    rep = install(z, tmp_path / "emu")
    kept = dict(rep.kept)
    assert f"hires_texture/{GOOD}" in kept and "hires_texture/game" in kept[f"hires_texture/{GOOD}"]
    assert "hires_texture/OTHER/OTHER#00000003#0#2_all.png" in kept  # the pack's own two spellings
    assert rep.added == ["hires_texture/Other/Other#00000001#0#2_all.png"]


def test_temp_files_of_a_killed_install_are_removed_on_the_next(tmp_path):
    game = tmp_path / "emu" / "hires_texture" / "GAME"
    game.mkdir(parents=True)
    dead = game / f"{TMP_PREFIX}999999999-deadbeef"  # no such pid
    dead.write_bytes(b"x" * 1000)
    live = game / f"{TMP_PREFIX}{os.getpid()}-cafef00d"  # a writer still running
    live.write_bytes(b"y")
    install(make_zip(tmp_path / "pack.zip", {GOOD: PNG}), tmp_path / "emu")
    assert not dead.exists() and live.exists()


def test_install_is_linear_in_files_per_folder(tmp_path):
    """12,000 files in one folder took 61 s when each file listed the folder again."""
    def pack(n):
        d = tmp_path / f"p{n}" / "hires_texture" / "GAME"
        d.mkdir(parents=True)
        for i in range(n):
            (d / f"GAME#{i:08X}#0#2_all.png").write_bytes(PNG)
        return d.parent.parent

    times = {}
    for n in (1500, 6000):
        src = pack(n)
        t = time.perf_counter()
        rep = install(src, tmp_path / f"emu{n}")
        times[n] = time.perf_counter() - t
        assert len(rep.added) == n
    assert times[6000] < 4 * times[1500] * 2, times  # 4x the files: about 4x the time, far from 16x
