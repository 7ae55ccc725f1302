"""What each loader really reads, case by case (GLideN64's GLideNHQ, Rice's TextureFilters,
DuckStation's texture cache), each case built from the situation it came from."""

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from texpack.check import check
from texpack.cli import main
from texpack.imageio import encode_png, load_rgba
from texpack.targets.duckstation import lift_st_black

from .conftest import run_build

ZELDA = "THE LEGEND OF ZELDA"


def png(w=8, h=8, value=120, alpha=255):
    px = np.full((h, w, 4), value, np.uint8)
    px[..., 3] = alpha
    return encode_png(px)


def gl_dump(tmp_path, files, ident=ZELDA):
    folder = tmp_path / "texture_dump" / ident / "GLideNHQ"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return tmp_path / "texture_dump" / ident


def findings(results):
    out = {}
    for r in results:
        for f in r.findings:
            out.setdefault(f.file, []).append((f.level, f.message))
    return out


# -- GLideN64 ---------------------------------------------------------------------------


def test_crc0_dumps_are_skipped_for_gliden64_and_built_for_rice(tmp_path):
    dump = gl_dump(tmp_path, {f"{ZELDA}#00000000#0#2_all.png": png(), f"{ZELDA}#12345678#0#2_all.png": png(value=50)})
    r = CliRunner().invoke(main, ["build", str(dump), "--out", str(tmp_path / "gl"), "--model", "nearest"])
    assert r.exit_code == 0, r.output
    assert "1 built, 1 skipped" in r.output and "GLideN64 never loads" in r.output
    assert "txHiresEnable" not in r.output  # the other textures have real CRCs: no wrong hint
    (rep,) = run_build(dump, tmp_path / "rice", target="rice", model="nearest")
    assert rep.counts()["built"] == 2  # Rice has no such rule


def test_lower_case_hex_in_a_dump_becomes_upper_case(tmp_path):
    dump = gl_dump(tmp_path, {f"{ZELDA}#1234abcd#2#1#00ff00ff_ciByRGBA.png": png()})
    run_build(dump, tmp_path / "out", model="nearest")
    names = [p.name for p in (tmp_path / "out" / "hires_texture" / ZELDA).iterdir()]
    assert names == [f"{ZELDA}#1234ABCD#2#1#00FF00FF_ciByRGBA.png"]
    assert check(tmp_path / "out")[0].errors == []


def test_tiny_textures_are_skipped_and_huge_ones_capped(tmp_path):
    big = np.zeros((1024, 2048, 4), np.uint8)
    big[..., 3] = 255
    big[::7, :, 0] = 255
    dump = gl_dump(tmp_path, {f"{ZELDA}#0000000A#0#3_all.png": png(w=1, h=2), f"{ZELDA}#0000000B#0#3_all.png": encode_png(big)})
    (r,) = run_build(dump, tmp_path / "s1", model="nearest", scale=1)
    assert [o.reason for o in r.outcomes if o.status == "skipped"] == ["1x2 is under 4 texels, which GLideN64 drops on load"]
    (r,) = run_build(dump, tmp_path / "s4", model="nearest", scale=4)
    big_out = tmp_path / "s4" / "hires_texture" / ZELDA / f"{ZELDA}#0000000B#0#3_all.png"
    assert load_rgba(big_out).shape[:2] == (2048, 4096)  # capped at x2, not shrunk by GLideN64
    note = next(o.reason for o in r.outcomes if o.output.endswith("0000000B#0#3_all.png"))
    assert "capped at 2" in note and "4096" in note


