"""GLideN64 .hts storage: byte layout per specs/n64-formats.md §3.1, read back independently."""

import struct
import zlib

import numpy as np
import pytest

from texpack.build import BuildRequest, build
from texpack.hts import DEFAULT_CONFIG, read_hts, write_hts
from texpack.imageio import encode_png, load_rgba

from .conftest import EXAMPLES


def test_layout_byte_by_byte(tmp_path):
    game = tmp_path / "GAME"
    game.mkdir()
    a = np.random.default_rng(0).integers(0, 256, (2, 3, 4), dtype=np.uint8)
    (game / "GAME#11223344#0#2_all.png").write_bytes(encode_png(a))
    (game / "GAME#55667788#2#1#99AABBCC_ciByRGBA.png").write_bytes(encode_png(a[:1]))
    (game / "GAME#12345678#0#2_rgb.png").write_bytes(encode_png(a))  # not stored
    n, skipped = write_hts(game, "GAME", tmp_path / "GAME_HIRESTEXTURES.hts", compress=False)
    assert n == 2 and len(skipped) == 1
    b = (tmp_path / "GAME_HIRESTEXTURES.hts").read_bytes()
    version, config, pos = struct.unpack_from("<iiq", b, 0)
    assert (version, config) == (0x08000000, 0x40A20000) and pos > 16
    (count,) = struct.unpack_from("<i", b, pos)
    assert count == 2 and len(b) == pos + 4 + 16 * count
    index = dict(struct.unpack_from("<Qq", b, pos + 4 + 16 * i) for i in range(count))
    assert set(index) == {0x11223344, 0x99AABBCC << 32 | 0x55667788}
    off = index[0x11223344] & ((1 << 48) - 1)
    assert index[0x11223344] >> 48 == 0 | 2 << 8  # fmt 0, siz 2
    assert index[0x99AABBCC << 32 | 0x55667788] >> 48 == 2 | 1 << 8
    w, h, fmt, tfmt, ptype, hires, fs, size = struct.unpack_from("<IIIHHBHI", b, off)
    assert (w, h, fmt, tfmt, ptype, hires, fs, size) == (3, 2, 0x8058, 0x1908, 0x1401, 1, 0x0200, 24)
    assert b[off + 23 : off + 23 + 24] == a.tobytes()  # 23-byte packed record header, then RGBA8


def test_compressed_round_trip_and_intensity_rule(tmp_path):
    game = tmp_path / "G"
    game.mkdir()
    i_tex = np.full((4, 4, 4), 255, np.uint8)
    i_tex[..., :3] = 90  # an I texture PNG without alpha: GLideN64 sets alpha from intensity
    (game / "G#00000001#4#1_all.png").write_bytes(encode_png(i_tex))
    n, _ = write_hts(game, "G", tmp_path / "G_HIRESTEXTURES.hts")
    config, entries = read_hts(tmp_path / "G_HIRESTEXTURES.hts")
    assert n == 1 and config == DEFAULT_CONFIG
    (e,) = entries
    assert (e.key, e.fmt, e.siz) == (1, 4, 1) and (e.rgba[..., 3] == 90).all()
    raw = (tmp_path / "G_HIRESTEXTURES.hts").read_bytes()
    fmt = struct.unpack_from("<I", raw, 16 + 8)[0]
    assert fmt == 0x80008058  # GL_TEXFMT_GZ | GL_RGBA8: a zlib stream follows
    zlib.decompress(raw[16 + 23 : 16 + 23 + struct.unpack_from("<I", raw, 16 + 19)[0]])


def test_build_hts_matches_the_png_pack(tmp_path):
    build(BuildRequest(EXAMPLES / "gliden64", tmp_path, model="nearest", hts=True))
    hts = tmp_path / "cache" / "TEXPACK DEMO_HIRESTEXTURES.hts"
    _, entries = read_hts(hts)
    pngs = sorted((tmp_path / "hires_texture" / "TEXPACK DEMO").iterdir())
    assert len(entries) == len(pngs)
    by_key = {(e.key, e.fmt, e.siz): e for e in entries}
    from texpack.emulators.n64names import parse_n64_name
    from texpack.hts import checksum_key

    for p in pngs:
        k = parse_n64_name(p.name, "TEXPACK DEMO")
        e = by_key[(checksum_key(k), k.fmt, k.siz)]
        assert np.array_equal(e.rgba, load_rgba(p))


def test_empty_pack_is_an_error(tmp_path):
    from texpack.errors import PackError

    (tmp_path / "E").mkdir()
    with pytest.raises(PackError, match="no textures"):
        write_hts(tmp_path / "E", "E", tmp_path / "E_HIRESTEXTURES.hts")
