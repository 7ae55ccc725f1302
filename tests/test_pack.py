"""Golden pack trees for the shipped examples, plus the loader rules checked texture by texture."""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from texpack.emulators.n64names import parse_n64_name
from texpack.emulators.psxnames import parse_psx_title
from texpack.imageio import load_rgba

from .conftest import DATA, EXAMPLES, run_build
from .packcheck import alpha_class, describe


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    out = {}
    for emu in ("gliden64", "rice", "duckstation"):
        dest = tmp_path_factory.mktemp(f"pack-{emu}")
        reports = run_build(EXAMPLES / emu, dest)
        assert len(reports) == 1 and reports[0].ok, reports[0].summary()
        out[emu] = dest
    return out


@pytest.mark.parametrize("emu", ["gliden64", "rice", "duckstation"])
def test_golden_tree(packs, emu):
    want = json.loads((DATA / f"golden_{emu}.json").read_text())
    assert describe(packs[emu]) == want


def _dumps(emu: str) -> dict[str, Path]:
    return {p.name: p for p in (EXAMPLES / emu).rglob("*") if p.is_file() and p.suffix in (".png", ".bmp")}


def test_n64_outputs_are_4x_with_format_alpha(packs):
    dumps = _dumps("gliden64")
    game = packs["gliden64"] / "hires_texture" / "TEXPACK DEMO"
    assert len(list(game.iterdir())) == len(dumps) - 1  # the profile skips DEADBEEF
    for out in game.iterdir():
        src = load_rgba(dumps[out.name])
        hr = load_rgba(out)
        assert hr.shape[:2] == (src.shape[0] * 4, src.shape[1] * 4)
        key = parse_n64_name(out.name, "TEXPACK DEMO")
        cls = alpha_class(hr[..., 3])
        if (key.fmt, key.siz) in ((0, 2), (3, 0)) or key.fmt == 2:
            assert cls in ("binary", "opaque"), out.name  # 1-bit alpha stays 0/255
        if key.fmt == 4:  # I4/I8: alpha follows intensity
            assert np.abs(hr[..., 3].astype(int) - hr[..., :3].astype(int).sum(-1) // 3).max() == 0


def test_rice_names_follow_rice_rules(packs):
    game = packs["rice"] / "hires_texture" / "RICE DEMO"
    for out in game.iterdir():
        key = parse_n64_name(out.name, "RICE DEMO")
        assert key.suffix in ("all", "ciByRGBA") and key.ext == "png"
        if key.ci_like:
            assert key.suffix == "ciByRGBA"  # Rice ignores _all for CI-like textures
    rgb_stems = {p.name.removesuffix("_rgb.png") for p in (EXAMPLES / "rice").rglob("*_rgb.png")}
    assert rgb_stems and all((game / f"{s}_all.png").is_file() for s in rgb_stems)
    merged = [s for s in rgb_stems if any((EXAMPLES / "rice").rglob(f"{s}_a.png"))]
    assert merged and all(alpha_class(load_rgba(game / f"{s}_all.png")[..., 3]) != "opaque" for s in merged)


def test_duckstation_alpha_and_aliases(packs):
    rep = packs["duckstation"] / "textures" / "SLUS-99999" / "replacements"
    dumps = _dumps("duckstation")
    for out in rep.iterdir():
        key = parse_psx_title(out.stem)
        hr = load_rgba(out)
        src = load_rgba(dumps[out.name])
        assert hr.shape[:2] == (src.shape[0] * 4, src.shape[1] * 4)
        a = hr[..., 3]
        clear = a == 0
        assert (hr[clear, :3] == 0).all(), out.name  # transparent texels are exactly (0,0,0,0)
        if key.mode == "vram-write":
            assert (a == 255).all()
        elif key.mode.startswith("ST"):
            assert set(np.unique(a).tolist()) <= {0, 0x8F, 255}
            assert (0x8F in np.unique(src[..., 3])) == (0x8F in np.unique(a))
        else:
            assert set(np.unique(a).tolist()) <= {0, 255}
    cfg = yaml.safe_load((rep.parent / "config.yaml").read_text())
    aliases = cfg["Aliases"]
    assert len(aliases) == 2
    for name, target in aliases.items():
        assert not (rep / f"{name}.png").exists() and (rep / target).is_file()
        assert np.array_equal(load_rgba(dumps[name + ".png"]), load_rgba(dumps[target]))
        parse_psx_title(name)


def test_cross_target_n64(tmp_path):
    """GLideN64 dumps into a Rice pack: CI-like _all textures become _ciByRGBA."""
    src = tmp_path / "dump" / "texture_dump" / "GAME" / "GLideNHQ"
    src.mkdir(parents=True)
    px = np.zeros((8, 8, 4), np.uint8)
    px[2:6, 2:6] = 255
    from texpack.imageio import encode_png
    (src / "GAME#12345678#0#0_all.png").write_bytes(encode_png(px))
    (src / "GAME#22345678#0#2_all.png").write_bytes(encode_png(px))
    run_build(tmp_path / "dump", tmp_path / "out", target="rice", model="nearest")
    names = sorted(p.name for p in (tmp_path / "out" / "hires_texture" / "GAME").iterdir())
    # A CI-like texture without a palette CRC: Rice reads palette FFFFFFFF from an
    # _allciByRGBA name (any palette), where a _ciByRGBA name would need one.
    assert names == ["GAME#12345678#0#0_allciByRGBA.png", "GAME#22345678#0#2_all.png"]


def test_rice_refuses_non_power_of_two(tmp_path):
    from texpack.errors import ProfileError, UsageError
    p = tmp_path / "p.yaml"
    p.write_text("scale: 3\n")
    with pytest.raises(ProfileError, match=r"scale: must be a power of two for rice \(line 1\)"):
        run_build(EXAMPLES / "rice", tmp_path / "o", profile=str(p))
    with pytest.raises(UsageError, match="power-of-two"):  # refused before any work
        run_build(EXAMPLES / "rice", tmp_path / "o", scale=3, model="nearest")
    assert not (tmp_path / "o" / "hires_texture").exists()


@pytest.mark.parametrize("scale", [2, 3])
def test_other_scales_are_exact(tmp_path, scale):
    target = "gliden64"
    run_build(EXAMPLES / "gliden64", tmp_path, target=target, scale=scale)
    dumps = _dumps("gliden64")
    for out in (tmp_path / "hires_texture" / "TEXPACK DEMO").iterdir():
        src = load_rgba(dumps[out.name])
        assert load_rgba(out).shape[:2] == (src.shape[0] * scale, src.shape[1] * scale)


@pytest.mark.parametrize("emu", ["gliden64", "rice", "duckstation"])
def test_realistic_dump_of_hundreds(tmp_path, emu):
    """Hundreds of textures, every format and mode, duplicates: every one lands at 4x under its name."""
    from examples.synth import SynthSpec, make_duckstation_dump, make_gliden64_dump, make_rice_dump

    make = {"gliden64": make_gliden64_dump, "rice": make_rice_dump, "duckstation": make_duckstation_dump}[emu]
    make(tmp_path / "dump", **({"serial": "SLUS-00001"} if emu == "duckstation" else {"ident": "BIG GAME"}), spec=SynthSpec(count=200, seed=4, duplicates=10))
    r = run_build(tmp_path / "dump", tmp_path / "out")[0]
    assert r.ok, [o.line() for o in r.failed]
    c = r.counts()
    dumps = _dumps_in(tmp_path / "dump")
    n_alpha_halves = sum(1 for n in dumps if n.endswith("_a.png"))
    # Rice _ci.bmp dumps of textures also dumped per palette are left out on purpose.
    shadowed = [o for o in r.outcomes if o.status == "skipped"]
    assert all("per-palette" in o.reason and o.dump.endswith("_ci.bmp") for o in shadowed)
    assert c["built"] + c["copied"] + c["aliased"] + len(shadowed) == len(dumps) - n_alpha_halves
    for o in r.outcomes:
        if o.status in ("aliased", "skipped"):
            continue
        out = load_rgba(tmp_path / "out" / o.output)
        src = load_rgba(dumps[Path(o.dump).name])
        assert out.shape[:2] == (src.shape[0] * 4, src.shape[1] * 4), o.dump


def _dumps_in(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in folder.rglob("*") if p.is_file()}


def test_rice_png_wins_over_bmp_of_the_same_texture(tmp_path):
    from PIL import Image

    from texpack.imageio import encode_png

    root = tmp_path / "texture_dump" / "GAME"
    (root / "ci_bmp_with_pal_crc").mkdir(parents=True)
    (root / "ci_by_png").mkdir()
    px = np.zeros((8, 8, 4), np.uint8)
    px[2:6, 2:6] = (200, 100, 50, 255)
    (root / "ci_by_png" / "GAME#12345678#2#1#ABCDEF01_ciByRGBA.png").write_bytes(encode_png(px))
    Image.fromarray(px[..., :3]).convert("P").save(root / "ci_bmp_with_pal_crc" / "GAME#12345678#2#1#ABCDEF01_ci.bmp")
    r = run_build(root, tmp_path / "out", model="nearest")[0]
    by = {o.dump.split("/")[0]: o for o in r.outcomes}
    assert by["ci_by_png"].status == "built" and by["ci_bmp_with_pal_crc"].status == "skipped"
    out = load_rgba(tmp_path / "out" / "hires_texture" / "GAME" / "GAME#12345678#2#1#ABCDEF01_ciByRGBA.png")
    assert alpha_class(out[..., 3]) == "binary"


def test_distributable_zip_layout_and_determinism(tmp_path):
    import zipfile

    run_build(EXAMPLES / "duckstation", tmp_path / "out", model="nearest", zip_dir=tmp_path / "dist")
    z = tmp_path / "dist" / "duckstation-SLUS-99999.zip"
    names = zipfile.ZipFile(z).namelist()
    assert "SLUS-99999/config.yaml" in names
    assert all(n == "SLUS-99999/config.yaml" or n.startswith("SLUS-99999/replacements/") for n in names)
    first = z.read_bytes()
    run_build(EXAMPLES / "duckstation", tmp_path / "out", model="nearest", zip_dir=tmp_path / "dist")
    assert z.read_bytes() == first
    run_build(EXAMPLES / "gliden64", tmp_path / "out", model="nearest", zip_dir=tmp_path / "dist")
    n64 = zipfile.ZipFile(tmp_path / "dist" / "gliden64-TEXPACK DEMO.zip").namelist()
    assert n64 and all(n.startswith("TEXPACK DEMO/") and n.endswith(".png") for n in n64)