@pytest.mark.parametrize("name, level", [
    ("ZERO#00000000#0#2#$_all.png", "error"),  # wildcard 1 with texture CRC 0: key 0
    ("ZERO#$#2#1#00000000_ciByRGBA.png", "error"),  # wildcard 2 with palette CRC 0: key 0
    ("ZERO#00000000#0#2_all.png", "warning"),  # skipped by checkFileName, the pack still loads
    ("ZERO#00000000#2#1#00000000_ciByRGBA.png", "warning"),
    ("ZERO#00000000#2#1#1234ABCD_ciByRGBA.png", "warning"),
])
def test_only_wildcard_names_with_key_zero_abandon_the_pack(tmp_path, name, level):
    game = tmp_path / "hires_texture" / "ZERO"
    game.mkdir(parents=True)
    (game / name).write_bytes(png())
    (game / "ZERO#11111111#0#2_all.png").write_bytes(png())
    f = findings(check(tmp_path))
    got = f[name][0]
    assert got[0] == level, got
    assert ("abandons the whole pack" in got[1]) == (level == "error")


def test_community_pack_tree_passes_check(tmp_path):
    """A real pack's tree: textures in sub-folders, plus files for other tools and renderers."""
    game = tmp_path / "hires_texture" / "MARIOKART64"
    (game / "HUD" / "Numbers").mkdir(parents=True)
    (game / "rt64").mkdir()
    (game / "Ports" / "Dolphin").mkdir(parents=True)
    (game / "HUD" / "Numbers" / "MARIOKART64#D050AF5B#0#2_all.png").write_bytes(png())
    (game / "MARIOKART64#06F31319#2#1#0FFC0004_ciByRGBA.png").write_bytes(png())
    for name in ("mod.json", "rt64.json", "thumb.dds", "pack.tdb", "install.sh", "README.txt"):
        (game / name).write_text("not a texture")
    (game / "rt64" / "4f9c2a1e8b.png").write_bytes(png())
    (game / "Ports" / "Dolphin" / "tex1_64x64_5c2e19a0_14.png").write_bytes(png())
    r = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "2 textures, 0 errors, 2 warnings" in r.output  # the other renderers' PNGs are warnings
    assert "never opens were not checked" in r.output


def test_rice_checks_follow_rice(tmp_path):
    game = tmp_path / "hires_texture" / "GAME"
    game.mkdir(parents=True)
    (game / "GAME#00000000#0#2_all.png").write_bytes(png(16, 16))  # CRC 0 is just a CRC to Rice
    (game / "GAME#12345678#2#1_ciByRGBA.png").write_bytes(png(16, 16))
    (game / "GAME#23456789#0#3_a.png").write_bytes(png(16, 16))
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "GAME#00000000#3#2_all.png").write_bytes(png(4, 4))  # other format digits: Rice ignores them
    f = findings(check(tmp_path, "rice", dump))
    assert "GAME#00000000#0#2_all.png" not in f
    assert f["GAME#12345678#2#1_ciByRGBA.png"][0][0] == "error" and "_allciByRGBA" in f["GAME#12345678#2#1_ciByRGBA.png"][0][1]
    assert f["GAME#23456789#0#3_a.png"] == [("warning", "an _a.png without its _rgb.png beside it: Rice never uses it")]
    g = findings(check(tmp_path, "gliden64", dump))
    assert any(level == "error" and "differs from the dump" in m for level, m in g["GAME#00000000#0#2_all.png"])


# -- DuckStation ------------------------------------------------------------------------

ST = "texupload-STC16-{:016X}-256x256-0-0-16x16"
VW = "vram-write-{:032X}"


def ds_dump(tmp_path, files, config=None):
    d = tmp_path / "textures" / "SLUS-00001" / "dumps"
    d.mkdir(parents=True)
    for name, data in files.items():
        (d / name).write_bytes(data)
    if config is not None:
        (d.parent / "config.yaml").write_text(config)
    return d


def test_opaque_black_in_st_textures_is_lifted():
    px = np.zeros((4, 4, 4), np.uint8)
    px[..., 3] = 255
    px[0, 0] = (0, 0, 0, 0)  # transparent stays (0,0,0,0)
    px[0, 1] = (0, 0, 0, 0x8F)  # semi-transparent black stays
    out = lift_st_black(px)
    assert tuple(out[1, 1]) == (1, 1, 1, 255) and tuple(out[0, 0]) == (0, 0, 0, 0) and tuple(out[0, 1]) == (0, 0, 0, 0x8F)


