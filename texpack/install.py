"""`texpack install`: merge a pack (a folder or a zip) into an emulator's load folder.

Nothing the user made is replaced: a file already there with other bytes is kept (unless
``overwrite``), DuckStation's ``config.yaml`` gains the pack's aliases and only the
settings the user has not set. Every path is checked the way Windows would see it too:
names that differ only in case are one file there, and reserved device names (``CON``,
``NUL``, ``COM1``…) cannot be files at all. A file the running emulator holds open is
reported, not half-written.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from texpack.atomic import write_atomic
from texpack.errors import PackError, UsageError
from texpack.targets.duckstation_config import update_config

ROOTS = ("hires_texture", "textures")
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_MEMBER_BYTES = 256 << 20


@dataclass(slots=True)
class InstallReport:
    into: Path
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    failed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def windows_problem(rel: str) -> str | None:
    """Why ``rel`` cannot be a file name on Windows, or None."""
    for part in PurePosixPath(rel).parts:
        stem = part.split(".")[0].upper()
        if stem in WINDOWS_RESERVED:
            return f"{part!r} is a reserved device name on Windows"
        if part.endswith((" ", ".")) or any(c in part for c in '<>:"|?*\\') or any(ord(c) < 32 for c in part):
            return f"{part!r} is not a valid file name on Windows"
    return None


class _Source:
    """The pack's files as (relative path under hires_texture/ or textures/, bytes reader)."""

    def __init__(self, pack: Path) -> None:
        self.pack = Path(pack)
        self.zip = zipfile.ZipFile(self.pack) if self.pack.is_file() else None

    def files(self) -> list[tuple[str, object]]:
        out = []
        if self.zip is not None:
            for info in self.zip.infolist():
                if info.is_dir() or info.file_size > MAX_MEMBER_BYTES:
                    continue
                name = info.filename
                if name.split("/", 1)[0] in ROOTS:
                    out.append((name, info))
                    continue
                # A zip from `build --zip` holds <IDENT>/… (for hires_texture/) or <SERIAL>/… (textures/).
                ps1 = "/replacements/" in name or name.count("/") == 1 and name.endswith("/config.yaml")
                out.append((f"{'textures' if ps1 else 'hires_texture'}/{name}", info))
            return out
        base = self.pack
        for root in ROOTS:
            folder = base / root
            if not folder.is_dir():
                continue
            for p in sorted(folder.rglob("*")):
                if p.is_file() and not p.is_symlink() and not any(s.startswith(".") for s in p.relative_to(base).parts):
                    out.append((p.relative_to(base).as_posix(), p))
        return out

    def read(self, handle) -> bytes:
        if isinstance(handle, zipfile.ZipInfo):
            return self.zip.read(handle)  # type: ignore[union-attr]
        return Path(handle).read_bytes()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _safe_rel(rel: str) -> str | None:
    parts = PurePosixPath(rel).parts
    if rel.startswith("/") or ".." in parts or "\\" in rel or not parts or parts[0] not in ROOTS:
        return "would lie outside the load folder"
    return None


def _existing_case_insensitive(path: Path) -> Path | None:
    """A file in ``path``'s folder whose name equals ``path``'s ignoring case (one file on Windows)."""
    folder = path.parent
    if not folder.is_dir():
        return None
    low = path.name.lower()
    return next((p for p in folder.iterdir() if p.name.lower() == low), None)


def pack_family(pack: Path) -> str:
    """"n64" or "ps1": what the pack holds."""
    src = _Source(Path(pack))
    try:
        roots = {rel.split("/", 1)[0] for rel, _ in src.files()}
    except zipfile.BadZipFile as e:
        raise UsageError(f"{pack}: not a zip archive ({e})") from e
    finally:
        src.close()
    if not roots:
        raise UsageError(f"{pack}: no hires_texture/ or textures/ files in it")
    if len(roots) > 1:
        raise UsageError(f"{pack}: holds N64 and PS1 packs; install each with --into")
    return "ps1" if roots == {"textures"} else "n64"


def choose_into(pack: Path) -> tuple[Path, str]:
    """The load folder of the common front-ends for this pack, and why."""
    from texpack.frontends import frontends

    family = pack_family(pack)
    for fe in frontends():
        if fe.family == family and not fe.note:
            for d in fe.data:
                if d.is_dir():
                    return d, f"found {fe.title}'s data folder"
    default = next(fe for fe in frontends() if fe.family == family)
    return default.data[0], f"{default.title}'s default data folder (no front-end folder found; pass --into to choose)"


