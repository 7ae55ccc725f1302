"""A whole new console family in one module: a fake emulator's dumps and a fake loader's packs.

"FakeEmu" dumps ``<GAME>/fakedumps/tex-<16 hex>.png``; the "FakeLoader" target loads
``fake_textures/<GAME>/<HEX>.png``. Nothing else in texpack knows of them: ``registered()``
puts both into the registries for one ``with`` block, and tests/test_fake_family.py shows that
scan, build, check, install and review then work for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from texpack import fswalk
from texpack.alpha_modes import AlphaMode
from texpack.emulators import EMULATORS, DumpRoot, Emulator, TextureName
from texpack.emulators.facts import MatchKey, NameFacts
from texpack.errors import DumpNameError
from texpack.targets import TARGETS, CheckResult, Target

FAMILY = "fake"
DUMP_NAME = re.compile(r"tex-([0-9A-Fa-f]{16})\.png")
PACK_NAME = re.compile(r"([0-9A-F]{16})\.png")


@dataclass(frozen=True, slots=True)
class FakeName:
    hash: str

    def facts(self) -> NameFacts:
        return NameFacts(group="FAKE", kind="tex", hashes=(self.hash,), match={"layer": "tex"}, fields={"hash": self.hash})

    def alpha_mode(self) -> AlphaMode:
        return AlphaMode.GRADED

    def format(self) -> str:
        return f"tex-{self.hash}.png"


def _root_at(folder: Path) -> list[tuple[str, Path]]:
    if folder.name == "fakedumps" and folder.is_dir():
        return [(folder.parent.name, folder)]
    if (folder / "fakedumps").is_dir():
        return [(folder.name, folder / "fakedumps")]
    return []


def _parse(name: str, game: str) -> FakeName:
    m = DUMP_NAME.fullmatch(name)
    if m is None:
        raise DumpNameError(name, "not a FakeEmu dump name (tex-<16 hex digits>.png)")
    return FakeName(m.group(1).upper())


EMULATOR = Emulator("fakeemu", FAMILY, "FakeEmu (fakedumps/)", _root_at, fswalk.list_files, _parse,
                    match_keys={"layer": MatchKey(("tex", "sky"), "FakeEmu texture layer")})


class FakeLoader(Target):
    id = "fakeloader"
    title = "FakeLoader"
    family = FAMILY
    load_root = "fake_textures"
    pack_hint = "fake_textures/<GAME>/"

    def game_rel(self, game: str) -> str:
        return f"fake_textures/{game}"

    def output_name(self, key: TextureName, file_name: str) -> str:
        if not isinstance(key, FakeName):
            raise DumpNameError(file_name, "only FakeEmu textures go into a FakeLoader pack")
        return f"{key.hash}.png"

    def default_load_dir(self, root: DumpRoot) -> tuple[Path, str]:
        return Path(root.path).parent.parent, "beside the game's dump folder"

    def check(self, game: str, folder: Path, dump: Path | None = None) -> CheckResult:
        res = CheckResult(self.id, game, folder)
        for p in fswalk.list_files(folder).files:
            rel = p.relative_to(folder).as_posix()
            if PACK_NAME.fullmatch(p.name) is None:
                res.add("error", rel, "FakeLoader loads only <16 upper-case hex digits>.png")
                continue
            res.files += 1
            with Image.open(p) as im:
                if im.width % 4 or im.height % 4:
                    res.add("warning", rel, f"{im.width}x{im.height} is not a whole scale of a FakeEmu texture")
        return res


TARGET = FakeLoader()


@contextmanager
def registered() -> Iterator[None]:
    """FakeEmu and FakeLoader in the registries inside the block, gone after it."""
    with EMULATORS.extended(EMULATOR), TARGETS.extended(TARGET):
        yield
