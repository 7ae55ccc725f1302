import pytest
from hypothesis import given
from hypothesis import strategies as st

from texpack.alpha_modes import AlphaMode
from texpack.emulators.psxnames import MODES, PsxTextureName, VramWriteName, legacy_vram_write_candidates, parse_psx_name, parse_psx_title
from texpack.errors import DumpNameError

VALID = [
    "texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-14",
    "texupload-P8-0123456789ABCDEF-FEDCBA9876543210-128x256-10-20-32x16-P3-200",
    "texupload-C16-0123456789ABCDEF-256x256-0-0-256x256",
    "texupload-STP4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-4-8-16x16-P0-15",
    "texupload-STP8-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-128x256-0-0-16x16-P0-255",
    "texupload-STC16-AAAAAAAAAAAAAAAA-1024x512-100-7-320x240",
    "texpage-P4-0000000000000000-0000000000000000-64x256-0-0-256x256-P0-15",
    "texpage-C16-abcdefabcdefabcd-256x256-8-8-16x16",
    "vram-write-0782942B76F5D3982FF25D1C49784881",
    "vram-write-00000000000000000000000000000000",
]

INVALID = [
    ("texupload-P5-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-14", "unknown mode"),
    ("texupload-P4-AAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-14", "not 16 hex digits"),
    ("texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-14", "not 16 hex digits"),
    # DuckStation's own parser refuses each of these (gpu_hw_texture_cache.cpp Parse):
    ("texupload-P4-AAAAAAAAAAAAAAAA-64x256-0-192-64x64", "palette hash '64x256' is not 16 hex digits"),
    ("texupload-C16-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-256x256-0-0-16x16", "is not a number"),
    ("texupload-P8-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P9-3", "runs backwards"),
    ("texupload-P8-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-256", "larger than 255"),
    ("texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-0x64-P0-3", "width is 0"),
    ("texupload-C16-0123456789ABCDEF-0x256-0-0-16x16", "source width is 0"),
    ("texupload-C16-0123456789ABCDEF-256x0-0-0-16x16", "source height is 0"),
    ("texupload-C16-0123456789ABCDEF-70000x64-0-0-16x16", "larger than 65535"),
    ("texupload-C16-0123456789ABCDEF-64x64-65536-0-16x16", "larger than 65535"),
    ("texupload-C16-0123456789ABCDEF-64x64-0-0-x16", "no 'x' after the width"),
    ("texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-Q0-3", "palette range"),
    ("texupload-C16-ZZZZZZZZZZZZZZZZ-64x64-0-0-16x16", "not 16 hex digits"),
    ("texture-P4-AAAAAAAAAAAAAAAA", "does not start with"),
    ("vram-write-XYZ", "non-hex"),
    ("vram-write-0782942B76F5D398", "old DuckStation"),
    ("vram-write-0782942B76F5D3982FF25D1C4978488100", "expected 32"),
    ("vram-write-12345", "expected 32"),
]


@pytest.mark.parametrize("title", VALID)
def test_valid_titles_round_trip(title):
    n = parse_psx_title(title)
    assert n.format() == title
    assert parse_psx_name(title + ".png").format() == title


def test_fields():
    n = parse_psx_title(VALID[0])
    assert isinstance(n, PsxTextureName)
    assert (n.type, n.mode, n.src_w, n.src_h, n.off_x, n.off_y, n.width, n.height, n.pal_min, n.pal_max) == (
        "texupload", "P4", 64, 256, 0, 192, 64, 64, 0, 14)
    assert n.alpha_mode() is AlphaMode.BINARY_CLEAR
    assert parse_psx_title(VALID[3]).alpha_mode() is AlphaMode.TERNARY
    v = parse_psx_title(VALID[8])
    assert isinstance(v, VramWriteName) and len(v.format()) == 43


# Names DuckStation loads although they look wrong, and what texpack says about each.
ODD = [
    ("texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-064x256-0-192-64x64-P0-3", "leading zeros", "texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-3"),
    ("texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-14 (1)",
     "second file for texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-14",
     "texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-14"),
    ("texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-16", "never matches", "texupload-P4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-192-64x64-P0-16"),
    ("texupload-C16-AAAAAAAAAAAAAAAA-256x256-0-0-16x16-P0-15", "trailing text '-P0-15'", "texupload-C16-AAAAAAAAAAAAAAAA-256x256-0-0-16x16"),
    ("texupload-C16-0123456789ABCDEZ-256x256-0-0-16x16", "can never match", "texupload-C16-00123456789ABCDE-256x256-0-0-16x16"),
]


@pytest.mark.parametrize("title,why,canonical", ODD)
def test_names_duckstation_reads_differently(title, why, canonical):
    n = parse_psx_title(title)
    assert n.format() == title  # copied byte for byte
    assert any(why in o for o in n.oddities), n.oddities
    assert n.canonical() == canonical


def test_canonical_names_have_no_oddities():
    for t in VALID:
        assert parse_psx_title(t).oddities == ()


@pytest.mark.parametrize("title,why", INVALID)
def test_invalid_titles_say_why(title, why):
    with pytest.raises(DumpNameError) as e:
        parse_psx_title(title)
    assert why in e.value.reason


def test_extension_is_checked():
    with pytest.raises(DumpNameError, match="extension"):
        parse_psx_name(VALID[0] + ".jpg")
    assert parse_psx_name(VALID[0] + ".webp", extensions=("png", "jpg", "webp")).format() == VALID[0]


def test_legacy_vram_write_offers_padded_names():
    # {:08X}{:08X} of hi=0x00000000_1234ABCD and lo=0x0000_0000_DEADBEEF: 16 digits, one split.
    with pytest.raises(DumpNameError) as e:
        parse_psx_title("vram-write-1234ABCDDEADBEEF")
    assert e.value.suggestions == ("vram-write-000000001234ABCD00000000DEADBEEF",)
    assert "rename to" in str(e.value)


def test_legacy_candidates_are_all_valid_current_names():
    for digits in ("1" * 17, "A" * 24, "0123456789ABCDEF0123456789ABCDE"):
        cands = legacy_vram_write_candidates(digits)
        assert cands
        for c in cands:
            assert len(c) == 43 and parse_psx_title(c).format() == c


dec = st.integers(0, 4096).map(str)
size = st.integers(1, 65535).map(str)
hx16 = st.text("0123456789ABCDEF", min_size=16, max_size=16)


@given(st.sampled_from(["texupload", "texpage"]), st.sampled_from(MODES), hx16, hx16, size, size, dec, dec,
       st.integers(1, 1024), st.integers(1, 1024), st.integers(0, 15), st.integers(0, 15))
def test_round_trip_property(typ, mode, h1, h2, sw, sh, ox, oy, w, h, a, b):
    lo, hi = min(a, b), max(a, b)
    if mode.endswith("C16"):
        title = f"{typ}-{mode}-{h1}-{sw}x{sh}-{ox}-{oy}-{w}x{h}"
    else:
        title = f"{typ}-{mode}-{h1}-{h2}-{sw}x{sh}-{ox}-{oy}-{w}x{h}-P{lo}-{hi}"
    assert parse_psx_title(title).format() == title


@given(st.text(max_size=120))
def test_random_strings_never_crash(s):
    try:
        n = parse_psx_title(s)
    except DumpNameError:
        return
    assert n.format() == s


@given(st.text("texuplodagvrmwiP0123456789ABCDEF-x", max_size=100))
def test_near_miss_strings_never_crash(s):
    try:
        parse_psx_title(s)
    except DumpNameError:
        pass
