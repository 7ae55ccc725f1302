from pathlib import Path

import pytest

from examples.synth import SynthSpec, make_duckstation_dump, make_gliden64_dump, make_rice_dump
from texpack.emulators import find_dump_roots
from texpack.errors import LayoutError
from texpack.scan import scan


@pytest.fixture(scope="module")
def dumps(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("dumps")
    make_gliden64_dump(base / "m64p", "SUPER MARIO 64", SynthSpec(count=6))
    make_rice_dump(base / "m64p", "ZELDA MAJORA'S MASK", SynthSpec(count=6))
    make_duckstation_dump(base / "ds", "SLUS-00594", SynthSpec(count=6))
    return base


@pytest.mark.parametrize(
    "rel,emulator,game",
    [
        ("m64p/texture_dump/SUPER MARIO 64/GLideNHQ", "gliden64", "SUPER MARIO 64"),
        ("m64p/texture_dump/SUPER MARIO 64", "gliden64", "SUPER MARIO 64"),
        ("m64p/texture_dump/ZELDA MAJORA'S MASK", "rice", "ZELDA MAJORA'S MASK"),
        ("m64p/texture_dump/ZELDA MAJORA'S MASK/png_all", "rice", "ZELDA MAJORA'S MASK"),
        ("ds/textures/SLUS-00594", "duckstation", "SLUS-00594"),
        ("ds/textures/SLUS-00594/dumps", "duckstation", "SLUS-00594"),
    ],
)
def test_emulator_and_game_from_layout(dumps, rel, emulator, game):
    roots = find_dump_roots(dumps / rel)
    assert [(r.emulator, r.game) for r in roots] == [(emulator, game)]


def test_a_folder_of_many_games(dumps):
    roots = find_dump_roots(dumps)
    assert {(r.emulator, r.game) for r in roots} == {
        ("gliden64", "SUPER MARIO 64"), ("rice", "ZELDA MAJORA'S MASK"), ("duckstation", "SLUS-00594")}


def test_unknown_layout_is_a_clear_error(tmp_path):
    (tmp_path / "x.png").write_bytes(b"")
    with pytest.raises(LayoutError, match="pass --emulator"):
        find_dump_roots(tmp_path)


def test_emulator_override_takes_a_plain_folder(tmp_path):
    roots = find_dump_roots(tmp_path, emulator="gliden64", game="F-ZERO X")
    assert [(r.emulator, r.game, r.path) for r in roots] == [("gliden64", "F-ZERO X", tmp_path)]


def test_rice_pairs_rgb_and_alpha(dumps):
    root = find_dump_roots(dumps / "m64p/texture_dump/ZELDA MAJORA'S MASK")[0]
    res = scan(root)
    assert not res.problems
    rgb = [i for i in res.items if i.key.suffix == "rgb"]
    assert rgb and any(i.alpha_path is not None for i in rgb)
    assert all(i.key.suffix != "a" for i in res.items)


def test_orphan_alpha_and_bad_names_are_problems(tmp_path):
    d = tmp_path / "texture_dump" / "GAME" / "png_by_rgb_a"
    d.mkdir(parents=True)
    (d / "GAME#12345678#0#3_a.png").write_bytes(b"x")
    (d / "notes.txt").write_text("hi")
    res = scan(find_dump_roots(tmp_path)[0])
    reasons = {p.rel: p.reason for p in res.problems}
    assert "without its _rgb" in reasons["png_by_rgb_a/GAME#12345678#0#3_a.png"]
    assert "IDENT" in reasons["png_by_rgb_a/notes.txt"]


def test_old_vram_write_name_is_resolved_by_its_pixels(tmp_path):
    """A legacy {:08X}{:08X} name that splits two ways: the pixels' XXH3-128 picks the right one."""
    import numpy as np

    from texpack.emulators.vramhash import vram_write_hash
    from texpack.imageio import encode_png

    rng = np.random.default_rng(0)
    while True:
        words = rng.integers(0, 0x8000, (128, 128), dtype=np.uint16)  # STP clear
        c = np.stack([(words >> s) & 31 for s in (0, 5, 10)], -1).astype(np.int32)
        rgba = np.empty((128, 128, 4), np.uint8)
        rgba[..., :3] = (c * 527 + 23) >> 6
        rgba[..., 3] = 255  # DumpVRAMWriteForceAlphaChannel=true
        h = vram_write_hash(rgba, stp_from_alpha=False)
        hi, lo = int(h[:16], 16), int(h[16:], 16)
        if h[0] == "0" and h[16] != "0":
            break
    import xxhash

    assert h == xxhash.xxh3_128(words.astype("<u2").tobytes()).hexdigest().upper()
    legacy = f"vram-write-{hi:08X}{lo:08X}.png"
    dumps = tmp_path / "textures" / "SLUS-00001" / "dumps"
    dumps.mkdir(parents=True)
    (dumps / legacy).write_bytes(encode_png(rgba))
    res = scan(find_dump_roots(dumps)[0])
    (prob,) = res.problems
    assert prob.suggestions == (f"vram-write-{h}.png",)