def install(pack: Path, into: Path, overwrite: bool = False) -> InstallReport:
    """Merge ``pack`` into ``into`` (the folder that holds ``hires_texture/``/``textures/``)."""
    pack, into = Path(pack), Path(into)
    if not pack.exists():
        raise UsageError(f"{pack}: no such pack")
    if into.name in ROOTS:
        into = into.parent
    src = _Source(pack)
    rep = InstallReport(into)
    configs: list[tuple[str, bytes]] = []
    try:
        files = src.files()
        if not files:
            raise UsageError(f"{pack}: no hires_texture/ or textures/ files in it")
        for rel, handle in files:
            why = _safe_rel(rel) or windows_problem(rel)
            if why:
                rep.failed.append((rel, why))
                continue
            if rel.startswith("textures/") and rel.endswith("/config.yaml") and rel.count("/") == 2:
                configs.append((rel, src.read(handle)))
                continue
            _install_file(rep, into, rel, src.read(handle), overwrite)
    except zipfile.BadZipFile as e:
        raise UsageError(f"{pack}: not a zip archive ({e})") from e
    finally:
        src.close()
    for rel, data in configs:
        _merge_config(rep, into, rel, data)
    return rep


def _install_file(rep: InstallReport, into: Path, rel: str, data: bytes, overwrite: bool) -> None:
    dest = into / rel
    twin = _existing_case_insensitive(dest)
    if twin is not None and twin.name != dest.name:
        rep.kept.append((rel, f"{twin.name} is there: the same file on Windows, where names ignore case"))
        return
    if dest.exists():
        if dest.is_symlink() or not stat.S_ISREG(os.lstat(dest).st_mode):
            rep.kept.append((rel, "something that is not a plain file is there"))
            return
        if dest.read_bytes() == data:
            rep.unchanged.append(rel)
            return
        if not overwrite:
            rep.kept.append((rel, "a different file is there (yours?); kept (install with --overwrite to replace it)"))
            return
    if _write(rep, dest, rel, data):
        (rep.replaced if twin is not None else rep.added).append(rel)


def _write(rep: InstallReport, dest: Path, rel: str, data: bytes) -> bool:
    try:
        write_atomic(dest, data)
        return True
    except PackError as e:
        locked = "denied" in e.reason.lower() or "busy" in e.reason.lower() or "used by another" in e.reason.lower()
        rep.failed.append((rel, "in use (a running emulator holds it?); close the emulator and install again" if locked else e.reason))
        return False


def _merge_config(rep: InstallReport, into: Path, rel: str, data: bytes) -> None:
    """The pack's aliases into the user's config.yaml; the user's settings and aliases win."""
    from texpack import yamlsafe

    dest = into / rel
    try:
        pack_cfg = yamlsafe.load(data.decode("utf-8-sig"), rel) or {}
    except (UnicodeDecodeError, yamlsafe.YamlError) as e:
        rep.failed.append((rel, f"the pack's config.yaml is unreadable ({e})"))
        return
    aliases = {str(k): str(v) for k, v in (pack_cfg.get("Aliases") or {}).items()} if isinstance(pack_cfg, dict) else {}
    if not dest.exists():
        if _write(rep, dest, rel, data):
            rep.added.append(rel)
        return
    try:
        user = yamlsafe.load(dest.read_text(encoding="utf-8-sig"), str(dest)) or {}
        user_aliases = (user.get("Aliases") or {}) if isinstance(user, dict) else {}
        ours = {k: v for k, v in aliases.items() if k not in user_aliases}
        update_config(dest, ours, set(ours))
    except (PackError, yamlsafe.YamlError, OSError, UnicodeDecodeError) as e:
        rep.failed.append((rel, f"cannot merge into your config.yaml ({e}); add the pack's Aliases: by hand"))
        return
    rep.replaced.append(rel) if ours else rep.unchanged.append(rel)
    for k, v in (pack_cfg.items() if isinstance(pack_cfg, dict) else ()):
        if k != "Aliases" and isinstance(user, dict) and user.get(k) != v:
            rep.notes.append(f"{rel}: the pack was made with {k}: {v!r}; your config says {user.get(k)!r} (kept yours)")
