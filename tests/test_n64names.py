import pytest
from hypothesis import given
from hypothesis import strategies as st

from texpack.alpha_modes import AlphaMode
from texpack.emulators import gliden64, rice
from texpack.emulators.n64names import SUFFIXES, parse_n64_name
from texpack.errors import DumpNameError

VALID = [
    # (name, ident, crc, fmt, siz, pal, suffix)
    ("MARIOKART64#D050AF5B#0#2_all.png", "MARIOKART64", "D050AF5B", 0, 2, None, "all"),
    ("MARIOKART64#06F31319#2#1#0FFC0004_ciByRGBA.png", "MARIOKART64", "06F31319", 2, 1, "0FFC0004", "ciByRGBA"),
    ("SUPER MARIO 64#0E654C89#4#0_all.png", "SUPER MARIO 64", "0E654C89", 4, 0, None, "all"),
    ("ZELDA MAJORA'S MASK#12345678#3#1_all.png", "ZELDA MAJORA'S MASK", "12345678", 3, 1, None, "all"),
    ("F-ZERO X#ABCDEF01#0#3_all.png", "F-ZERO X", "ABCDEF01", 0, 3, None, "all"),
    ("THE LEGEND OF ZELDA#00000001#2#0#00000000_ciByRGBA.png", "THE LEGEND OF ZELDA", "00000001", 2, 0, "00000000", "ciByRGBA"),
    ("GAME#DEADBEEF#0#0#11223344_allciByRGBA.png", "GAME", "DEADBEEF", 0, 0, "11223344", "allciByRGBA"),
    # Real dumps of Ocarina of Time, Majora's Mask and the Banjo games hold CRC 0 names:
    # a valid dump name; whether a loader uses it is the pack target's call.
    ("THE LEGEND OF ZELDA#00000000#0#2_all.png", "THE LEGEND OF ZELDA", "00000000", 0, 2, None, "all"),
]

INVALID = [
    ("MARIOKART64#D050AF5#0#2_all.png", "not 8 hex digits"),
    ("MARIOKART64#D050AF5G#0#2_all.png", "not 8 hex digits"),
    ("MARIOKART64#D050AF5B#5#2_all.png", "not an N64 texture format"),
    ("MARIOKART64#D050AF5B#0#4_all.png", "not an N64 texture size"),
    ("MARIOKART64#D050AF5B#00#2_all.png", "not one digit"),
    ("MARIOKART64#D050AF5B#0#2_foo.png", "unknown suffix"),
    ("MARIOKART64#D050AF5B#0#2_all.bmp", "must end in .png"),
    ("MARIOKART64#D050AF5B#0#2.png", "expected IDENT#CRC"),
    ("MARIOKART64#$#0#2#12345678_all.png", "wildcard"),
    ("MARIOKART64#12345678#0#2#$_all.png", "wildcard"),
    ("MARIOKART64#12345678#0#2#1234567_ciByRGBA.png", "palette CRC"),
    ("#12345678#0#2_all.png", "no IDENT"),
    ("readme.txt", "no IDENT"),
]


@pytest.mark.parametrize("name,ident,crc,fmt,siz,pal,suffix", VALID)
def test_valid_names_parse_and_round_trip(name, ident, crc, fmt, siz, pal, suffix):
    n = parse_n64_name(name)
    assert (n.ident, n.crc, n.fmt, n.siz, n.pal, n.suffix) == (ident, crc, fmt, siz, pal, suffix)
    assert n.format() == name
    assert parse_n64_name(name, ident).format() == name


@pytest.mark.parametrize("name,why", INVALID)
def test_invalid_names_say_why(name, why):
    with pytest.raises(DumpNameError) as e:
        parse_n64_name(name)
    assert why in e.value.reason
    assert name in str(e.value)


def test_ident_must_prefix_the_name():
    with pytest.raises(DumpNameError, match="does not begin with the game's IDENT"):
        parse_n64_name("MARIOKART64#D050AF5B#0#2_all.png", "SUPER MARIO 64")


def test_ident_with_hash_sign_parses_when_known():
    n = parse_n64_name("A#B#12345678#0#2_all.png", "A#B")
    assert n.ident == "A#B" and n.format() == "A#B#12345678#0#2_all.png"


def test_wildcards_only_in_packs():
    n = parse_n64_name("GAME#$#2#1#12345678_ciByRGBA.png", allow_wildcards=True)
    assert n.crc == "$" and n.crc_value is None and n.pal_value == 0x12345678
    assert parse_n64_name("GAME#12345678#2#1#$_ciByRGBA.png", allow_wildcards=True).pal == "$"


def test_emulator_suffix_sets():
    gliden64.parse("G#12345678#0#2_all.png", "G")
    with pytest.raises(DumpNameError):
        gliden64.parse("G#12345678#0#2_rgb.png", "G")  # GLideN64 never dumps _rgb
    rice.parse("G#12345678#0#2_rgb.png", "G")
    rice.parse("G#12345678#2#1_ci.bmp", "G")
    with pytest.raises(DumpNameError):
        gliden64.parse("G#12345678#2#1_ci.bmp", "G")


@pytest.mark.parametrize(
    "fmt,siz,mode",
    [(0, 2, AlphaMode.BINARY), (3, 0, AlphaMode.BINARY), (0, 3, AlphaMode.GRADED), (3, 1, AlphaMode.GRADED),
     (3, 2, AlphaMode.GRADED), (4, 0, AlphaMode.INTENSITY), (4, 1, AlphaMode.INTENSITY), (2, 1, AlphaMode.AUTO)],
)
def test_alpha_rule_per_format(fmt, siz, mode):
    assert parse_n64_name(f"G#12345678#{fmt}#{siz}_all.png").alpha_mode() is mode


hexd = st.text("0123456789ABCDEFabcdef", min_size=8, max_size=8).filter(lambda s: int(s, 16) != 0)
ident = st.text(st.characters(blacklist_characters="#/\\:\x00", min_codepoint=32, max_codepoint=126), min_size=1, max_size=20)
suffix = st.sampled_from([(s, e) for s, exts in SUFFIXES.items() for e in exts])


@given(ident, hexd, st.integers(0, 4), st.integers(0, 3), st.none() | hexd, suffix)
def test_round_trip_property(ident, crc, fmt, siz, pal, suf):
    name = f"{ident}#{crc}#{fmt}#{siz}{'' if pal is None else '#' + pal}_{suf[0]}.{suf[1]}"
    assert parse_n64_name(name, ident).format() == name


@given(st.text(max_size=80))
def test_random_strings_never_crash(s):
    try:
        n = parse_n64_name(s)
    except DumpNameError:
        return
    assert n.format() == s
