"""`texpack install`: merge a pack (a folder or a zip) into an emulator's load folder.

Nothing the user made is replaced: a file already there with other bytes is kept (unless
``overwrite``), DuckStation's ``config.yaml`` gains the pack's aliases and only the
settings the user has not set. Every path is checked the way Windows would see it too:
names that differ only in case are one file there, and reserved device names (``CON``,
``NUL``, ``COM1``…) cannot be files at all. A file the running emulator holds open is
reported, not half-written.
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from texpack.atomic import remove_dead_temps, write_atomic
from texpack.errors import PackError, UsageError
from texpack.relpath import rel_problem
from texpack.targets import TARGETS, load_roots
from texpack.targets.duckstation_config import update_config

# Device names Windows reserves in any folder, with any extension: COM/LPT take 0-9 and the
# superscript digits too, and the console's CONIN$/CONOUT$ (Microsoft's "Naming Files,
# Paths, and Namespaces").
_PORT_DIGITS = "0123456789\u00b9\u00b2\u00b3"
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", *(f"{p}{d}" for p in ("COM", "LPT") for d in _PORT_DIGITS)}
MAX_MEMBER_BYTES = 256 << 20
# What reading one zip member can raise when the archive is damaged or hostile: a bad CRC
# or header (BadZipFile), encryption (RuntimeError), an unknown compression method
# (NotImplementedError), corrupt compressed data (zlib.error and friends, all OSError or
# EOFError/ValueError here).
_MEMBER_ERRORS = (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, ValueError, zlib.error)


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
        stem = part.split(".")[0].rstrip(" ").upper()
        if stem in WINDOWS_RESERVED:
            return f"{part!r} is a reserved device name on Windows"
        if part.endswith((" ", ".")) or any(c in part for c in '<>:"|?*\\') or any(ord(c) < 32 for c in part):
            return f"{part!r} is not a valid file name on Windows"
    return None


class _Source:
    """The pack's files as (relative path under hires_texture/ or textures/, bytes reader)."""

    def __init__(self, pack: Path) -> None:
        self.pack = Path(pack)
        try:
            self.zip = zipfile.ZipFile(self.pack) if self.pack.is_file() else None
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            raise UsageError(f"{pack}: not a zip archive ({e})") from e
        self.unplaced: list[str] = []  # archive members in no target's layout, left out

    def files(self) -> list[tuple[str, zipfile.ZipInfo | Path]]:
        out: list[tuple[str, zipfile.ZipInfo | Path]] = []
        roots = load_roots()
        self.unplaced = []
        if self.zip is not None:
            for info in self.zip.infolist():
                if info.is_dir() or info.file_size > MAX_MEMBER_BYTES:
                    continue
                name = info.filename
                if name.split("/", 1)[0] in roots:
                    out.append((name, info))
                    continue
                # A zip from `build --zip` holds what goes into one load folder (<IDENT>/… for
                # hires_texture/, <SERIAL>/… for textures/): its target's layout says which.
                # A member no target claims (a read-me, a misnamed folder) is left out and named.
                placed = next((rel for t in TARGETS.values() if (rel := t.archive_member(name)) is not None), None)
                if placed is None:
                    self.unplaced.append(name)
                else:
                    out.append((placed, info))
            return out
        base = self.pack
        for root in roots:
            folder = base / root
            if not folder.is_dir():
                continue
            for p in sorted(folder.rglob("*")):
                if p.is_file() and not p.is_symlink() and not any(s.startswith(".") for s in p.relative_to(base).parts):
                    out.append((p.relative_to(base).as_posix(), p))
        return out

    def read(self, handle: zipfile.ZipInfo | Path) -> bytes:
        """The member's bytes (at most its declared size, which is bounded), or PackError naming it."""
        if isinstance(handle, zipfile.ZipInfo):
            if self.zip is None:
                raise PackError(handle.filename, "is not in an open archive")
            try:
                return self.zip.read(handle)
            except _MEMBER_ERRORS as e:
                raise PackError(handle.filename, f"cannot be read from the archive ({type(e).__name__}: {str(e)[:120]})") from e
        return Path(handle).read_bytes()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _safe_rel(rel: str) -> str | None:
    if rel_problem(rel) is not None or rel.split("/")[0] not in load_roots():
        return "would lie outside the load folder"
    return None


class CaseIndex:
    """Names already in each folder under the load folder, by their lower case: two names that
    differ only in case are one file or folder on Windows. Each folder is listed once, so an
    install is linear in its files; names this install adds are remembered too."""

    def __init__(self, into: Path) -> None:
        self.into = into
        self._folders: dict[Path, dict[str, str]] = {}

    def _names(self, folder: Path) -> dict[str, str]:
        names = self._folders.get(folder)
        if names is None:
            try:
                names = {n.lower(): n for n in os.listdir(folder)}
            except OSError:
                names = {}
            self._folders[folder] = names
        return names

    def twin(self, rel: str) -> str | None:
        """The first part of ``rel`` whose folder holds the same name in another case, as "there/that"."""
        folder = self.into
        for part in PurePosixPath(rel).parts:
            have = self._names(folder).get(part.lower())
            if have is not None and have != part:
                return (folder / have).relative_to(self.into).as_posix()
            folder = folder / part
        return None

    def add(self, rel: str) -> None:
        folder = self.into
        for part in PurePosixPath(rel).parts:
            self._names(folder).setdefault(part.lower(), part)
            folder = folder / part


def pack_families(pack: Path) -> list[str]:
    """What the pack holds: "n64" (hires_texture/), "ps1" (textures/) or both, in that order."""
    src = _Source(Path(pack))
    try:
        roots = {rel.split("/", 1)[0] for rel, _ in src.files()}
    finally:
        src.close()
    if not roots:
        raise UsageError(f"{pack}: no {' or '.join(r + '/' for r in load_roots())} files in it")
    return list(dict.fromkeys(fam for root, fam in load_roots().items() if root in roots))


