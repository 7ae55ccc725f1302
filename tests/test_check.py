"""`texpack check`: every loader rule it knows, on crafted packs, and a clean bill for our own."""


import numpy as np
import pytest

from texpack.check import check
from texpack.imageio import encode_png

from .conftest import EXAMPLES, run_build


def png(w=8, h=8, rgba=(200, 100, 50, 255)) -> bytes:
    return encode_png(np.tile(np.array(rgba, np.uint8), (h, w, 1)))


def findings(results) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for r in results:
        for f in r.findings:
            out.setdefault(f.file, []).append((f.level, f.message))
    return out


@pytest.mark.parametrize("emu", ["gliden64", "rice", "duckstation"])
def test_our_packs_pass(tmp_path, emu):
    run_build(EXAMPLES / emu, tmp_path, model="nearest")
    target = "rice" if emu == "rice" else "gliden64"
    results = check(tmp_path, target, EXAMPLES / emu)
    assert results and all(r.files > 0 and not r.findings for r in results), [f.line() for r in results for f in r.findings]


def test_n64_rules(tmp_path):
    game = tmp_path / "hires_texture" / "GAME"
    (game / "sub1").mkdir(parents=True)
    (game / "sub2").mkdir()
    (game / ".hidden").mkdir()
    (game / "~!~off").mkdir()
    files = {
        "GAME#1234abcd#0#2_all.png": png(),
        "GAME#12345678#2#1_ci.bmp": png(),
        "GAME#12345679#0#3_rgb.png": png(),
        "OTHER#12345678#0#2_all.png": png(),
        "GAME#00000000#0#2_all.png": png(),
        "GAME#$#2#1#ABCDEF01_ciByRGBA.png": png(),
        "sub1/GAME#22222222#0#2_all.png": png(),
        "sub2/GAME#22222222#0#2_all.png": png(),
        ".hidden/junk.png": b"",
        "~!~off/GAME#33333333#0#2_all.png": b"",
        "GAME#44444444#0#2_all.png": b"not an image",
        "GAME#55555555#0#2_all.png": png(1, 2),
    }
    for name, data in files.items():
        (game / name).write_bytes(data)
    f = findings(check(tmp_path, "gliden64"))
    assert f["GAME#1234abcd#0#2_all.png"][0][0] == "error" and "case" in f["GAME#1234abcd#0#2_all.png"][0][1]
    assert "_ci.bmp" in f["GAME#12345678#2#1_ci.bmp"][0][1]
    assert f["GAME#12345679#0#3_rgb.png"][0][0] == "warning"
    assert "IDENT" in f["OTHER#12345678#0#2_all.png"][0][1]
    assert "00000000" in f["GAME#00000000#0#2_all.png"][0][1]
    assert "GAME#$#2#1#ABCDEF01_ciByRGBA.png" not in f  # wildcards are fine for GLideN64
    assert "only the first" in f["sub2/GAME#22222222#0#2_all.png"][0][1]
    assert not any(k.startswith((".hidden", "~!~")) for k in f)
    assert "cannot be read" in f["GAME#44444444#0#2_all.png"][0][1]
    assert "4 texels" in f["GAME#55555555#0#2_all.png"][0][1]
    rice = findings(check(tmp_path, "rice"))
    assert "wildcard" in rice["GAME#$#2#1#ABCDEF01_ciByRGBA.png"][0][1]


def test_n64_scale_against_the_dump(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    game = tmp_path / "pack" / "hires_texture" / "GAME"
    game.mkdir(parents=True)
    for crc, (w, h) in {"11111111": (24, 24), "22222222": (32, 16), "33333333": (32, 32)}.items():
        (dump / f"GAME#{crc}#0#2_all.png").write_bytes(png(8, 8))
        (game / f"GAME#{crc}#0#2_all.png").write_bytes(png(w, h))
    f = findings(check(tmp_path / "pack", "rice", dump))
    assert "power of two" in f["GAME#11111111#0#2_all.png"][0][1]
    assert "power of two" in f["GAME#22222222#0#2_all.png"][0][1]
    assert "GAME#33333333#0#2_all.png" not in f
    g = findings(check(tmp_path / "pack", "gliden64", dump))
    assert "GAME#11111111#0#2_all.png" not in g and "stretched" in g["GAME#22222222#0#2_all.png"][0][1]
    # an old pack naming the texture with the wrong format/size digits
    (game / "GAME#33333333#0#2_all.png").rename(game / "GAME#33333333#2#1_all.png")
    g = findings(check(tmp_path / "pack", "gliden64", dump))
    assert "differs from the dump's #0#2" in g["GAME#33333333#2#1_all.png"][0][1]


T = "texupload-{mode}-{h:016X}-{p}256x256-0-0-16x16{r}.{ext}"


def ds_name(i, mode="C16", ext="png"):
    pal = "" if mode.endswith("C16") else f"{i:016X}-"
    rng = "" if mode.endswith("C16") else "-P0-15"
    return T.format(mode=mode, h=i, p=pal, r=rng, ext=ext)


def test_duckstation_rules(tmp_path):
    rep = tmp_path / "textures" / "SLUS-00001" / "replacements"
    (rep / "a").mkdir(parents=True)
    (rep / "b").mkdir()
    stray = np.zeros((64, 64, 4), np.uint8)
    stray[:32] = (255, 0, 0, 255)
    stray[32:, :, 0] = 40  # alpha 0 but colour: shows semi-transparent in an ST texture
    files = {
        ds_name(1): png(64, 64),
        ds_name(2): png(32, 32),
        ds_name(3, ext="jpeg"): b"x",
        "vram-write-1234ABCDDEADBEEF.png": png(),
        "a/" + ds_name(4): png(64, 64),
        "b/" + ds_name(4): png(64, 64),
        ds_name(5, "STP4"): encode_png(stray),
        "notes.txt": b"ignored",
    }
    for name, data in files.items():
        (rep / name).write_bytes(data)
    (rep.parent / "config.yaml").write_text(f"Aliases:\n  {ds_name(6)[:-4]}: {ds_name(1)}\n  {ds_name(7)[:-4]}: missing.png\n  bogus-name: {ds_name(1)}\n")
    f = findings(check(tmp_path))
    assert "not loaded" in f[ds_name(3, ext="jpeg")][0][1]
    assert "vram-write-000000001234ABCD00000000DEADBEEF" in f["vram-write-1234ABCDDEADBEEF.png"][0][1]
    assert "only the first" in f["b/" + ds_name(4)][0][1]
    assert "semi-transparent" in f[ds_name(5, "STP4")][0][1] and f[ds_name(5, "STP4")][0][0] == "error"
    assert "mixed scales" in f["."][0][1]
    cfg = [m for _, m in f["config.yaml"]]
    assert any("missing.png" in m for m in cfg) and any("bogus-name" in m for m in cfg) and len(cfg) == 2
    assert "notes.txt" not in f


def test_check_cli_exit_codes(tmp_path):
    from click.testing import CliRunner

    from texpack.cli import main

    run_build(EXAMPLES / "duckstation", tmp_path / "ok", model="nearest")
    r = CliRunner().invoke(main, ["check", str(tmp_path / "ok")])
    assert r.exit_code == 0 and "0 errors" in r.output
    bad = tmp_path / "bad" / "hires_texture" / "GAME"
    bad.mkdir(parents=True)
    (bad / "GAME#1234abcd#0#2_all.png").write_bytes(png())
    r = CliRunner().invoke(main, ["check", str(tmp_path / "bad")])
    assert r.exit_code == 1 and "error:" in r.output
    r = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert r.exit_code == 2 and "no hires_texture" in r.output
