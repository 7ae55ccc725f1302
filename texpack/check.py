"""Check an existing pack against what each emulator's loader accepts, before a player finds out.

GLideN64 rules: n64 §2.1 (names rebuilt with %08X and compared, `$` wildcards, `.`/`~!~`
entries skipped, CRC 0 rejected, `_ci.bmp` rejected, `_rgb`/`_a` broken since 2023, images
over 4096 px minified). Rice: n64 §2.2 (power-of-two scale). DuckStation: ps1 §3.1-§3.5
(extensions, recursive scan with first-wins duplicates, one scale per game, ST alpha,
aliases that must parse and exist).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import yaml
from PIL import Image

from texpack.emulators.n64names import SUFFIXES, N64Name, parse_n64_name
from texpack.emulators.psxnames import LOAD_EXTENSIONS, PsxTextureName, parse_psx_title
from texpack.errors import DumpNameError, LayoutError
from texpack.imageio import load_rgba
from texpack.targets import GLIDEN64_MAX_SIDE

_HEX_LOWER = re.compile(r"#[0-9A-F]*[a-f][0-9A-Fa-f]*")


@dataclass(frozen=True, slots=True)
class Finding:
    level: str  # "error": the loader will not use it as meant; "warning": it may surprise
    file: str
    message: str

    def line(self) -> str:
        return f"{self.level}: {self.file}: {self.message}"


@dataclass(slots=True)
class CheckResult:
    target: str
    game: str
    folder: Path
    files: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    def add(self, level: str, file: str, message: str) -> None:
        self.findings.append(Finding(level, file, message))


def find_packs(path: Path) -> list[tuple[str, str, Path]]:
    """(family, game, folder) for every game pack at or under ``path``."""
    path = Path(path)
    if path.name == "replacements":
        return [("ps1", path.parent.name, path)]
    if (path / "replacements").is_dir():
        return [("ps1", path.name, path / "replacements")]
    if path.name == "hires_texture":
        return [("n64", d.name, d) for d in sorted(path.iterdir()) if d.is_dir()]
    if path.name == "textures":
        return [("ps1", d.name, d / "replacements") for d in sorted(path.iterdir()) if (d / "replacements").is_dir()]
    found = []
    for sub in ("hires_texture", "textures"):
        if (path / sub).is_dir():
            found += find_packs(path / sub)
    if found:
        return found
    if path.is_dir() and any(p.suffix.lower() in (".png", ".bmp") and "#" in p.name for p in path.iterdir()):
        return [("n64", path.name, path)]
    raise LayoutError(f"{str(path)!r}: no hires_texture/<IDENT>/ or textures/<SERIAL>/replacements/ pack found")


def _size(path: Path) -> tuple[int, int] | None:
    try:
        with Image.open(path) as im:
            return im.size
    except Exception:  # noqa: BLE001 - any unreadable image is one finding
        return None


def _dump_sizes(dump: Path | None) -> dict[str, tuple[int, int]]:
    """Dump file stem (without suffix) -> (w, h), to check each replacement's scale."""
    if dump is None:
        return {}
    out = {}
    for p in Path(dump).rglob("*"):
        if p.is_file() and p.suffix.lower() in (".png", ".bmp"):
            s = _size(p)
            if s:
                out[p.name] = s
    return out


def _scale(have: tuple[int, int], base: tuple[int, int]) -> tuple[Fraction, Fraction]:
    return Fraction(have[0], base[0]), Fraction(have[1], base[1])


def check_n64(game: str, folder: Path, target: str, dump: Path | None = None) -> CheckResult:
    res = CheckResult(target, game, folder)
    dumps = _dump_sizes(dump)
    formats_by_crc: dict[str, set[tuple[int, int]]] = {}
    for name in dumps:
        try:
            k = parse_n64_name(name, game, suffixes=SUFFIXES)
        except DumpNameError:
            continue
        formats_by_crc.setdefault(k.crc.upper(), set()).add((k.fmt, k.siz))
    seen: dict[tuple, str] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if any(part.startswith((".", "~!~")) for part in p.relative_to(folder).parts):
            continue  # skipped by the loader on purpose
        if not p.is_file():
            continue
        res.files += 1
        try:
            key = parse_n64_name(p.name, game, allow_wildcards=True, suffixes=SUFFIXES)
        except DumpNameError as e:
            res.add("error", rel, f"{e.reason}; the loader ignores it")
            continue
        if target == "gliden64":
            _gliden64_name_rules(res, rel, p.name, key)
        else:
            _rice_name_rules(res, rel, key)
        ident_key = (key.crc.upper(), key.fmt, key.siz, (key.pal or "").upper(), key.suffix)
        if ident_key in seen:
            res.add("warning", rel, f"same key as {seen[ident_key]}; only the first one found loads")
        seen.setdefault(ident_key, rel)
        size = _size(p)
        if size is None:
            res.add("error", rel, "cannot be read as an image")
            continue
        if size[0] * size[1] < 4:
            res.add("error", rel, "smaller than 4 pixels; GLideN64 rejects it")
        if target == "gliden64" and max(size) > GLIDEN64_MAX_SIDE:
            res.add("warning", rel, f"{size[0]}x{size[1]} is over {GLIDEN64_MAX_SIDE} px; GLideN64 box-shrinks it on load")
        dumped_as = formats_by_crc.get(key.crc.upper(), set())
        if dumped_as and (key.fmt, key.siz) not in dumped_as:
            want = ", ".join(f"#{f:X}#{z:X}" for f, z in sorted(dumped_as))
            res.add("error", rel, f"format/size #{key.fmt:X}#{key.siz:X} differs from the dump's {want}; GLideN64 matches them since 2022")
        base = _matching_dump(dumps, key)
        if base:
            sx, sy = _scale(size, base)
            pow2 = sx.denominator == 1 and sx.numerator & (sx.numerator - 1) == 0
            if target == "rice" and not (sx == sy and pow2):
                res.add("error", rel, f"scale {sx}x{sy} of the {base[0]}x{base[1]} dump; Rice needs one power of two on both axes and crops otherwise")
            elif sx != sy:
                res.add("warning", rel, f"scaled {sx} across but {sy} down; the texture is stretched")
            elif sx.denominator != 1:
                res.add("warning", rel, f"scale {sx} is not an integer")
    return res