def family_roots(family: str) -> tuple[str, ...]:
    """The load folders of one family's targets."""
    return tuple(root for root, fam in load_roots().items() if fam == family)


def choose_into(pack: Path, family: str | None = None) -> tuple[Path, str]:
    """The load folder of the common front-ends for the pack's ``family`` (its only one when
    None), and why."""
    from texpack.frontends import frontends

    if family is None:
        families = pack_families(pack)
        if len(families) > 1:
            raise UsageError(f"{pack}: holds packs for {' and '.join(f.upper() for f in families)} emulators; choose one folder per family (texpack install without --into does)")
        family = families[0]
    for fe in frontends():
        if fe.family == family and not fe.note:
            for d in fe.data:
                if d.is_dir():
                    return d, f"found {fe.title}'s data folder"
    default = next((fe for fe in frontends() if fe.family == family), None)
    if default is None:
        raise UsageError(f"{pack}: no known front-end loads {family} packs; pass --into")
    return default.data[0], f"{default.title}'s default data folder (no front-end folder found; pass --into to choose)"


def install(pack: Path, into: Path, overwrite: bool = False, roots: tuple[str, ...] | None = None) -> InstallReport:
    """Merge ``pack`` into ``into`` (the folder that holds ``hires_texture/``/``textures/``);
    only the pack's files under ``roots`` (a mixed pack installs one family at a time)."""
    pack, into = Path(pack), Path(into)
    if not pack.exists():
        raise UsageError(f"{pack}: no such pack")
    roots = tuple(load_roots()) if roots is None else roots
    if into.name in load_roots():
        into = into.parent
    src = _Source(pack)
    rep = InstallReport(into)
    configs: list[tuple[str, bytes]] = []
    case = CaseIndex(into)
    cleaned: set[Path] = set()
    try:
        files = [(rel, h) for rel, h in src.files() if rel.split("/", 1)[0] in roots]
        if src.unplaced:
            shown = ", ".join(repr(n) for n in src.unplaced[:5]) + (", …" if len(src.unplaced) > 5 else "")
            rep.notes.append(f"left out {len(src.unplaced)} archive member(s) in no loader's pack layout "
                             f"(<IDENT>/…/<IDENT>#….png, <SERIAL>/replacements/…): {shown}")
        if not files:
            raise UsageError(f"{pack}: no {' or '.join(r + '/' for r in roots)} files in it")
        for rel, handle in files:
            why = _safe_rel(rel) or windows_problem(rel)
            if why:
                rep.failed.append((rel, why))
                continue
            folder = (into / rel).parent
            if folder not in cleaned:  # temp files a killed install left behind
                cleaned.add(folder)
                remove_dead_temps(folder)
            try:
                data = src.read(handle)
            except PackError as e:
                rep.failed.append((rel, e.reason))
                continue
            if rel.startswith("textures/") and rel.endswith("/config.yaml") and rel.count("/") == 2:
                configs.append((rel, data))
                continue
            _install_file(rep, into, rel, data, overwrite, case)
    finally:
        src.close()
    for rel, data in configs:
        _merge_config(rep, into, rel, data)
    return rep


def _install_file(rep: InstallReport, into: Path, rel: str, data: bytes, overwrite: bool, case: CaseIndex) -> None:
    dest = into / rel
    twin = case.twin(rel)
    if twin is not None:
        rep.kept.append((rel, f"{twin} is there: the same name on Windows, where names ignore case"))
        return
    case.add(rel)
    existed = dest.exists() or dest.is_symlink()
    if existed:
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
        (rep.replaced if existed else rep.added).append(rel)


def _write(rep: InstallReport, dest: Path, rel: str, data: bytes) -> bool:
    try:
        write_atomic(dest, data)
        return True
    except PackError as e:
        # by error number, never the OS's (translated) message: sharing/lock violation on
        # Windows (winerror 32, 33), a busy or access-denied file elsewhere
        cause = e.__cause__
        locked = isinstance(cause, OSError) and (getattr(cause, "winerror", None) in (32, 33) or cause.errno in (errno.EACCES, errno.EBUSY, errno.ETXTBSY))
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
    if not isinstance(pack_cfg, dict) or not isinstance(pack_cfg.get("Aliases") or {}, dict):
        rep.failed.append((rel, "the pack's config.yaml is not a mapping with an Aliases: mapping"))
        return
    aliases = {str(k): str(v) for k, v in (pack_cfg.get("Aliases") or {}).items()}
    if not dest.exists():
        if _write(rep, dest, rel, data):
            rep.added.append(rel)
        return
    try:
        user = yamlsafe.load(dest.read_text(encoding="utf-8-sig"), str(dest)) or {}
        user_aliases = (user.get("Aliases") or {}) if isinstance(user, dict) else {}
        user_aliases = user_aliases if isinstance(user_aliases, dict) else {}
        ours = {k: v for k, v in aliases.items() if k not in user_aliases}
        update_config(dest, ours, set(ours))
    except (PackError, yamlsafe.YamlError, OSError, UnicodeDecodeError) as e:
        rep.failed.append((rel, f"cannot merge into your config.yaml ({e}); add the pack's Aliases: by hand"))
        return
    rep.replaced.append(rel) if ours else rep.unchanged.append(rel)
    for k, v in (pack_cfg.items() if isinstance(pack_cfg, dict) else ()):
        if k != "Aliases" and isinstance(user, dict) and user.get(k) != v:
            rep.notes.append(f"{rel}: the pack was made with {k}: {v!r}; your config says {user.get(k)!r} (kept yours)")
