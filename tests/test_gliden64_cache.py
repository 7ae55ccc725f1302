"""GLideN64 caches: byte layout of .hts and .htc (TxFileStorage / TxMemoryCache), the config
word from GLideN64's settings, zlib and zstd records, and extract round trips."""

import gzip
import struct
import zlib

import numpy as np
import pytest

from texpack.build import BuildRequest, build
from texpack.emulators.n64names import parse_n64_name
from texpack.errors import PackError, UsageError
from texpack.extract import extract
from texpack.imageio import encode_png, load_rgba
from texpack.session import GameOptions
from texpack.targets.gliden64_cache import CacheError, GLideN64Settings, loader_pixels, read_cache, write_htc, write_hts

from .conftest import EXAMPLES


def game_with(tmp_path, files):
    game = tmp_path / "GAME"
    game.mkdir()
    for name, px in files.items():
        (game / name).write_bytes(encode_png(px))
    return game


def test_hts_layout_byte_by_byte(tmp_path):
    a = np.random.default_rng(0).integers(0, 256, (2, 3, 4), dtype=np.uint8)
    game = game_with(tmp_path, {"GAME#11223344#0#2_all.png": a, "GAME#55667788#2#1#99AABBCC_ciByRGBA.png": a[:1].repeat(4, 0), "GAME#12345678#0#2_rgb.png": a})
    settings = GLideN64Settings(txHiresTextureFileStorage=1, txCacheCompression=0)
    n, skipped = write_hts(game, "GAME", tmp_path / "GAME_HIRESTEXTURES.hts", settings)
    assert n == 2 and len(skipped) == 1
    b = (tmp_path / "GAME_HIRESTEXTURES.hts").read_bytes()
    version, config, pos = struct.unpack_from("<iiq", b, 0)
    assert (version, config) == (0x08000000, 0x40220000) and pos > 16  # .hts without compression
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


def test_htc_layout_is_a_gzip_stream_of_keyed_records(tmp_path):
    a = np.random.default_rng(1).integers(0, 256, (4, 2, 4), dtype=np.uint8)
    game = game_with(tmp_path, {"GAME#0000ABCD#3#1_all.png": a})
    n, _ = write_htc(game, "GAME", tmp_path / "GAME_HIRESTEXTURES.htc")
    raw = gzip.decompress((tmp_path / "GAME_HIRESTEXTURES.htc").read_bytes())
    version, config, key = struct.unpack_from("<iiQ", raw, 0)
    assert (version, config, key) == (0x08000000, 0x40820000, 0xABCD)  # GLideN64's defaults: .htc
    w, h, fmt, _, _, _, fs, size = struct.unpack_from("<IIIHHBHI", raw, 16)
    assert (w, h, fmt, fs) == (2, 4, 0x80008058, 3 | 1 << 8)
    assert zlib.decompress(raw[16 + 23 : 16 + 23 + size]) == a.tobytes() and n == 1


@pytest.mark.parametrize("settings,hts,htc", [
    ([], 0x40A20000, 0x40820000),
    (["txCacheCompression=0"], 0x40220000, 0x40020000),
    (["txHiresFullAlphaChannel=0"], 0x00A20000, 0x00820000),
])
def test_config_words_follow_the_settings(settings, hts, htc):
    s = GLideN64Settings.parse(settings)
    assert (s.config(True), s.config(False)) == (hts, htc)


@pytest.mark.parametrize("bad", ["txForce16bpp=1", "txHiresEnable=0", "txSomething=1", "txCacheCompression=2", "noequals"])
def test_settings_that_cannot_work_are_refused(bad):
    with pytest.raises(UsageError):
        GLideN64Settings.parse([bad])


def test_full_alpha_off_rule_and_intensity_rule():
    px = np.zeros((3, 3, 4), np.uint8)
    px[..., :3] = 200
    px[..., 3] = 255
    px[1, 1] = (0, 0, 0, 100)  # semi-transparent: becomes hidden, coloured from its 8 opaque neighbours
    out = loader_pixels(px, 0, 2, full_alpha=False)
    assert tuple(out[1, 1]) == (200, 200, 200, 0) and (out[0, 0] == (200, 200, 200, 255)).all()
    assert (loader_pixels(px, 0, 2, full_alpha=True) == px).all()
    i_tex = np.full((4, 4, 4), 255, np.uint8)
    i_tex[..., :3] = 90
    assert (loader_pixels(i_tex, 4, 1)[..., 3] == 90).all()


