"""Incremental rebuilds, duplicates, crash safety, hostile input and exit codes."""

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from examples.synth import SynthSpec, make_duckstation_dump, make_gliden64_dump
from texpack import imageio
from texpack.atomic import TMP_PREFIX
from texpack.cli import main
from texpack.engine.base import ResampleUpscaler
from texpack.engine.ncnn_engine import NcnnUpscaler
from texpack.engine.torch_engine import TorchUpscaler
from texpack.imageio import encode_png
from texpack.state import State

from .conftest import EXAMPLES, run_build
from .packcheck import describe


@pytest.fixture
def counted(monkeypatch):
    """Count images that go through any engine."""
    n = {"images": 0}
    for cls in (TorchUpscaler, NcnnUpscaler, ResampleUpscaler):
        orig = cls.run

        def run(self, batch, as_uint8=False, seam=None, _orig=orig):
            n["images"] += len(batch)
            return _orig(self, batch, as_uint8, seam)

        monkeypatch.setattr(cls, "run", run)
    return n


def gl_dump(tmp_path, count=12, seed=0):
    return make_gliden64_dump(tmp_path / "dump", "GAME", SynthSpec(count=count, seed=seed, duplicates=0))


def test_unchanged_rebuild_does_no_network_work(tmp_path, counted):
    gl_dump(tmp_path)
    r1 = run_build(tmp_path / "dump", tmp_path / "out")[0]
    assert counted["images"] > 0 and r1.counts()["built"] == 12
    counted["images"] = 0
    r2 = run_build(tmp_path / "dump", tmp_path / "out")[0]
    assert counted["images"] == 0 and r2.counts()["up-to-date"] == 12


def test_rewritten_dump_with_same_pixels_is_not_redone(tmp_path, counted):
    folder = gl_dump(tmp_path)
    run_build(tmp_path / "dump", tmp_path / "out")
    one = sorted(folder.iterdir())[0]
    px = imageio.load_rgba(one)
    one.write_bytes(encode_png(px, 9))  # new bytes and mtime, same pixels
    counted["images"] = 0
    r = run_build(tmp_path / "dump", tmp_path / "out")[0]
    assert counted["images"] == 0 and r.counts()["up-to-date"] == 12


def test_profile_change_redoes_only_matching_textures(tmp_path, counted):
    gl_dump(tmp_path)
    prof = tmp_path / "p.yaml"
    prof.write_text("extends: defaults/gliden64\n")
    run_build(tmp_path / "dump", tmp_path / "out", profile=str(prof))
    prof.write_text("extends: defaults/gliden64\nrules:\n  - match: {format: RGBA16}\n    seam: clamp\n")
    counted["images"] = 0
    r = run_build(tmp_path / "dump", tmp_path / "out", profile=str(prof))[0]
    c = r.counts()
    n_rgba16 = sum(1 for o in r.outcomes if "#0#2_" in o.dump)
    assert n_rgba16 and c["built"] == n_rgba16 and c["up-to-date"] == 12 - n_rgba16
    assert counted["images"] == n_rgba16


def test_removed_and_skipped_dumps_leave_the_pack(tmp_path):
    folder = gl_dump(tmp_path)
    run_build(tmp_path / "dump", tmp_path / "out")
    gone = sorted(folder.iterdir())[0]
    gone.unlink()
    r = run_build(tmp_path / "dump", tmp_path / "out")[0]
    removed = [o for o in r.outcomes if o.status == "removed"]
    assert [o.dump for o in removed] == [gone.name]
    assert not (tmp_path / "out" / "hires_texture" / "GAME" / gone.name).exists()


