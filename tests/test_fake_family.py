"""A console family texpack has never heard of, added in one module (tests/fake_family.py):
scan, build (with a distributable zip), check, install, review and the CLI work for it, and
the registries are as shipped again afterwards."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from starlette.testclient import TestClient

from texpack.build import BuildRequest, build
from texpack.check import check
from texpack.cli import main
from texpack.emulators import EMULATORS, find_dump_roots
from texpack.errors import ProfileError
from texpack.install import install, pack_families
from texpack.profile import load_profile
from texpack.report import Status
from texpack.review.server import make_app
from texpack.review.service import ReviewService
from texpack.scan import scan
from texpack.session import GameOptions
from texpack.targets import TARGETS

from . import fake_family

HASHES = ("0123456789ABCDEF", "FEDCBA9876543210")


def _dump(top: Path) -> Path:
    dumps = top / "FAKEGAME" / "fakedumps"
    dumps.mkdir(parents=True)
    rng = np.random.default_rng(5)
    for h, (w, hgt) in zip(HASHES, [(8, 8), (16, 8)], strict=True):
        rgba = rng.integers(0, 256, (hgt, w, 4), dtype=np.uint8)
        Image.fromarray(rgba, "RGBA").save(dumps / f"tex-{h.lower()}.png")
    (dumps / "tex-nothex.png").write_bytes(b"not read: the name is refused first")
    return top / "FAKEGAME"


@pytest.fixture
def fake():
    with fake_family.registered():
        yield
    assert "fakeemu" not in EMULATORS and "fakeloader" not in TARGETS


def test_scan_finds_and_parses_the_new_family(tmp_path, fake):
    game = _dump(tmp_path)
    [root] = find_dump_roots(tmp_path)
    assert (root.emulator, root.game, root.path) == ("fakeemu", "FAKEGAME", game / "fakedumps")
    found = scan(root)
    assert sorted(i.key.hash for i in found.items) == sorted(HASHES)
    assert [p.rel for p in found.problems] == ["tex-nothex.png"] and "FakeEmu dump name" in found.problems[0].reason


def test_build_check_install_and_review_work_for_it(tmp_path, fake):
    _dump(tmp_path / "games")
    out, zips = tmp_path / "pack", tmp_path / "zips"
    [rep] = build(BuildRequest(dump=tmp_path / "games", out=out, zip_dir=zips))
    assert (rep.emulator, rep.target, rep.game) == ("fakeemu", "fakeloader", "FAKEGAME")
    assert rep.counts()[Status.BUILT] == 2 and len(rep.failed) == 1, rep.summary()
    folder = out / "fake_textures" / "FAKEGAME"
    with Image.open(folder / f"{HASHES[1]}.png") as im:
        assert im.size == (64, 32) and im.mode == "RGBA"  # the generic defaults: the default model at 4x

    [res] = check(out)
    assert (res.target, res.game, res.files, res.findings) == ("fakeloader", "FAKEGAME", 2, [])
    (folder / "stray.png").write_bytes(b"x")
    [res] = check(folder)
    assert [f.file for f in res.errors] == ["stray.png"]

    archive = zips / "fakeloader-FAKEGAME.zip"
    assert sorted(zipfile.ZipFile(archive).namelist()) == [f"FAKEGAME/{h}.png" for h in HASHES]
    assert pack_families(archive) == ["fake"]
    data = tmp_path / "emulator-data"
    done = install(archive, data)
    assert sorted(done.added) == [f"fake_textures/FAKEGAME/{h}.png" for h in HASHES] and not done.failed
    assert (data / "fake_textures" / "FAKEGAME" / f"{HASHES[0]}.png").read_bytes() == (folder / f"{HASHES[0]}.png").read_bytes()

    [root] = find_dump_roots(tmp_path / "games")
    client = TestClient(make_app(ReviewService(root, out), "secret", 8765), base_url="http://127.0.0.1:8765")
    rows = client.get("/api/rows", headers={"X-Texpack-Token": "secret"}).json()
    assert rows["emulator"] == "fakeemu" and rows["target"] == "fakeloader" and "FAKE" in rows["facets"]["group"]
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows["rows"]] == [
        ("tex-0123456789abcdef.png", "built", "FAKE", 8, 8), ("tex-fedcba9876543210.png", "built", "FAKE", 16, 8), ("tex-nothex.png", "failed", "?", 0, 0)]
    detail = client.get("/api/row", params={"key": "tex-0123456789abcdef.png"}, headers={"X-Texpack-Token": "secret"}).json()
    assert detail["fields"]["hash"] == HASHES[0]

def test_profiles_match_on_the_new_familys_own_keys(tmp_path, fake):
    _dump(tmp_path / "games")
    profile = tmp_path / "fake.yaml"
    profile.write_text("emulator: fakeemu\nmodel: nearest\nrules:\n  - name: wide layers at 2x\n    match: {layer: tex, width: 16}\n    scale: 2\n")
    [rep] = build(BuildRequest(dump=tmp_path / "games", out=tmp_path / "pack", options=GameOptions(profile=str(profile))))
    folder = tmp_path / "pack" / "fake_textures" / "FAKEGAME"
    sizes = {}
    for h in HASHES:
        with Image.open(folder / f"{h}.png") as im:
            sizes[h] = im.size
    assert sizes == {HASHES[0]: (32, 32), HASHES[1]: (32, 16)}, rep.summary()
    profile.write_text("model: nearest\nrules:\n  - match: {layer: ground}\n    skip: true\n")
    with pytest.raises(ProfileError, match="'ground' is not allowed"):
        load_profile(profile)


def test_the_cli_takes_the_new_ids_as_choices(tmp_path, fake):
    _dump(tmp_path)
    r = CliRunner().invoke(main, ["build", str(tmp_path), "-o", str(tmp_path / "pack"), "--emulator", "fakeemu", "--target", "fakeloader", "--model", "nearest"])
    assert r.exit_code == 1, r.output  # 1: the one refused dump name
    assert (tmp_path / "pack" / "fake_textures" / "FAKEGAME" / f"{HASHES[0]}.png").is_file()
    r = CliRunner().invoke(main, ["check", str(tmp_path / "pack"), "--target", "fakeloader"])
    assert r.exit_code == 0 and "fakeloader pack 'FAKEGAME': 2 textures, 0 errors" in r.output


def test_outside_the_block_the_new_ids_are_unknown(tmp_path):
    _dump(tmp_path)
    r = CliRunner().invoke(main, ["scan", str(tmp_path), "--emulator", "fakeemu"])
    assert r.exit_code == 2 and "fakeemu" in r.output
