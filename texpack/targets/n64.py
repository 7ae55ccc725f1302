"""What GLideN64 and Rice share: ``hires_texture/<IDENT>/``, the N64 name grammar, and the
shape of ``texpack check`` for an N64 pack (docs/formats/n64.md "GLideN64 load side", "Rice load side")."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from texpack import fswalk, platform_dirs
from texpack.emulators.n64names import SUFFIXES, N64Name, parse_n64_name
from texpack.errors import DumpNameError, PackError
from texpack.targets.base import CheckResult, Target
from texpack.targets.checkutil import image_size, scale_of

if TYPE_CHECKING:
    from texpack.emulators import DumpRoot, TextureName
    from texpack.targets.base import PlanContext


def mupen64plus_data_dir() -> Path:
    """mupen64plus' UserDataPath; GLideN64 and Rice load ``hires_texture/`` from it."""
    if platform_dirs.windows():
        return platform_dirs.appdata() / "Mupen64Plus"
    if platform_dirs.macos():
        return platform_dirs.mac_support() / "Mupen64Plus"
    return platform_dirs.data_home() / "mupen64plus"


def _skipped_by_loader(rel: Path) -> bool:
    # Both loaders skip entries starting with '.'; GLideN64 also '~!~' (checkFolderName).
    return any(part.startswith((".", "~!~")) for part in rel.parts)