def test_duplicates_upscaled_once_copied_for_n64_aliased_for_duckstation(tmp_path, counted):
    make_gliden64_dump(tmp_path / "n64", "GAME", SynthSpec(count=6, duplicates=2))
    r = run_build(tmp_path / "n64", tmp_path / "o1")[0]
    assert r.counts()["copied"] == 2 and counted["images"] < 8 + 4  # 6 unique (+ graded alpha passes)
    make_duckstation_dump(tmp_path / "ps1", "SLUS-00001", SynthSpec(count=6, duplicates=2))
    r = run_build(tmp_path / "ps1", tmp_path / "o2")[0]
    assert r.counts()["aliased"] == 2
    # rebuilding keeps the aliases; removing the primary's dump promotes the alias
    r = run_build(tmp_path / "ps1", tmp_path / "o2")[0]
    assert r.counts()["up-to-date"] == 9


def dump_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "textures" / "SLUS-00001" / "dumps"
    folder.mkdir(parents=True)
    for name, data in files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return folder


def png_of(mode: str, value, size=(16, 16), **kw) -> bytes:
    import io
    b = io.BytesIO()
    Image.new(mode, size, value).save(b, "PNG", **kw)
    return b.getvalue()


T = "texupload-C16-{:016X}-256x256-0-0-16x16.png"


def test_hostile_and_odd_inputs(tmp_path):
    good = encode_png(np.full((16, 16, 4), 200, np.uint8))
    import struct
    import zlib

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 6, 0, 0, 0)) + chunk(b"IEND", b"")
    pal = Image.new("P", (16, 16), 1)
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    import io
    pb = io.BytesIO()
    pal.save(pb, "PNG", transparency=0)
    files = {
        T.format(1): good,
        T.format(2): b"",
        T.format(3): good[: len(good) // 2],
        T.format(4): b"this is not an image at all",
        T.format(5): bomb,
        T.format(6): png_of("I;16", 40000),
        T.format(7): pb.getvalue(),
        T.format(8): png_of("L", 90),
        T.format(9): png_of("LA", (70, 128)),
        "sub1/" + T.format(10): encode_png(np.full((16, 16, 4), 100, np.uint8)),
        "sub2/" + T.format(10): encode_png(np.full((16, 16, 4), 120, np.uint8)),
        "vram-write-1234ABCDDEADBEEF.png": good,
        "Screenshot 2026 ünïcode.png": good,
    }
    dump_with(tmp_path, files)
    r = run_build(tmp_path, tmp_path / "out")[0]
    by = {o.dump.split("/")[-1] if "sub" not in o.dump else o.dump: o for o in r.outcomes}
    reasons = {k: (o.status, o.reason) for k, o in by.items()}
    assert reasons[T.format(2)] == ("failed", "empty file (0 bytes)")
    assert reasons[T.format(3)][0] == "failed" and "cannot decode" in reasons[T.format(3)][1]
    assert reasons[T.format(4)] == ("failed", "not a PNG or BMP image")
    assert reasons[T.format(5)][0] == "failed" and "decompression bomb" in reasons[T.format(5)][1]
    for i in (1, 6, 7, 8, 9):
        assert reasons[T.format(i)][0] == "built", (i, reasons[T.format(i)])
    statuses = sorted(by[f"sub{i}/" + T.format(10)].status for i in (1, 2))
    assert statuses == ["built", "skipped"]
    assert "zero-padded" in reasons["vram-write-1234ABCDDEADBEEF.png"][1]
    assert "vram-write-000000001234ABCD00000000DEADBEEF" in reasons["vram-write-1234ABCDDEADBEEF.png"][1]
    assert "does not start with" in reasons["Screenshot 2026 ünïcode.png"][1]
    assert all("\n" not in o.reason for o in r.outcomes)
    assert not r.ok
    # nothing half-written, no temp files
    out_files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert not [p for p in out_files if p.name.startswith(TMP_PREFIX)]
    for p in out_files:
        if p.suffix == ".png":
            imageio.load_rgba(p)


def test_unicode_and_spaces_in_game_folder(tmp_path):
    make_gliden64_dump(tmp_path / "d", "ポケモン スタジアム 2", SynthSpec(count=3, duplicates=0))
    r = run_build(tmp_path / "d", tmp_path / "out", model="nearest")[0]
    assert r.ok and r.counts()["built"] == 3
    assert len(list((tmp_path / "out" / "hires_texture" / "ポケモン スタジアム 2").iterdir())) == 3


def test_unreadable_file_is_named_and_the_rest_built(tmp_path, monkeypatch):
    folder = gl_dump(tmp_path, count=4)
    victim = sorted(folder.iterdir())[1]
    real = open

    def fake_open(path, *a, **kw):
        if Path(path) == victim:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *a, **kw)

    import texpack.imageio

    monkeypatch.setattr(texpack.imageio, "open", fake_open, raising=False)
    r = run_build(tmp_path / "dump", tmp_path / "out", model="nearest")[0]
    failed = r.failed
    assert len(failed) == 1 and failed[0].dump == victim.name and "Permission denied" in failed[0].reason
    assert r.counts()["built"] == 3


