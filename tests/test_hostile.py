"""Hostile inputs: each one must end in a named outcome or a one-line error, never a hang, a
traceback, a memory blow-up or a lost file. The fixtures are made here, small or sparse."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import save_file

from texpack.cli import main
from texpack.errors import ModelError, ProfileError
from texpack.imageio import MAX_FILE_BYTES, encode_png, load_rgba
from texpack.models.safeload import read_state_dict
from texpack.state import State

from .conftest import EXAMPLES, run_build
from .hostile.run import texpack as run_texpack
from .test_watch import Running, tex
from .waiting import eventually

T = "texupload-C16-{:016X}-256x256-0-0-16x16.png"
BOMB = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
Aliases: {}
"""


def ds(tmp_path, n=2) -> Path:
    d = tmp_path / "textures" / "SLUS-00001" / "dumps"
    d.mkdir(parents=True)
    for i in range(1, n + 1):
        (d / T.format(i)).write_bytes(tex(i))
    return d


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def outcome(reports, name):
    return next((o.status.value, o.reason) for r in reports for o in r.outcomes if o.dump.endswith(name))


# -- the table: (case, how to make it, expected status, words in the reason) ------------------


def _fifo(d: Path) -> str:
    os.mkfifo(d / T.format(90))
    return T.format(90)


def _dev_zero(d: Path) -> str:
    (d / T.format(91)).symlink_to("/dev/zero")
    return T.format(91)


def _huge_text(d: Path) -> str:
    with open(d / T.format(92), "wb") as f:
        f.truncate(400 << 20)  # sparse: 400 MB of zeros that are never read
    return T.format(92)


def _big_text(d: Path) -> str:
    with open(d / T.format(95), "wb") as f:
        f.write(b"just text, " * 10)
        f.truncate(50 << 20)  # 50 MB: under the size limit, refused from its first bytes
    return T.format(95)


