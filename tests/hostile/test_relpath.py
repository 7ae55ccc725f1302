"""One rule for outside paths (texpack/relpath.py), and every caller refusing by it alike:
the pack state's rows, the review page's files, install's members and game folders."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from texpack.errors import PackError
from texpack.imageio import encode_png
from texpack.install import install
from texpack.pipeline.ledger import rel_problem as ledger_problem
from texpack.relpath import name_problem, rel_problem
from texpack.review.files import PathRefused, ReviewFiles
from texpack.targets import get_target

GOOD = ["a.png", "GAME/a b.png", "GAME/sub/G#1#0#2_all.png", "x/..a/b..", "x/.hidden", "x/\udcff.png"]
BAD = ["", "/etc/passwd", "a\0b", "a\\b", "..\\a", "C:/x", "C:x", "a//b", "a/", "./a", "a/./b", "a/..", "../a", "x/../../a"]


@pytest.mark.parametrize("rel", GOOD)
def test_plain_relative_paths_pass(rel):
    assert rel_problem(rel) is None


@pytest.mark.parametrize("rel", BAD)
def test_other_paths_are_refused_with_a_reason(rel):
    why = rel_problem(rel)
    assert why and "\n" not in why


@pytest.mark.parametrize("name,ok", [("GAME", True), ("TEXPACK DEMO", True), ("a/b", False), ("..", False), ("", False), ("a\0", False), ("a\\b", False)])
def test_names_are_one_part(name, ok):
    assert (name_problem(name) is None) == ok


@pytest.mark.parametrize("rel", [r for r in BAD if ":" not in r])  # a drive counts only at the start
def test_the_pack_state_refuses_what_the_rule_refuses(rel):
    assert ledger_problem(f"hires_texture/GAME/{rel}", "hires_texture/GAME") is not None


@pytest.mark.parametrize("rel", BAD)
def test_the_review_page_refuses_what_the_rule_refuses(tmp_path, rel):
    (tmp_path / "a.png").write_bytes(encode_png(np.zeros((4, 4, 4), np.uint8)))
    files = ReviewFiles({"pack": tmp_path})
    assert files.resolve("pack", "a.png") == (tmp_path / "a.png").resolve()
    with pytest.raises(PathRefused):
        files.resolve("pack", rel)


@pytest.mark.parametrize("game", ["..", "a/b", "a\\b", "", "a\0"])
def test_game_ids_that_are_not_one_folder_name_are_refused(tmp_path, game):
    with pytest.raises(PackError):
        get_target("gliden64").game_dir(tmp_path, game)


def test_install_refuses_members_the_rule_refuses_and_installs_the_rest(tmp_path):
    png = encode_png(np.full((4, 4, 4), 7, np.uint8))
    pack = tmp_path / "pack.zip"
    odd = ["hires_texture/GAME//G#00000002#0#2_all.png", "hires_texture/GAME/./G#00000003#0#2_all.png",
           "hires_texture/GAME/../G#00000004#0#2_all.png", "hires_texture/GAME\\G#00000005#0#2_all.png"]
    with zipfile.ZipFile(pack, "w") as z:
        z.writestr("hires_texture/GAME/G#00000001#0#2_all.png", png)
        for name in odd:
            z.writestr(zipfile.ZipInfo(name), png)
    into = tmp_path / "load"
    rep = install(pack, into)
    assert rep.added == ["hires_texture/GAME/G#00000001#0#2_all.png"]
    assert sorted(rel for rel, _ in rep.failed) == sorted(odd)
    assert sorted(p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()) == rep.added
    assert not (tmp_path / "G#00000004#0#2_all.png").exists() and not Path(into / "hires_texture" / "G#00000004#0#2_all.png").exists()