def test_disk_full_stops_cleanly_and_next_run_continues(tmp_path, monkeypatch):
    gl_dump(tmp_path, count=10)
    real_replace = os.replace
    calls = {"n": 0}

    def full_replace(src, dst):
        if not str(dst).startswith(str(tmp_path / "out" / "hires_texture")):
            return real_replace(src, dst)  # e.g. Python writing a .pyc while PyTorch imports
        calls["n"] += 1
        if calls["n"] > 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(imageio.os, "replace", full_replace)
    r = run_build(tmp_path / "dump", tmp_path / "out", model="nearest")[0]
    assert "No space left on device" in r.aborted
    game = tmp_path / "out" / "hires_texture" / "GAME"
    assert len(list(game.iterdir())) == 4 and not list(game.glob(TMP_PREFIX + "*"))
    for p in game.iterdir():
        imageio.load_rgba(p)
    monkeypatch.setattr(imageio.os, "replace", real_replace)
    r = run_build(tmp_path / "dump", tmp_path / "out", model="nearest")[0]
    assert r.ok and r.counts()["built"] == 6 and r.counts()["up-to-date"] == 4


def test_a_failed_write_keeps_the_files_other_encoders_finished(tmp_path, monkeypatch):
    """The oldest write fails while a second encoder thread has finished a later one: that
    later file is complete on disk, so the state must know it and the next run reuse it."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from texpack.pipeline import execute

    gl_dump(tmp_path, count=10)
    submitted: list[str] = []

    class TwoWriters(ThreadPoolExecutor):
        def __init__(self, max_workers=None, **kw):
            super().__init__(max_workers=2, **kw)

        def submit(self, fn, /, *args, **kw):
            submitted.append(str(args[0]))
            return super().submit(fn, *args, **kw)

    real_replace = os.replace
    other_done = threading.Event()

    def replace(src, dst):
        if submitted and str(dst) == submitted[0]:
            assert other_done.wait(20), "the second encoder never finished a write"
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)
        if str(dst).startswith(str(tmp_path / "out" / "hires_texture")):
            other_done.set()

    monkeypatch.setattr(execute, "ThreadPoolExecutor", TwoWriters)
    monkeypatch.setattr(imageio.os, "replace", replace)
    r = run_build(tmp_path / "dump", tmp_path / "out", model="nearest")[0]
    assert "No space left on device" in r.aborted
    on_disk = len(list((tmp_path / "out" / "hires_texture" / "GAME").iterdir()))
    assert on_disk >= 1
    monkeypatch.setattr(imageio.os, "replace", real_replace)
    r = run_build(tmp_path / "dump", tmp_path / "out", model="nearest")[0]
    assert r.ok and r.counts()["up-to-date"] == on_disk and r.counts()["built"] == 10 - on_disk


def test_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["build", str(EXAMPLES / "duckstation"), "--out", str(tmp_path / "a"), "--model", "nearest"])
    assert ok.exit_code == 0
    dump_with(tmp_path / "bad", {T.format(1): encode_png(np.zeros((16, 16, 4), np.uint8)), T.format(2): b""})
    partial = runner.invoke(main, ["build", str(tmp_path / "bad"), "--out", str(tmp_path / "b"), "--model", "nearest"])
    assert partial.exit_code == 1 and "failed:" in partial.output and "1 built, 1 failed" in partial.output
    blocked = tmp_path / "c"
    blocked.mkdir()
    (blocked / "textures").write_text("a file where the pack folder should be")
    aborted = runner.invoke(main, ["build", str(tmp_path / "bad"), "--out", str(blocked), "--model", "nearest"])
    assert aborted.exit_code == 3 and "stopped" in aborted.output


def test_paths_never_escape_the_pack(tmp_path):
    from texpack.errors import PackError
    from texpack.pipeline.ledger import Ledger, rel_problem
    from texpack.state import State
    from texpack.targets import get_target

    for game in ("..", "a/../../b", "", "x\\y"):
        with pytest.raises(PackError):
            get_target("duckstation").game_dir(tmp_path, game)
    g = "textures/G/replacements"
    for rel in (f"{g}/../../../evil.png", f"{g}/a\\b.png", f"{g}/", "/etc/passwd", f"{g}/./x.png", "elsewhere/x.png"):
        assert rel_problem(rel, g), rel
    assert rel_problem(f"{g}/ok.png", g) is None
    # a folder inside the pack that is a link to somewhere else is refused too
    (tmp_path / "out" / g).mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / g / "sub").symlink_to(tmp_path / "elsewhere")
    st = State.open(tmp_path / "out")
    try:
        with pytest.raises(PackError, match="outside"):
            Ledger(st, tmp_path / "out", g, "src").path(f"{g}/sub/x.png")
    finally:
        st.close()


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_equals_clean_build(tmp_path):
    make_gliden64_dump(tmp_path / "dump", "KILL TEST", SynthSpec(count=120, seed=5, duplicates=4))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "texpack", "build", str(tmp_path / "dump"), "--precision", "fp32"]
    clean = subprocess.run(cmd + ["--out", str(tmp_path / "clean")], env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr
    rng = random.Random(1)
    kills = 0
    killed = tmp_path / "killed"
    for _ in range(4):
        # SIGKILL once the pack holds a random number of files more than before: a random
        # moment of the write phase, chosen by what was observed rather than by a clock
        before = len(list(killed.rglob("*.png")))
        want = before + rng.randint(1, 25)
        p = subprocess.Popen(cmd + ["--out", str(killed)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while p.poll() is None and len(list(killed.rglob("*.png"))) < want:
            time.sleep(0.01)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
    assert kills >= 1
    final = subprocess.run(cmd + ["--out", str(tmp_path / "killed")], env=env, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    a, b = tmp_path / "clean", tmp_path / "killed"
    assert describe(a) == describe(b)
    for p in a.rglob("*.png"):
        # the same pixels (the bytes differ only in each pack's own id in the PNG marker)
        assert np.array_equal(imageio.load_rgba(p), imageio.load_rgba(b / p.relative_to(a))), p.name
    assert not list(b.rglob(TMP_PREFIX + "*"))


def test_duckstation_aliases_follow_when_the_primary_dump_goes(tmp_path):
    import yaml

    px = encode_png(np.full((16, 16, 4), 77, np.uint8))
    other = encode_png(np.full((16, 16, 4), 99, np.uint8))
    folder = dump_with(tmp_path, {T.format(1): px, T.format(2): px, T.format(3): px, T.format(4): other})
    out = tmp_path / "out"
    run_build(tmp_path, out, model="nearest")
    cfg = out / "textures" / "SLUS-00001" / "config.yaml"
    assert set(yaml.safe_load(cfg.read_text())["Aliases"].values()) == {T.format(1)}
    (folder / T.format(1)).unlink()
    r = run_build(tmp_path, out, model="nearest")[0]
    aliases = yaml.safe_load(cfg.read_text())["Aliases"]
    rep = out / "textures" / "SLUS-00001" / "replacements"
    assert aliases == {T.format(3)[:-4]: T.format(2)}
    assert (rep / T.format(2)).is_file() and not (rep / T.format(1)).exists()
    assert {o.status for o in r.outcomes if o.dump == T.format(1)} == {"removed"}


def test_existing_duckstation_config_is_kept(tmp_path):
    """DuckStation writes config.yaml itself; user settings, comments and own aliases survive."""
    import yaml

    px = encode_png(np.full((16, 16, 4), 77, np.uint8))
    folder = dump_with(tmp_path, {T.format(1): px, T.format(2): px})
    cfg = folder.parent / "config.yaml"
    user_alias = "texupload-C16-00000000000000AA-256x256-0-0-16x16"
    cfg.write_text(
        "# DuckStation's template comment\n"
        "DumpTexturePages: true\n"
        f"Aliases:\n  {user_alias}: mine/custom.png\n"
        "# trailing comment\n"
        "ReplacementScaleLinearFilter: true\n"
    )
    run_build(tmp_path, tmp_path, model="nearest")  # the pack goes into the data folder itself
    text = cfg.read_text()
    data = yaml.safe_load(text)
    assert "# DuckStation's template comment" in text and "# trailing comment" in text
    assert data["DumpTexturePages"] is True and data["ReplacementScaleLinearFilter"] is True
    assert data["Aliases"] == {user_alias: "mine/custom.png", T.format(2)[:-4]: T.format(1)}
    (folder / T.format(2)).unlink()
    run_build(tmp_path, tmp_path, model="nearest")
    assert yaml.safe_load(cfg.read_text())["Aliases"] == {user_alias: "mine/custom.png"}
    cfg.write_text("Aliases: [unclosed\n")
    r = run_build(tmp_path, tmp_path, model="nearest")[0]
    assert "config.yaml" in r.aborted and cfg.read_text() == "Aliases: [unclosed\n"


def test_modders_files_are_kept(tmp_path):
    folder = gl_dump(tmp_path, count=3)
    names = sorted(p.name for p in folder.iterdir())
    game = tmp_path / "out" / "hires_texture" / "GAME"
    game.mkdir(parents=True)
    from PIL import Image

    Image.new("RGBA", (4, 4), (1, 2, 3, 255)).save(game / names[0])  # a hand-made replacement
    st = State.open(tmp_path / "out")
    owner = st.owner
    st.close()
    (game / names[1]).write_bytes(encode_png(np.zeros((4, 4, 4), np.uint8), owner=owner))  # ours, from a killed run
    r = run_build(tmp_path / "dump", tmp_path / "out", model="nearest")[0]
    st = {o.dump: o.status for o in r.outcomes}
    assert st[names[0]] == "kept" and st[names[1]] == "built" and st[names[2]] == "built"
    assert imageio.load_rgba(game / names[0]).shape == (4, 4, 4)
    assert r.ok

    # a modder edits one of texpack's files: a later rebuild (even with new settings) keeps it
    edited = game / names[2]
    edited.write_bytes(encode_png(np.full((8, 8, 4), 9, np.uint8)))
    r = run_build(tmp_path / "dump", tmp_path / "out", model="bilinear")[0]
    st = {o.dump: o.status for o in r.outcomes}
    assert st[names[2]] == "kept" and st[names[1]] == "built"
    assert imageio.load_rgba(edited).shape == (8, 8, 4)
    # its dump goes away: the edited file still stays
    (folder / names[2]).unlink()
    r = run_build(tmp_path / "dump", tmp_path / "out", model="bilinear")[0]
    assert edited.exists() and {o.status for o in r.outcomes if o.dump == names[2]} == {"kept"}

    # --overwrite replaces what was kept
    r = run_build(tmp_path / "dump", tmp_path / "out", model="bilinear", overwrite=True)[0]
    assert {o.dump: o.status for o in r.outcomes}[names[0]] == "built"
    assert imageio.load_rgba(game / names[0]).shape != (4, 4, 4)