def test_st_pack_never_holds_opaque_black_and_check_finds_it(tmp_path):
    px = np.zeros((16, 16, 4), np.uint8)
    px[..., 3] = 255
    px[:8, :, :3] = 90
    px[12:, :, :] = 0  # transparent texels
    ds_dump(tmp_path, {ST.format(1) + ".png": encode_png(px)})
    run_build(tmp_path / "textures", tmp_path, model="nearest")
    out = load_rgba(tmp_path / "textures" / "SLUS-00001" / "replacements" / (ST.format(1) + ".png"))
    opaque_black = (out[..., 3] == 255) & (out[..., :3].max(axis=-1) == 0)
    assert not opaque_black.any() and (out[..., 3] == 0).any()
    assert check(tmp_path / "textures")[0].errors == []
    bad = tmp_path / "bad" / "textures" / "SLUS-00002" / "replacements"
    bad.mkdir(parents=True)
    (bad / (ST.format(2) + ".png")).write_bytes(encode_png(px))
    (err,) = check(tmp_path / "bad")[0].errors
    assert "exact black" in err.message


def test_vram_write_alpha_zero_texels_keep_their_colour(tmp_path):
    px = np.zeros((32, 32, 4), np.uint8)
    px[..., :3] = (40, 160, 90)
    px[..., 3] = 255
    px[8:16, 8:16] = (200, 10, 10, 0)  # STP=0 texels: drawn, in their own colour
    ds_dump(tmp_path, {VW.format(7) + ".png": encode_png(px)})
    run_build(tmp_path / "textures", tmp_path, model="nearest")
    out = load_rgba(tmp_path / "textures" / "SLUS-00001" / "replacements" / (VW.format(7) + ".png"))
    assert (out[40:56, 40:56] == (200, 10, 10, 0)).all()


def test_dump_side_settings_reach_the_pack_config(tmp_path):
    cfg = "# my settings\nConvertCopiesToWrites: true  # needed for this game\nMaxVRAMWriteSplits: 1\n"
    ds_dump(tmp_path, {"texupload-C16-0000000000000001-256x256-0-0-16x16.png": png(16, 16)}, config=cfg)
    (r,) = run_build(tmp_path / "textures", tmp_path / "pack", model="nearest")
    text = (tmp_path / "pack" / "textures" / "SLUS-00001" / "config.yaml").read_text()
    data = yaml.safe_load(text)
    assert data["ConvertCopiesToWrites"] is True and data["MaxVRAMWriteSplits"] == 1
    assert "# my settings" in text and "# needed for this game" in text
    assert any("dump folder" in n for n in r.notes)
    # a setting the user changed in the pack's own config is replaced by the dumps' one
    # (the names were made with it), other user keys stay
    p = tmp_path / "pack" / "textures" / "SLUS-00001" / "config.yaml"
    p.write_text(text.replace("MaxVRAMWriteSplits: 1", "MaxVRAMWriteSplits: 0") + "ReplacementScaleLinearFilter: true\n")
    run_build(tmp_path / "textures", tmp_path / "pack", model="nearest")
    data = yaml.safe_load(p.read_text())
    assert data["MaxVRAMWriteSplits"] == 1 and data["ReplacementScaleLinearFilter"] is True


