import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from texpack.atomic import TMP_PREFIX, remove_temps, write_atomic
from texpack.errors import ImageError, PackError
from texpack.imageio import decode_rgba, encode_png


def png(im: Image.Image, **kw) -> bytes:
    b = io.BytesIO()
    im.save(b, "PNG", **kw)
    return b.getvalue()


def test_rgba_round_trip():
    a = np.random.default_rng(1).integers(0, 256, (5, 7, 4), dtype=np.uint8)
    assert np.array_equal(decode_rgba(encode_png(a), "x.png"), a)


def test_16bit_grey_keeps_high_byte():
    v = np.array([[0, 0x1234, 0xFFFF, 0x8000]], np.uint16)
    out = decode_rgba(png(Image.fromarray(v)), "g16.png")
    assert out[0, :, 0].tolist() == [0x00, 0x12, 0xFF, 0x80] and (out[..., 3] == 255).all()


def test_palette_with_transparency():
    im = Image.new("P", (2, 1))
    im.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    im.putpixel((0, 0), 0)
    im.putpixel((1, 0), 1)
    out = decode_rgba(png(im, transparency=0), "p.png")
    assert out[0, 0].tolist() == [255, 0, 0, 0] and out[0, 1].tolist() == [0, 255, 0, 255]


@pytest.mark.parametrize("mode,value,expect", [("L", 77, [77, 77, 77, 255]), ("LA", (77, 10), [77, 77, 77, 10]), ("RGB", (1, 2, 3), [1, 2, 3, 255])])
def test_grey_and_rgb_expand(mode, value, expect):
    out = decode_rgba(png(Image.new(mode, (3, 2), value)), "x.png")
    assert out.shape == (2, 3, 4) and out[1, 2].tolist() == expect


def test_16bit_rgba_is_built():
    # A real 16-bit RGBA PNG written by hand (Pillow cannot write one).
    w, h = 2, 1
    raw = b"\x00" + struct.pack(">8H", 0xFFFF, 0x8000, 0, 0xFFFF, 0x1200, 0x3400, 0x5600, 0x7800)
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 6, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    out = decode_rgba(data, "rgba16.png")
    assert out.tolist() == [[[255, 128, 0, 255], [0x12, 0x34, 0x56, 0x78]]]


@pytest.mark.parametrize(
    "data,why",
    [
        (b"", "empty file"),
        (b"hello, this is text", "not a PNG"),
        (encode_png(np.zeros((64, 64, 4), np.uint8))[:60], "cannot decode"),
    ],
)
def test_broken_files_raise_one_line_errors(data, why):
    with pytest.raises(ImageError) as e:
        decode_rgba(data, "bad.png")
    assert why in str(e.value) and "bad.png" in str(e.value) and "\n" not in str(e.value)


def test_decompression_bomb_is_refused_before_decoding():
    # IHDR claims 100000 x 100000; there is no pixel data at all.
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 6, 0, 0, 0)) + chunk(b"IEND", b"")
    with pytest.raises(ImageError, match="decompression bomb"):
        decode_rgba(data, "bomb.png")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_random_bytes(data):
    try:
        out = decode_rgba(b"\x89PNG\r\n\x1a\n" + data, "f.png")
    except ImageError:
        return
    assert out.dtype == np.uint8 and out.shape[2] == 4


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 200), st.integers(0, 255))
def test_fuzz_corrupted_real_png(pos, byte):
    data = bytearray(encode_png(np.random.default_rng(0).integers(0, 256, (8, 8, 4), dtype=np.uint8)))
    data[pos % len(data)] = byte
    try:
        decode_rgba(bytes(data), "c.png")
    except ImageError:
        pass


def test_atomic_write_and_temp_cleanup(tmp_path):
    p = tmp_path / "a" / "x.png"
    write_atomic(p, b"one")
    write_atomic(p, b"two")
    assert p.read_bytes() == b"two"
    assert [q.name for q in p.parent.iterdir()] == ["x.png"]
    (p.parent / f"{TMP_PREFIX}123-y.png").write_bytes(b"partial")
    assert remove_temps(tmp_path) == 1


def test_write_into_readonly_folder_is_a_pack_error(tmp_path):
    import os
    if os.geteuid() == 0:
        target = tmp_path / "file-not-dir"
        target.write_text("x")
        with pytest.raises(PackError, match="cannot write"):
            write_atomic(target / "x.png", b"data")
        return
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    with pytest.raises(PackError, match="cannot write"):
        write_atomic(d / "x.png", b"data")