def _too_large(d: Path) -> str:
    with open(d / T.format(93), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.truncate(MAX_FILE_BYTES + 1)
    return T.format(93)


def _deep_tree(d: Path) -> str:
    p = d
    for _ in range(40):
        p = p / "x"
    p.mkdir(parents=True)
    (p / T.format(94)).write_bytes(tex(94))
    return "x/" * 32 + "x"


HOSTILE = [
    ("FIFO named like a dump", _fifo, "skipped", "FIFO"),
    ("link to /dev/zero", _dev_zero, "skipped", "device"),
    ("400 MB file", _huge_text, "failed", "larger than any dump"),
    ("50 MB file that is not an image", _big_text, "failed", "not a PNG"),
    ("file larger than any dump", _too_large, "failed", "larger than any dump"),
    ("folder tree deeper than 32 levels", _deep_tree, "skipped", "nested too deep"),
]


@pytest.mark.parametrize("case,make,status,words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_dump_entries(tmp_path, case, make, status, words):
    d = ds(tmp_path)
    name = make(d)
    start = time.monotonic()
    reports = run_build(tmp_path / "textures", tmp_path / "out", model="nearest")
    assert time.monotonic() - start < 60
    got = outcome(reports, name)
    assert got[0] == status and words in got[1], got
    assert reports[0].counts()["built"] == 2  # the rest is built


def test_watch_survives_a_fifo_and_goes_on(tmp_path):
    d = ds(tmp_path, 0)
    w = Running(d, tmp_path)
    try:
        os.mkfifo(d / T.format(5))
        (d / T.format(6)).symlink_to("/dev/zero")
        (d / T.format(7)).write_bytes(tex(7))
        assert eventually((w.out / T.format(7)).exists, 20)
        reasons = {o.dump: o.reason for o in w.outcomes}
        assert "FIFO" in reasons[T.format(5)] and "device" in reasons[T.format(6)]
    finally:
        w.close()


# -- YAML ---------------------------------------------------------------------------------


def test_alias_bomb_config_is_refused_in_one_line(tmp_path):
    d = ds(tmp_path)
    (d.parent / "config.yaml").write_text(BOMB)
    r = invoke("build", tmp_path / "textures", "--out", tmp_path, "--model", "nearest")
    assert r.exit_code == 1 and "alias bomb" in r.output
    c = invoke("check", tmp_path / "textures")
    assert c.exit_code == 1 and "alias bomb" in c.output


def test_alias_bomb_and_deep_profiles_are_profile_errors(tmp_path):
    from texpack.profile import load_profile

    (tmp_path / "bomb.yaml").write_text(BOMB.replace("Aliases: {}\n", ""))
    with pytest.raises(ProfileError, match="alias bomb"):
        load_profile(tmp_path / "bomb.yaml")
    (tmp_path / "deep.yaml").write_text("rules: " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(ProfileError, match="nested more than"):
        load_profile(tmp_path / "deep.yaml")
    (tmp_path / "big.yaml").write_bytes(b"#" * (2 << 20))
    with pytest.raises(ProfileError, match="more than any profile needs"):
        load_profile(tmp_path / "big.yaml")


# -- models ---------------------------------------------------------------------------------


def _stride0(tmp_path):
    w = torch.zeros(1).expand(20000 * 3 * 3 * 3).view(20000, 3, 3, 3)
    torch.save({"body.0.weight": w, "body.1.weight": torch.zeros(20000)}, tmp_path / "m.pth")
    return tmp_path / "m.pth"


def _zero_channels(tmp_path):
    save_file({"body.0.weight": torch.zeros(64, 0, 3, 3), "body.1.weight": torch.zeros(64)}, str(tmp_path / "m.safetensors"))
    return tmp_path / "m.safetensors"


def _huge_shape(tmp_path):
    torch.save({"body.0.weight": torch.zeros(2**40, 0, 3, 3)}, tmp_path / "m.pth")
    return tmp_path / "m.pth"


def _a_list(tmp_path):
    torch.save([torch.zeros(3)], tmp_path / "m.pth")
    return tmp_path / "m.pth"


def _nan(tmp_path):
    from .reference_archs import SRVGGNetCompact

    sd = SRVGGNetCompact(num_feat=8, num_conv=1, upscale=2).state_dict()
    sd["body.0.weight"][0, 0, 0, 0] = float("nan")
    save_file(sd, str(tmp_path / "m.safetensors"))
    return tmp_path / "m.safetensors"


MODELS = [
    ("stride-0 tensor declaring 20,000 features", _stride0, "declares"),
    ("zero input channels", _zero_channels, "empty dimension"),
    ("[2^40,0,3,3] shape", _huge_shape, "empty dimension"),
    (".pth holding a list", _a_list, "holds a list"),
    ("NaN weights", _nan, "NaN"),
]


@pytest.mark.parametrize("case,make,words", MODELS, ids=[m[0] for m in MODELS])
def test_hostile_model_files(tmp_path, case, make, words):
    path = make(tmp_path)
    with pytest.raises(ModelError, match=words):
        read_state_dict(path)
    ds(tmp_path / "d")
    r = invoke("build", tmp_path / "d" / "textures", "--out", tmp_path / "out", "--model", path)
    assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output
    assert not (tmp_path / "out" / "textures").exists()  # refused before any work


def test_model_names_cannot_escape_the_model_folder(tmp_path):
    from .ncnn_writer import srvgg_to_ncnn
    from .reference_archs import SRVGGNetCompact

    param, bin_ = srvgg_to_ncnn(SRVGGNetCompact(num_feat=8, num_conv=1, upscale=2), False)
    (tmp_path / "m.param").write_text(param)
    (tmp_path / "m.bin").write_bytes(bin_)
    r = invoke("models", "import", tmp_path / "m.param", tmp_path / "m.bin", "--name", "../../escaped", "--to", tmp_path / "models")
    assert r.exit_code == 2 and "model name" in r.output
    assert not list(tmp_path.rglob("escaped*"))


# -- usage errors before any work -------------------------------------------------------------


@pytest.mark.parametrize(
    "args,words",
    [
        (["--model", "no-such-model"], "not found"),
        (["--device", "cuda"], "no CUDA device"),
        (["--target", "rice", "--scale", "3"], "power-of-two"),
    ],
)
def test_usage_errors_stop_before_any_work(tmp_path, args, words):
    if "cuda" in args and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    r = invoke("build", EXAMPLES / "gliden64", "--out", tmp_path / "out", *args)
    assert r.exit_code == 2 and words in r.output
    assert not (tmp_path / "out" / "hires_texture").exists()


def test_relative_dump_paths_and_odd_game_folders(tmp_path, monkeypatch):
    game = EXAMPLES / "gliden64" / "texture_dump" / "TEXPACK DEMO"
    monkeypatch.chdir(game)
    r = invoke("build", ".", "--out", tmp_path / "a", "--model", "nearest")
    assert r.exit_code == 0 and "TEXPACK DEMO" in r.output
    r = invoke("build", "GLideNHQ", "--out", tmp_path / "b", "--model", "nearest")
    assert r.exit_code == 0 and "TEXPACK DEMO" in r.output
    top = tmp_path / "dumps" / "texture_dump"
    for ident in ("GOOD", ".HIDDEN", "BACK\\SLASH"):
        d = top / ident / "GLideNHQ"
        d.mkdir(parents=True)
        (d / f"{ident}#12345678#0#2_all.png").write_bytes(tex(1))
    reports = run_build(top, tmp_path / "c", model="nearest")
    by = {r.game: r for r in reports}
    assert by["GOOD"].counts()["built"] == 1  # the others do not stop it
    assert "skips folders" in by[".HIDDEN"].aborted and "cannot be used" in by["BACK\\SLASH"].aborted


def test_out_inside_the_dump_is_refused(tmp_path):
    ds(tmp_path)
    r = invoke("build", tmp_path / "textures", "--out", tmp_path / "textures" / "SLUS-00001" / "dumps" / "pack")
    assert r.exit_code == 2 and "inside the dump folder" in r.output


def test_long_names_fit_because_temp_names_are_short(tmp_path):
    d = tmp_path / "textures" / "SLUS-00001" / "dumps"
    d.mkdir(parents=True)
    name = "texupload-C16-0000000000000001-256x256-0-0-16x16" + "-" * 0
    long_title = name + " (copy " + "x" * (250 - len(name) - 12) + ")"
    (d / (long_title + ".png")).write_bytes(tex(1))
    (r,) = run_build(tmp_path / "textures", tmp_path / "out", model="nearest")
    assert r.counts()["built"] == 1, [o.line() for o in r.outcomes]


# -- data safety ------------------------------------------------------------------------------


def test_one_writer_per_pack(tmp_path):
    ds(tmp_path)
    held = State.open(tmp_path / "out")
    try:
        p = subprocess.run([sys.executable, "-m", "texpack", "build", str(tmp_path / "textures"), "--out", str(tmp_path / "out"), "--model", "nearest"],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 2 and "another texpack is writing" in p.stderr and f"pid {os.getpid()}" in p.stderr
    finally:
        held.close()
    (tmp_path / "out" / "textures" / "SLUS-00001" / "replacements").mkdir(parents=True)
    temp = tmp_path / "out" / "textures" / "SLUS-00001" / "replacements" / ".texpack-tmp-1-abcd"
    temp.write_bytes(b"left by a killed run")
    (r,) = run_build(tmp_path / "textures", tmp_path / "out", model="nearest")
    assert r.counts()["built"] == 2 and not temp.exists()  # cleaned only once the lock was ours


def test_same_size_and_mtime_but_changed_pixels_are_noticed(tmp_path):
    d = ds(tmp_path)
    run_build(tmp_path / "textures", tmp_path / "out", model="nearest")
    p = d / T.format(1)
    st = p.stat()
    data = bytearray(tex(1))
    other = tex(77)
    assert len(other) == len(data) or True
    new = encode_png(np.full((16, 16, 4), 33, np.uint8))
    new = new + b"\0" * max(0, len(data) - len(new))  # same size
    p.write_bytes(new[: len(data)] if len(new) >= len(data) else new)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert p.stat().st_size == st.st_size and p.stat().st_mtime_ns == st.st_mtime_ns
    (r,) = run_build(tmp_path / "textures", tmp_path / "out", model="nearest")
    assert outcome([r], T.format(1))[0] in ("built", "failed")  # re-read, not "up-to-date"


def test_overwrite_replaces_an_edited_file(tmp_path):
    ds(tmp_path)
    run_build(tmp_path / "textures", tmp_path / "out", model="nearest")
    f = tmp_path / "out" / "textures" / "SLUS-00001" / "replacements" / T.format(1)
    f.write_bytes(encode_png(np.zeros((32, 64, 4), np.uint8)))
    (r,) = run_build(tmp_path / "textures", tmp_path / "out", model="nearest")
    assert outcome([r], T.format(1))[0] == "kept"
    (r,) = run_build(tmp_path / "textures", tmp_path / "out", model="nearest", overwrite=True)
    assert outcome([r], T.format(1))[0] == "built" and load_rgba(f).shape == (64, 64, 4)


def test_gliden64_and_rice_dumps_of_one_ident_are_a_clash(tmp_path):
    game = tmp_path / "texture_dump" / "GAME"
    (game / "GLideNHQ").mkdir(parents=True)
    (game / "png_all").mkdir()
    (game / "GLideNHQ" / "GAME#12345678#0#2_all.png").write_bytes(tex(1))
    (game / "png_all" / "GAME#22345678#0#2_all.png").write_bytes(tex(2))
    r = invoke("build", tmp_path / "texture_dump", "--out", tmp_path / "out", "--model", "nearest")
    assert r.exit_code == 2 and "would both write hires_texture/GAME/" in r.output
    ok = invoke("build", tmp_path / "texture_dump", "--out", tmp_path / "out", "--model", "nearest", "--emulator", "rice")
    assert ok.exit_code == 0


def test_crafted_state_rows_and_planted_files_never_reach_outside(tmp_path):
    ds(tmp_path)
    run_build(tmp_path / "textures", tmp_path / "out", model="nearest", zip_dir=tmp_path / "dist")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    db = sqlite3.connect(tmp_path / "out" / ".texpack" / "state.sqlite")
    row = ("textures/SLUS-00001/replacements/../../../../victim.txt", "j", "d", None, str((tmp_path / "textures" / "SLUS-00001" / "dumps").resolve()), 8, 0)
    db.execute("INSERT INTO outputs VALUES (?,?,?,?,?,?,?)", row)
    db.commit()
    db.close()
    rep = tmp_path / "out" / "textures" / "SLUS-00001" / "replacements"
    (rep / "planted\\name.png").write_bytes(b"x")
    (rep / "link.png").symlink_to("/etc/hostname")
    (r,) = run_build(tmp_path / "textures", tmp_path / "out", model="nearest", zip_dir=tmp_path / "dist")
    assert victim.read_text() == "precious"
    import zipfile

    names = zipfile.ZipFile(tmp_path / "dist" / "duckstation-SLUS-00001.zip").namelist()
    assert not [n for n in names if "planted" in n or "link" in n or ".." in n]


# -- exit codes and messages -----------------------------------------------------------------


def test_damaged_state_is_named_and_can_be_reset(tmp_path):
    ds(tmp_path)
    run_build(tmp_path / "textures", tmp_path / "out", model="nearest")
    db = tmp_path / "out" / ".texpack" / "state.sqlite"
    for extra in ("-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    db.write_bytes(b"SQLite format 3\0" + b"\x13" * 2000)
    r = invoke("build", tmp_path / "textures", "--out", tmp_path / "out", "--model", "nearest")
    assert r.exit_code == 2 and "damaged" in r.output and "--reset-state" in r.output and "Traceback" not in r.output
    r = invoke("build", tmp_path / "textures", "--out", tmp_path / "out", "--model", "nearest", "--reset-state")
    assert r.exit_code == 0, r.output
    assert list((tmp_path / "out" / ".texpack").glob("state.sqlite.damaged-*"))


def test_disk_full_inside_sqlite_is_exit_3(tmp_path, monkeypatch):
    ds(tmp_path)
    real = State.put_output

    def full(self, row):
        raise __import__("texpack.state", fromlist=["x"])._sqlite_error(self.path, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(State, "put_output", full)
    r = invoke("build", tmp_path / "textures", "--out", tmp_path / "out", "--model", "nearest")
    assert r.exit_code == 3 and "disk is full" in r.output and "Traceback" not in r.output
    monkeypatch.setattr(State, "put_output", real)
    r = invoke("build", tmp_path / "textures", "--out", tmp_path / "out", "--model", "nearest")
    assert r.exit_code == 0


def test_large_texture_goes_through_in_bounded_memory(tmp_path):
    """A 2048x1024 vram-write at x4 would be 8192x4096: capped to 4096x2048 (x2) and
    worked band by band; peak memory stays far below a whole-image float copy."""
    d = tmp_path / "textures" / "SLUS-00001" / "dumps"
    d.mkdir(parents=True)
    px = np.random.default_rng(0).integers(0, 256, (1024, 2048, 4), dtype=np.uint8)
    px[..., 3] = 255
    (d / ("vram-write-" + "0" * 31 + "1.png")).write_bytes(encode_png(px))
    # The child's own peak (VmHWM): ru_maxrss would carry pytest's over the exec.
    r = run_texpack("build", tmp_path / "textures", "--out", tmp_path / "out", "--model", "bilinear", timeout=300, cap=None)
    assert r.code == 0, r.out + r.err
    assert "capped at 2" in r.out
    out = load_rgba(tmp_path / "out" / "textures" / "SLUS-00001" / "replacements" / ("vram-write-" + "0" * 31 + "1.png"))
    assert out.shape == (2048, 4096, 4)
    assert r.peak_mb < 1500, f"peak RSS {r.peak_mb:.0f} MB"


@pytest.mark.slow
def test_ctrl_c_while_the_cli_imports_exits_130_quietly(tmp_path):
    """What `python -m texpack` does first (texpack/__main__.py), then a Ctrl-C while the CLI
    is still importing (about 0.2 s here, the signal comes within a millisecond)."""
    ds(tmp_path)
    code = (
        "import sys\nfrom texpack import _sigint\n_sigint.install()\nprint('ready', flush=True)\n"
        "from texpack.cli import main\nmain(['watch', sys.argv[1]])\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "textures")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline() == "ready\n"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert "Traceback" not in err and p.returncode == 130 and "interrupted" in err, (p.returncode, err[-400:])


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.3, 0.6])
def test_ctrl_c_during_start_up_exits_cleanly(tmp_path, after):
    """Early in `texpack watch` a Ctrl-C is the start-up exit (130), once the watch is opening
    its folders a clean stop (0); never a traceback, whichever moment it hits."""
    ds(tmp_path)
    p = subprocess.Popen([sys.executable, "-m", "texpack", "watch", str(tmp_path / "textures")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(after)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert "Traceback" not in err, err[-400:]
    assert (p.returncode == 130 and "interrupted" in err) or (p.returncode == 0 and "stopped:" in out), (p.returncode, err[-400:])