@pytest.mark.parametrize(
    "text",
    [
        "Aliases: {\n  texupload-C16-00000000000000AA-256x256-0-0-16x16: a.png,\n  texupload-C16-00000000000000AB-256x256-0-0-16x16: a.png\n}\n",
        "Aliases: &a\n  texupload-C16-00000000000000AA-256x256-0-0-16x16: a.png\nOther: *a\n",
        "---\nMaxHashCacheEntries: 5\n...\n",
        "\ufeffMaxHashCacheEntries: 5\n",
        '"Aliases":\n  texupload-C16-00000000000000AA-256x256-0-0-16x16: mine.png\n',
    ],
)
def test_config_edits_stay_valid_yaml(tmp_path, text):
    px = encode_png(np.full((16, 16, 4), 77, np.uint8))
    ds_dump(tmp_path, {"texupload-C16-0000000000000001-256x256-0-0-16x16.png": px, "texupload-C16-0000000000000002-256x256-0-0-16x16.png": px})
    cfg = tmp_path / "textures" / "SLUS-00001" / "config.yaml"
    cfg.write_bytes(text.encode())
    before = yaml.safe_load(text.lstrip("\ufeff")) or {}
    (r,) = run_build(tmp_path / "textures", tmp_path, model="nearest")
    assert r.ok, r.aborted
    data = yaml.safe_load(cfg.read_bytes().decode("utf-8-sig"))
    ours = {k: v for k, v in data["Aliases"].items() if k.startswith("texupload-C16-000000000000000")}
    assert ours == {"texupload-C16-0000000000000002-256x256-0-0-16x16": "texupload-C16-0000000000000001-256x256-0-0-16x16.png"}
    for k, v in before.items():
        if k != "Aliases":
            assert data[k] == v
    assert cfg.read_bytes().startswith(b"\xef\xbb\xbf") == text.startswith("\ufeff")


def test_duckstation_name_edges_in_check(tmp_path):
    rep = tmp_path / "textures" / "SLUS-00001" / "replacements"
    rep.mkdir(parents=True)
    canon = "texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-14"
    for t in (canon, canon + " (1)", "texupload-C16-0123456789ABCDEF-70000x64-0-0-16x16", "texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-064x256-0-0-64x64-P0-3"):
        (rep / (t + ".png")).write_bytes(png(64, 64))
    f = findings(check(tmp_path / "textures"))
    assert f[canon + " (1).png"][0][0] == "warning" and "second file for " + canon in f[canon + " (1).png"][0][1]
    assert f["texupload-C16-0123456789ABCDEF-70000x64-0-0-16x16.png"][0][0] == "error"
    assert "leading zeros" in f["texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-064x256-0-0-64x64-P0-3.png"][0][1]


def test_rice_keeps_one_file_per_crc_palette_and_type(tmp_path):
    """Rice's FindAllTexturesFromFolder holds one file per (CRC, palette CRC, type) whatever
    the format and size: the second dump of a pair is skipped for Rice with that reason, and
    check warns about such a pair in a pack made elsewhere."""
    root = tmp_path / "texture_dump" / "PAIR" / "png_all"
    root.mkdir(parents=True)
    (root / "PAIR#0000ABCD#0#2_all.png").write_bytes(png(value=40))
    (root / "PAIR#0000ABCD#3#1_all.png").write_bytes(png(value=90))  # same CRC, another format/size
    (root / "PAIR#0000ABCE#3#1_all.png").write_bytes(png(value=140))
    (r,) = run_build(tmp_path / "texture_dump", tmp_path / "rice", model="nearest", target="rice")
    st = {o.dump.rsplit("/", 1)[-1]: (o.status.value, o.reason) for o in r.outcomes}
    assert st["PAIR#0000ABCD#0#2_all.png"][0] == "built" and st["PAIR#0000ABCE#3#1_all.png"][0] == "built"
    assert st["PAIR#0000ABCD#3#1_all.png"][0] == "skipped" and "one file per CRC" in st["PAIR#0000ABCD#3#1_all.png"][1]
    (gl,) = run_build(tmp_path / "texture_dump", tmp_path / "gl", model="nearest", target="gliden64")
    assert all(o.status.value == "built" for o in gl.outcomes)  # GLideN64 matches format and size too: both load
    pack = tmp_path / "theirs" / "hires_texture" / "PAIR"
    pack.mkdir(parents=True)
    for n in ("PAIR#0000ABCD#0#2_all.png", "PAIR#0000ABCD#3#1_all.png"):
        (pack / n).write_bytes(png())
    f = findings(check(tmp_path / "theirs", "rice"))
    assert any(level == "warning" and "one file" in msg for level, msg in f.get("PAIR#0000ABCD#3#1_all.png", []))