def test_zstd_records_and_stream_are_read(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    a = np.random.default_rng(2).integers(0, 256, (5, 4, 4), dtype=np.uint8)
    data = zstandard.ZstdCompressor().compress(a.tobytes())
    rec = struct.pack("<IIIHHBHI", 4, 5, 0x80008058, 0x1908, 0x1401, 1, 0 | 2 << 8, len(data)) + data
    body = struct.pack("<iiq", 0x08000000, 0x40A20000, 16 + len(rec)) + rec + struct.pack("<iQq", 1, 0x1234, (2 << 8) << 48 | 16)
    (tmp_path / "Z_HIRESTEXTURES.hts").write_bytes(body)
    config, kind, (e,) = read_cache(tmp_path / "Z_HIRESTEXTURES.hts")
    assert kind == "hts" and (e.key, e.fmt, e.siz) == (0x1234, 0, 2) and np.array_equal(e.rgba, a)
    stream = struct.pack("<iiQ", 0x08000000, 0x40820000, 0x1234) + rec
    (tmp_path / "Z_HIRESTEXTURES.htc").write_bytes(zstandard.ZstdCompressor().compress(stream))
    config, kind, (e,) = read_cache(tmp_path / "Z_HIRESTEXTURES.htc")
    assert kind == "htc" and config == 0x40820000 and np.array_equal(e.rgba, a)


@pytest.mark.parametrize("damage", ["truncated", "huge-record", "bad-version", "unfinished"])
def test_damaged_caches_are_named_not_crashed(tmp_path, damage):
    a = np.zeros((4, 4, 4), np.uint8)
    game = game_with(tmp_path, {"GAME#00000001#0#2_all.png": a})
    p = tmp_path / "GAME_HIRESTEXTURES.hts"
    write_hts(game, "GAME", p)
    b = bytearray(p.read_bytes())
    if damage == "truncated":
        b = b[:40]
    elif damage == "huge-record":
        struct.pack_into("<I", b, 16 + 19, 0x7FFFFFFF)
    elif damage == "bad-version":
        struct.pack_into("<i", b, 0, 7)
    else:
        struct.pack_into("<i", b, 4, -1)
    p.write_bytes(bytes(b))
    with pytest.raises(CacheError):
        read_cache(p)


def test_build_writes_both_caches_matching_the_png_pack_and_extract_round_trips(tmp_path):
    (r,) = build(BuildRequest(dump=EXAMPLES / "gliden64", out=tmp_path, options=GameOptions(model="nearest"), gliden64_cache=True))
    assert any("txHiresTextureFileStorage" in n for n in r.notes)
    pack = tmp_path / "hires_texture" / "TEXPACK DEMO"
    pngs = {p.name: load_rgba(p) for p in pack.iterdir()}
    for ext in ("hts", "htc"):
        cache = tmp_path / "cache" / f"TEXPACK DEMO_HIRESTEXTURES.{ext}"
        _, _, entries = read_cache(cache)
        assert len(entries) == len(pngs)
        out = extract(cache, tmp_path / f"x-{ext}")
        got = {p.name: load_rgba(p) for p in out.files}
        assert set(got) == set(pngs)  # the same names
        for name, px in pngs.items():
            k = parse_n64_name(name, "TEXPACK DEMO")
            assert np.array_equal(got[name], loader_pixels(px, k.fmt, k.siz))  # the same pixels


def test_empty_pack_is_an_error(tmp_path):
    (tmp_path / "E").mkdir()
    with pytest.raises(PackError, match="no textures"):
        write_hts(tmp_path / "E", "E", tmp_path / "E_HIRESTEXTURES.hts")
    assert not (tmp_path / "E_HIRESTEXTURES.hts").exists()