class N64Target(Target):
    family = "n64"
    load_root = "hires_texture"
    pack_hint = "hires_texture/<IDENT>/"
    image_exts = (".png", ".bmp")  # what the loader opens; other files are never read

    def game_rel(self, game: str) -> str:
        return f"hires_texture/{game}"

    def game_dir(self, out: Path, game: str) -> Path:
        if game.startswith(".") or game.startswith("~!~"):
            raise PackError(game, f"{self.title} skips folders whose names start with '.' or '~!~', so this game's pack would never load")
        return super().game_dir(out, game)

    def default_load_dir(self, root: DumpRoot) -> tuple[Path, str]:
        return mupen64plus_data_dir(), "mupen64plus' data folder"

    def output_key(self, key: N64Name) -> N64Name:
        """The pack key of a dump key: suffix and hex case as this loader needs them."""
        raise NotImplementedError

    def output_name(self, key: TextureName, file_name: str) -> str:
        if not isinstance(key, N64Name):
            raise DumpNameError(file_name, f"a PS1 texture cannot go into a {self.title} pack")
        if key.suffix == "a":
            raise DumpNameError(file_name, "_a files are merged into their _rgb texture, not packed alone")
        return self.output_key(key).upper_hex().format()

    def plan_context(self, keys: list[TextureName]) -> PlanContext:
        """(CRC, fmt, siz) of the textures dumped per palette (``#PAL_ciByRGBA``)."""
        return frozenset((k.crc.upper(), k.fmt, k.siz) for k in keys if isinstance(k, N64Name) and k.suffix == "ciByRGBA" and k.pal is not None)

    def archive_member(self, name: str) -> str | None:
        """``<IDENT>/…/<IDENT>#….png``: every N64 pack file is named for its game."""
        parts = name.split("/")
        if len(parts) >= 2 and parts[0] and parts[-1].startswith(parts[0] + "#"):
            return f"{self.load_root}/{name}"
        return None

    def find_packs(self, path: Path) -> list[tuple[str, Path]]:
        """Also a game folder of a pack as distributed: IDENT-prefixed names in any sub-folders."""
        found = super().find_packs(path)
        if not found and path.is_dir() and path.name != self.load_root and not (path / self.load_root).is_dir():
            prefix = path.name + "#"
            if any(p.name.startswith(prefix) and p.suffix.lower() in self.image_exts for p in fswalk.list_files(path).files):
                found = [(path.name, path)]
        return found

    def skip_reason(self, key: TextureName, context: PlanContext = frozenset()) -> str | None:
        """A Rice ``_ci.bmp`` dump has no palette CRC; made into an any-palette file it would
        paint this texture in its first palette's colours under every other palette. When
        per-palette ``#PAL_ciByRGBA`` dumps of the texture exist (``context``), those are
        the right files."""
        if isinstance(key, N64Name) and key.suffix == "ci" and key.pal is None and (key.crc.upper(), key.fmt, key.siz) in context:
            return "per-palette _ciByRGBA dumps of this texture exist; an any-palette file made from the first palette would show wrong colours"
        return None

    # -- check ------------------------------------------------------------------------
    def name_rules(self, res: CheckResult, rel: str, name: str, key: N64Name) -> None:
        """Rules on one parsed pack name."""

    def file_rules(self, res: CheckResult, rel: str, key: N64Name, size: tuple[int, int]) -> None:
        """Rules on one readable pack image."""

    def dump_rules(self, res: CheckResult, rel: str, key: N64Name, dumped_as: set[tuple[int, int]]) -> None:
        """Rules comparing a pack name with the game's dump names."""

    def pack_rules(self, res: CheckResult, keys: list[tuple[str, N64Name]]) -> None:
        """Rules over the whole pack (pairs, duplicates)."""

    def scale_rule(self, res: CheckResult, rel: str, sx: Fraction, sy: Fraction, base: tuple[int, int]) -> None:
        if sx != sy:
            res.add("warning", rel, f"scaled {sx} across but {sy} down; the texture is stretched")
        elif sx.denominator != 1:
            res.add("warning", rel, f"scale {sx} is not an integer")

    def check(self, game: str, folder: Path, dump: Path | None = None) -> CheckResult:
        res = CheckResult(self.id, game, folder)
        dumps = _dump_sizes(dump)
        formats_by_crc: dict[str, set[tuple[int, int]]] = {}
        for name in dumps:
            try:
                k = parse_n64_name(name, game, suffixes=SUFFIXES)
            except DumpNameError:
                continue
            formats_by_crc.setdefault(k.crc.upper(), set()).add((k.fmt, k.siz))
        unread: dict[str, int] = {}
        keys: list[tuple[str, N64Name]] = []
        for p in sorted(folder.rglob("*")):
            relp = p.relative_to(folder)
            rel = relp.as_posix()
            if _skipped_by_loader(relp) or not p.is_file():
                continue
            if p.suffix.lower() not in self.image_exts:
                unread[p.suffix.lower() or "(none)"] = unread.get(p.suffix.lower() or "(none)", 0) + 1
                continue
            try:
                key = parse_n64_name(p.name, game, allow_wildcards=True, suffixes=SUFFIXES)
            except DumpNameError as e:
                res.add("warning", rel, f"{e.reason}; {self.title} skips it")
                continue
            res.files += 1
            keys.append((rel, key))
            self.name_rules(res, rel, p.name, key)
            size = image_size(p)
            if size is None:
                res.add("error", rel, "cannot be read as an image")
                continue
            self.file_rules(res, rel, key, size)
            self.dump_rules(res, rel, key, formats_by_crc.get(key.crc.upper(), set()))
            base = _matching_dump(dumps, key)
            if base:
                sx, sy = scale_of(size, base)
                self.scale_rule(res, rel, sx, sy, base)
        self.pack_rules(res, keys)
        if unread:
            kinds = ", ".join(f"{n} {ext}" for ext, n in sorted(unread.items()))
            res.add("note", ".", f"{sum(unread.values())} files {self.title} never opens were not checked ({kinds})")
        return res


def _dump_sizes(dump: Path | None) -> dict[str, tuple[int, int]]:
    """Dump file name -> (w, h), to check each replacement's scale."""
    if dump is None:
        return {}
    out = {}
    for p in Path(dump).rglob("*"):
        if p.is_file() and p.suffix.lower() in (".png", ".bmp"):
            s = image_size(p)
            if s:
                out[p.name] = s
    return out


def _matching_dump(dumps: dict[str, tuple[int, int]], key: N64Name) -> tuple[int, int] | None:
    for k in (key, key.upper_hex()):
        for suffix in (k.suffix, "all", "ciByRGBA", "rgb", "ci"):
            for ext in ("png", "bmp"):
                hit = dumps.get(k.with_suffix(suffix, ext).format())
                if hit:
                    return hit
    return None