def _matching_dump(dumps: dict[str, tuple[int, int]], key: N64Name) -> tuple[int, int] | None:
    for suffix in (key.suffix, "all", "ciByRGBA", "rgb"):
        for ext in ("png", "bmp"):
            hit = dumps.get(key.with_suffix(suffix, ext).format())
            if hit:
                return hit
    return None


def _gliden64_name_rules(res: CheckResult, rel: str, name: str, key: N64Name) -> None:
    if key.suffix == "ci":
        res.add("error", rel, "GLideN64 does not load _ci.bmp (Rice only); write it as _ciByRGBA.png")
    elif key.suffix in ("rgb", "a"):
        res.add("warning", rel, "GLideN64 has not loaded _rgb/_a pairs since 2023; merge them into _all.png")
    if _HEX_LOWER.search(name):
        res.add("error", rel, "lower-case hex: GLideN64 on Linux and macOS compares names case-sensitively")
    if not name.endswith((".png", ".bmp")):
        res.add("error", rel, "extension must be lower-case .png or .bmp outside Windows")


def _rice_name_rules(res: CheckResult, rel: str, key: N64Name) -> None:
    if key.crc == "$" or key.pal == "$":
        res.add("error", rel, "Rice does not understand '$' wildcards")
    if key.ci_like and key.suffix in ("all", "rgb"):
        res.add("warning", rel, "Rice only replaces CI-like textures from _ciByRGBA/_allciByRGBA/_ci.bmp files")


def check_duckstation(game: str, folder: Path) -> CheckResult:
    res = CheckResult("duckstation", game, folder)
    scales: Counter[Fraction] = Counter()
    seen: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(folder).as_posix()
        ext = p.suffix.lower().lstrip(".")
        if not p.name.startswith(("texupload-", "texpage-", "vram-write-")):
            continue  # not a replacement name: DuckStation skips it silently
        res.files += 1
        if ext not in LOAD_EXTENSIONS:
            res.add("error", rel, f".{ext} is not loaded (png, jpg and webp are)")
            continue
        try:
            key = parse_psx_title(p.stem)
        except DumpNameError as e:
            res.add("error", rel, e.reason + ("; rename to " + " or ".join(e.suggestions) if e.suggestions else ""))
            continue
        if p.stem in seen:
            res.add("warning", rel, f"duplicate of {seen[p.stem]}; only the first one found loads")
            continue
        seen[p.stem] = rel
        if isinstance(key, PsxTextureName):
            size = _size(p)
            if size is None:
                res.add("error", rel, "cannot be read as an image")
                continue
            sx, sy = _scale(size, (key.width, key.height))
            if sx != sy or sx.denominator != 1:
                res.add("warning", rel, f"scale {sx}x{sy} of the named {key.width}x{key.height}; use one integer scale")
            scales[max(sx, sy)] += 1
            if key.semi_transparent and ext == "png":
                px = load_rgba(p)
                stray = int(((px[..., 3] == 0) & (px[..., :3].max(axis=-1) > 0)).sum())
                if stray:
                    res.add("error", rel, f"{stray} texels have alpha 0 but colour: an ST texture shows them semi-transparent; use (0,0,0,0)")
    if len(scales) > 1:
        common = ", ".join(f"{s} ({n})" for s, n in scales.most_common())
        res.add("warning", ".", f"mixed scales {common}: DuckStation redraws each page at its largest, resampling the rest")
    cfg = folder.parent / "config.yaml"
    if cfg.is_file():
        _check_aliases(res, cfg, folder)
    return res


def _check_aliases(res: CheckResult, cfg: Path, folder: Path) -> None:
    try:
        data = yaml.safe_load(cfg.read_text())
    except yaml.YAMLError as e:
        res.add("error", "config.yaml", f"not valid YAML ({str(e).splitlines()[0]})")
        return
    aliases = (data or {}).get("Aliases") if isinstance(data, dict) else None
    for name, target in (aliases or {}).items():
        try:
            parse_psx_title(str(name))
        except DumpNameError as e:
            res.add("error", "config.yaml", f"alias {name!r}: {e.reason}")
        if not (folder / str(target)).is_file():
            res.add("error", "config.yaml", f"alias {name!r} points to {target!r}, which is not in replacements/")


def check(path: Path, target: str | None = None, dump: Path | None = None) -> list[CheckResult]:
    out = []
    for family, game, folder in find_packs(path):
        if family == "ps1":
            out.append(check_duckstation(game, folder))
        else:
            out.append(check_n64(game, folder, target if target in ("gliden64", "rice") else "gliden64", dump))
    return out

