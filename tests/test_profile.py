from pathlib import Path

import jsonschema
import pytest
import yaml

from texpack.alpha_modes import AlphaMode, SeamMode
from texpack.emulators.n64names import parse_n64_name
from texpack.emulators.psxnames import parse_psx_title
from texpack.errors import ProfileError
from texpack.profile import json_schema, load_profile
from texpack.resources import data_dir
from texpack.targets import get_target


def write(tmp_path: Path, text: str, name="p.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def problems(path: Path, target: str | None = None) -> list[str]:
    with pytest.raises(ProfileError) as e:
        prof = load_profile(path)
        found = get_target(target).profile_problems(prof) if target else []
        if found:
            raise ProfileError(str(path), found)
    return e.value.problems


def test_every_problem_reported_with_path_and_line(tmp_path):
    p = write(tmp_path, """\
scale: four
alpha: binray
rules:
  - match: {formt: CI8}
    seam: wrap
  - match: {mode: P5}
    skip: maybe
  - name: ok
    scale: 3
modle: x
""")
    got = problems(p)
    assert "scale: must be an integer (line 1)" in got
    assert "alpha: 'binray' is not allowed; did you mean 'binary'? (line 2)" in got
    assert "rules[0].match.formt: unknown key; did you mean 'format'? (line 4)" in got
    assert any(g.startswith("rules[1].match.mode: 'P5' is not allowed") and g.endswith("(line 6)") for g in got)
    assert "rules[1].skip: must be true or false (line 7)" in got
    assert "modle: unknown key; did you mean 'model'? (line 10)" in got
    assert len(got) == 6


def test_rice_needs_power_of_two_scale(tmp_path):
    p = write(tmp_path, "emulator: rice\nscale: 4\nrules:\n  - match: {format: CI8}\n    scale: 4\n  - match: {format: I4}\n    scale: 3\n")
    assert problems(p, "rice") == ["rules[1].scale: must be a power of two for rice (line 7)"]
    assert get_target("gliden64").profile_problems(load_profile(p)) == []  # any scale is fine for GLideN64


def test_duckstation_needs_one_scale(tmp_path):
    p = write(tmp_path, "scale: 4\nrules:\n  - match: {mode: P4}\n    scale: 4\n  - match: {mode: P8}\n    scale: 2\n")
    assert problems(p, "duckstation") == [
        "rules[1].scale: must equal the pack scale 4 for duckstation, which uses one scale per game (line 6)"]


def test_extends_and_rule_order(tmp_path):
    write(tmp_path, "scale: 2\nseam: clamp\nrules:\n  - name: base-ci\n    match: {format: CI8}\n    alpha: binary\n", "base.yaml")
    p = write(tmp_path, "extends: base.yaml\nrules:\n  - name: child-ci\n    match: {format: CI8, width: {min: 32}}\n    alpha: graded\n")
    prof = load_profile(p)
    key = parse_n64_name("G#12345678#2#1#12345678_ciByRGBA.png")
    small = prof.settings_for("x.png", key, 16, 16)
    big = prof.settings_for("x.png", key, 64, 16)
    assert (small.scale, small.seam, small.alpha, small.rules) == (2, SeamMode.CLAMP, AlphaMode.BINARY, ("base-ci",))
    assert big.alpha is AlphaMode.GRADED and big.rules == ("base-ci", "child-ci")


def test_extends_shipped_name_and_loops(tmp_path):
    prof = load_profile(write(tmp_path, "extends: defaults/duckstation\nscale: 2\n"))
    assert prof.base.scale == 2 and prof.rules  # the defaults' backgrounds rule came along
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\n", "b.yaml")
    assert any("loop" in g for g in problems(tmp_path / "a.yaml"))
    assert any("not found" in g for g in problems(write(tmp_path, "extends: nowhere\n", "c.yaml")))


@pytest.mark.parametrize(
    "match,name,key,wh,hit",
    [
        ({"name": ("*#0#2_all.png",)}, "G#12345678#0#2_all.png", "G#12345678#0#2_all.png", (8, 8), True),
        ({"hash": ("12345678",)}, "n", "G#12345678#0#2_all.png", (8, 8), True),
        ({"hash": ("abcdef01",)}, "n", "G#12345678#2#1#ABCDEF01_ciByRGBA.png", (8, 8), True),
        ({"format": ("RGBA16",)}, "n", "G#12345678#0#3_all.png", (8, 8), False),
        ({"format": ("RGBA32",)}, "n", "G#12345678#0#3_all.png", (8, 8), True),
        ({"width": (16, 64), "height": (1, 8)}, "n", "G#12345678#0#3_all.png", (32, 8), True),
        ({"width": (16, 64)}, "n", "G#12345678#0#3_all.png", (8, 8), False),
        ({"mode": ("STP4",)}, "n", "texupload-STP4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-0-16x16-P0-15", (16, 16), True),
        ({"mode": ("P4",)}, "n", "texupload-STP4-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBB-64x256-0-0-16x16-P0-15", (16, 16), False),
        ({"type": ("vram-write",)}, "n", "vram-write-0782942B76F5D3982FF25D1C49784881", (320, 240), True),
    ],
)
def test_rule_matching(match, name, key, wh, hit):
    from texpack.profile import matches

    k = parse_n64_name(key) if "#" in key else parse_psx_title(key)
    assert matches(match, name, k, *wh) is hit


def test_schema_accepts_every_shipped_profile_and_rejects_typos():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    shipped = sorted(data_dir("profiles").rglob("*.yaml"))
    assert len(shipped) >= 4
    for p in shipped:
        jsonschema.validate(yaml.safe_load(p.read_text()), schema)
        load_profile(p)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"scael": 4}, schema)
