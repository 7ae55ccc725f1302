"""What a pack target is: everything texpack knows about one emulator's hi-res loader.

A target says where a game's pack goes and under which names, which scales and sizes
its loader takes, which dumps it can never use, what it needs besides the PNGs (a
``config.yaml``, a cache file), what a distributable archive holds, where the emulator
loads from, and which rules ``texpack check`` applies. Adding a target is one module
with one subclass, registered in :mod:`texpack.targets`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from texpack.errors import PackError
from texpack.relpath import name_problem

if TYPE_CHECKING:
    import numpy as np

    from texpack.emulators import DumpRoot, TextureName
    from texpack.profile import Profile


# What a target's skip rule knows of the other dumps of the game, made by its own
# plan_context (N64: the (CRC, fmt, siz) of textures dumped per palette).
PlanContext = frozenset[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Finding:
    level: str  # "error": the loader will not use it as meant; "warning": it may surprise; "note"
    file: str
    message: str

    def line(self) -> str:
        return f"{self.level}: {self.file}: {self.message}"


@dataclass(slots=True)
class CheckResult:
    target: str
    game: str
    folder: Path
    files: int = 0  # files the loader would read
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    def add(self, level: str, file: str, message: str) -> None:
        self.findings.append(Finding(level, file, message))


MAX_OUTPUT_PX = 4096 * 4096


@dataclass(frozen=True, slots=True)
class SizeDecision:
    """What a target's size limits make of one texture at one scale."""

    scale: int  # the scale to use (may be lower than asked)
    skip: str = ""  # non-empty: leave the texture out, for this reason
    note: str = ""  # non-empty: the scale was changed, and why


class Target:
    """Defaults shared by every target; subclasses override what differs."""

    id: str = ""
    title: str = ""
    family: str = ""  # which emulators' dumps it takes ("n64", "ps1", ...); the first target registered for a family is its default
    aliases: bool = False  # identical textures may share one file through an alias list
    load_root: str = ""  # the folder in the emulator's data folder that packs go into
    pack_hint: str = ""  # its pack layout, for errors: "hires_texture/<IDENT>/"
    reload_help: str = ""

    # -- layout ---------------------------------------------------------------------
    def game_rel(self, game: str) -> str:
        """The game's pack folder, relative to the output folder."""
        raise NotImplementedError

    def archive_base(self, game: str) -> str:
        """The folder (relative to the output folder) whose contents a distributable zip holds."""
        return self.load_root

    def archive_member(self, name: str) -> str | None:
        """Where a member of a zip this target's ``build --zip`` made goes, relative to the
        emulator's data folder (``<load_root>/<name>``), or None when the member is not in
        its layout. The default claims ``<game>/<file>`` members whose game folder's pack
        folder is ``<load_root>/<game>``."""
        parts = name.split("/")
        if len(parts) >= 2 and parts[0] and self.game_rel(parts[0]) == f"{self.load_root}/{parts[0]}":
            return f"{self.load_root}/{name}"
        return None

    def game_dir(self, out: Path, game: str) -> Path:
        if name_problem(game) is not None:
            raise PackError(game or "(empty)", "this game id cannot be used as a folder name")
        return Path(out) / self.game_rel(game)

    # -- names, scales and sizes ----------------------------------------------------
    def output_name(self, key: TextureName, file_name: str) -> str:
        """The file name the loader looks for, made from the dump's parsed name."""
        raise NotImplementedError

    def scale_problem(self, scale: int) -> str | None:
        """Why the loader cannot take ``scale`` at all, or None."""
        return "scale must be at least 1" if scale < 1 else None

    def plan_context(self, keys: list[TextureName]) -> PlanContext:
        """What :meth:`skip_reason` needs to know of all the game's dumps (``keys``)."""
        return frozenset()

    def skip_reason(self, key: TextureName, context: PlanContext = frozenset()) -> str | None:
        """Why the loader would never use this dump's replacement, or None.

        ``context``: :meth:`plan_context` of the game's dumps.
        """
        return None

    def load_key(self, key: TextureName) -> tuple[Any, ...] | None:
        """What the loader keeps one file per, when that is less than the file name (Rice
        ignores format and size); None when every distinct name loads on its own."""
        return None

    def finish_tag(self, key: TextureName) -> str:
        """Names the pixel rule :meth:`finish_texture` applies to this key (part of the job key)."""
        return ""

    def size_rule(self, width: int, height: int, scale: int) -> SizeDecision:
        """The loader's size limits applied to a ``width`` x ``height`` dump at ``scale``.

        Every target keeps a texture within ``MAX_OUTPUT_PX`` (4096 x 4096): no console
        texture needs more, and a hostile dump must not ask for gigabytes.
        """
        s = scale
        while s > 1 and width * height * s * s > MAX_OUTPUT_PX:
            s -= 1
        if width * height * s * s > MAX_OUTPUT_PX:
            return SizeDecision(s, skip=f"{width}x{height} is larger than any console texture")
        note = f"scale {scale} would make it {width * scale}x{height * scale}; capped at {s}" if s != scale else ""
        return SizeDecision(s, note=note)

    def profile_problems(self, profile: Profile) -> list[str]:
        """Profile settings this target cannot honour, with key paths and lines."""
        return []

    # -- finishing ------------------------------------------------------------------
    def finish_texture(self, rgba: np.ndarray, key: TextureName) -> np.ndarray:
        """Last per-texture pixel rule of the loader, applied after alpha is final."""
        return rgba

    def write_caches(self, game_dir: Path, game: str, cache_dir: Path, settings: object) -> tuple[list[Path], list[str]]:
        """The loader's own caches made from a finished pack, when a build asks for them
        (GLideN64's .hts and .htc): (files written, notes for the report). None by default."""
        return [], []

    def finish_pack(self, ctx: PackContext) -> list[str]:
        """Files besides the textures (DuckStation's config.yaml); returns notes for the report."""
        return []

    # -- loading and checking -------------------------------------------------------
    def default_load_dir(self, root: DumpRoot) -> tuple[Path, str]:
        """The folder holding ``load_root`` for live output, and why it was chosen."""
        raise NotImplementedError

    def find_packs(self, path: Path) -> list[tuple[str, Path]]:
        """(game, pack folder) of every pack in this target's layout at or under ``path``:
        ``path`` is the load folder, holds it, or is one game's pack folder."""
        path = Path(path)
        if path.name == self.load_root and path.is_dir():
            return [(d.name, d) for d in sorted(path.iterdir()) if d.is_dir() and not d.name.startswith(".")]
        if (path / self.load_root).is_dir():
            return self.find_packs(path / self.load_root)
        if path.parent.name == self.load_root and path.is_dir():
            return [(path.name, path)]
        return []

    def check(self, game: str, folder: Path, dump: Path | None = None) -> CheckResult:
        """Check a game's pack folder against this loader's rules."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class PackContext:
    """What a target's ``finish_pack`` gets: the game's pack and its aliases."""

    out: Path
    game: str
    game_dir: Path
    aliases: dict[str, str]  # dump title -> file the alias points to, relative to game_dir
    managed: set[str]  # alias names this pack owns, now or from earlier runs
    dump_root: Path | None = None  # the dump folder the pack was built from
