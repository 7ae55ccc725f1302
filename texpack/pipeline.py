"""The one pipeline `build` and `watch` share: decode → plan → upscale → atomic write → record.

``PackBuilder.process`` takes any list of dump items (a whole folder for ``build``, the
settled files for ``watch``) and brings their pack files up to date, doing network work
only for pixel content and settings it has not produced before.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import xxhash

from texpack import imageio, targets
from texpack.engine.base import RESAMPLE_MODES, ResampleUpscaler, Upscaler
from texpack.models import find_model, load_model
from texpack.engine.torch_engine import EngineOptions, TorchUpscaler
from texpack.errors import ImageError, PackError, TexpackError
from texpack.process import PIPELINE_VERSION, Prepared, prepare, upscale_group
from texpack.profile import Profile, Settings
from texpack.report import Outcome
from texpack.scan import DumpItem
from texpack.state import OutputRow, SourceInfo, State

log = logging.getLogger(__name__)
WORK_CHUNK = 256  # groups prepared and held in memory at once
Event = Callable[[str, int], None]  # (kind, amount): "read-total", "read", "total", "advance"


class BuildAborted(TexpackError):
    """The pack cannot be written any more (disk full, read-only); what was written is complete.

    ``outcomes`` holds what was done before it stopped.
    """

    def __init__(self, message: str, outcomes: list[Outcome] | None = None) -> None:
        super().__init__(message)
        self.outcomes = outcomes or []


@dataclass(frozen=True, slots=True)
class BuildConfig:
    out: Path
    target: str
    game: str
    profile: Profile
    scale: int | None = None  # overrides the profile's scale
    model: str | None = None  # overrides the profile's model
    engine: EngineOptions = EngineOptions()
    dry_run: bool = False
    keep_going: bool = True
    source: str = ""  # the dump folder; recorded with each output
    overwrite: bool = False  # replace pack files texpack did not write, or that were edited


@dataclass(slots=True)
class _Planned:
    item: DumpItem
    settings: Settings
    rel: str
    job: str
    rgba: np.ndarray | None


@dataclass(slots=True)
class _Group:
    job: str
    members: list[_Planned] = field(default_factory=list)


def content_hash(rgba: np.ndarray) -> str:
    h = xxhash.xxh3_64()
    h.update(np.asarray(rgba.shape, np.int64).tobytes())
    h.update(np.ascontiguousarray(rgba).tobytes())
    return h.hexdigest()


def decode_item(item: DumpItem) -> np.ndarray:
    """Decode a dump, merging a Rice ``_a`` half into the alpha channel (n64 §1.2, §2.2)."""
    rgba = imageio.load_rgba(item.path)
    if item.alpha_path is not None:
        a = imageio.load_rgba(item.alpha_path)
        if a.shape[:2] != rgba.shape[:2]:
            # Rice saves _a at the texture object's size, which can differ (n64 §1.2).
            ys = np.arange(rgba.shape[0]) * a.shape[0] // rgba.shape[0]
            xs = np.arange(rgba.shape[1]) * a.shape[1] // rgba.shape[1]
            a = a[ys][:, xs]
        rgba = rgba.copy()
        rgba[..., 3] = a[..., 0]
    return rgba


class PackBuilder:
    """Builds one game's pack incrementally; reusable across many ``process`` calls."""

    def __init__(self, cfg: BuildConfig, on_event: Event | None = None) -> None:
        self.cfg = cfg
        self.on_event = on_event or (lambda kind, n: None)
        self.out = Path(cfg.out)
        self.game_dir = targets.game_dir(cfg.target, self.out, cfg.game)
        self.game_rel = self.game_dir.relative_to(self.out).as_posix()
        self.state = State(self.out) if not cfg.dry_run else None
        self._engines: dict[tuple[str, int], Upscaler] = {}
        if not cfg.dry_run:
            imageio.remove_stale_temps(self.out)

    def close(self) -> None:
        if self.state is not None:
            self.state.close()

    # -- engines -------------------------------------------------------------------------
    def engine(self, model: str, scale: int) -> Upscaler:
        key = (model, scale if model in RESAMPLE_MODES else 0)
        if key not in self._engines:
            if model in RESAMPLE_MODES:
                self._engines[key] = ResampleUpscaler(model, scale)
            else:
                self._engines[key] = TorchUpscaler(load_model(find_model(model)), self.cfg.engine)
        return self._engines[key]

    def settings_for(self, item: DumpItem, width: int, height: int) -> Settings:
        s = self.cfg.profile.settings_for(item.name, item.key, width, height)
        if self.cfg.scale is not None:
            s = replace(s, scale=self.cfg.scale)
        if self.cfg.model is not None:
            s = replace(s, model=self.cfg.model)
        return s

    # -- planning ------------------------------------------------------------------------
    def _source(self, item: DumpItem) -> tuple[SourceInfo, np.ndarray | None]:
        paths = [item.path] + ([item.alpha_path] if item.alpha_path else [])
        try:
            stats = [p.stat() for p in paths]
        except OSError as e:
            raise ImageError(f"{item.name}: cannot read ({e.strerror or e})") from e
        sig = "|".join(str(p) for p in paths)
        size = sum(s.st_size for s in stats)
        mtime = max(s.st_mtime_ns for s in stats)
        if self.state is not None and (hit := self.state.source(sig, size, mtime)) is not None:
            return hit, None
        rgba = decode_item(item)
        info = SourceInfo(content_hash(rgba), rgba.shape[1], rgba.shape[0])
        if self.state is not None:
            self.state.put_source(sig, size, mtime, info)
        return info, rgba

    def _job(self, item: DumpItem, s: Settings, content: str) -> str:
        identity = self.engine(s.model, s.scale).identity
        parts = (PIPELINE_VERSION, content, identity, s.scale, s.alpha.value, item.key.alpha_mode().value, s.seam.value, s.color_fix, self.cfg.target)
        return xxhash.xxh3_128("|".join(map(str, parts)).encode()).hexdigest()

    def plan(self, items: list[DumpItem], outcomes: list[Outcome]) -> list[_Group]:
        groups: dict[str, _Group] = {}
        claimed: dict[str, str] = {}
        # When two dumps map to one pack file (Rice writes a texture both as #PAL_ci.bmp and
        # as #PAL_ciByRGBA.png), the PNG wins: it carries alpha, the BMP does not.
        self.on_event("read-total", len(items))
        for item in sorted(items, key=lambda i: i.path.suffix.lower() == ".bmp"):
            self.on_event("read", 1)
            rel = ""
            try:
                name = targets.output_name(self.cfg.target, item.key, item.name)
                rel = f"{self.game_rel}/{name}"
                targets.inside(self.out, self.out / rel)
                if rel in claimed:
                    outcomes.append(Outcome(item.rel, "skipped", "", f"same pack file as {claimed[rel]}"))
                    continue
                claimed[rel] = item.rel
                info, rgba = self._source(item)
                s = self.settings_for(item, info.width, info.height)
                if s.skip:
                    outcomes.append(Outcome(item.rel, "skipped", reason=f"profile rule {s.rules[-1]}"))
                    continue
                why = targets.check_scale(self.cfg.target, s.scale)
                if why:
                    outcomes.append(Outcome(item.rel, "failed", rel, why))
                    continue
                job = self._job(item, s, info.content)
            except TexpackError as e:
                # The previous pack file (if any) stays: a texture that fails now keeps its old output.
                outcomes.append(Outcome(item.rel, "failed", rel, _reason(e, item.name)))
                continue
            # Keep decoded pixels only for the first few hundred; later ones decode again when needed.
            keep = rgba if len(groups) < WORK_CHUNK else None
            groups.setdefault(job, _Group(job)).members.append(_Planned(item, s, rel, job, keep))
        return list(groups.values())

    # -- doing ---------------------------------------------------------------------------
    def _keep_foreign_files(self, groups: list[_Group], outcomes: list[Outcome]) -> list[_Group]:
        """Leave alone pack files a modder made or edited: they are worth more than ours."""
        out = []
        for g in groups:
            mine = []
            for m in g.members:
                why = self._foreign(m.rel)
                if why:
                    outcomes.append(Outcome(m.item.rel, "kept", m.rel, why))
                    self.on_event("advance", 1)
                else:
                    mine.append(m)
            if mine:
                g.members = mine
                out.append(g)
        return out

    def _foreign(self, rel: str) -> str | None:
        """Why the file at ``rel`` must not be replaced, or None when it is texpack's own."""
        assert self.state is not None
        path = self.out / rel
        try:
            st = path.stat()
        except OSError:
            return None
        row = self.state.output(rel)
        if row is not None and row.alias_of is None:
            if row.size is None or (row.size, row.mtime_ns) == (st.st_size, st.st_mtime_ns):
                return None
            return "edited after texpack wrote it; kept (delete it, or build with --overwrite)"
        if imageio.made_by_texpack(path):
            return None  # written by a run killed before it could record it
        return "a file texpack did not write is there; kept (delete it, or build with --overwrite)"

    def _record(self, rel: str, job: str, dump: str, alias_of: str | None) -> None:
        assert self.state is not None
        size = mtime = None
        if alias_of is None:
            st = (self.out / rel).stat()
            size, mtime = st.st_size, st.st_mtime_ns
        self.state.put_output(OutputRow(rel, job, dump, alias_of, self.cfg.source, size, mtime))

    def _is_primary(self, rel: str, job: str) -> bool:
        """An up-to-date real file (not an alias) for ``job``."""
        assert self.state is not None
        row = self.state.output(rel)
        return row is not None and row.alias_of is None and row.job == job and (self.out / rel).is_file()

    def process(self, items: list[DumpItem]) -> list[Outcome]:
        """Bring the pack files of ``items`` up to date; one :class:`Outcome` per item."""
        outcomes: list[Outcome] = []
        groups = self.plan(items, outcomes)
        self.on_event("total", sum(len(g.members) for g in groups))
        if self.cfg.dry_run:
            for g in groups:
                outcomes += [Outcome(m.item.rel, "built", m.rel, "dry run") for m in g.members]
            return outcomes
        aliases = self.cfg.target == "duckstation"  # DuckStation can alias; N64 loaders cannot (n64 §2.1)
        if not self.cfg.overwrite:
            groups = self._keep_foreign_files(groups, outcomes)
        work: list[_Group] = []
        try:
            for g in groups:
                g.members.sort(key=lambda m: m.rel)
                fresh = [m for m in g.members if self._is_primary(m.rel, g.job)]
                if not fresh:
                    work.append(g)
                    continue
                outcomes += self._fan_out(g, fresh[0], aliases, already=True)
            self._upscale(work, aliases, outcomes)
        except BuildAborted as e:
            e.outcomes = outcomes
            raise
        return outcomes

    def _fan_out(self, g: _Group, primary: _Planned, aliases: bool, already: bool) -> list[Outcome]:
        """Give every member of ``g`` its pack file: the primary's, copied or aliased."""
        assert self.state is not None
        outs = []
        src = self.out / primary.rel
        for m in g.members:
            row = None if m is primary else self.state.output(m.rel)
            if m is primary:
                outs.append(Outcome(m.item.rel, "up-to-date" if already else "built", m.rel))
            elif aliases and row is not None and row.job == g.job and row.alias_of == primary.rel:
                outs.append(Outcome(m.item.rel, "up-to-date", m.rel))
            elif not aliases and self._is_primary(m.rel, g.job):
                outs.append(Outcome(m.item.rel, "up-to-date", m.rel))
            elif aliases:
                # (Re)point the alias at this group's file; an alias of a file whose dump is
                # gone would dangle once that file is removed.
                dst = self.out / m.rel
                if dst.is_file():
                    dst.unlink()
                self._record(m.rel, g.job, m.item.rel, primary.rel)
                outs.append(Outcome(m.item.rel, "aliased", m.rel, f"same pixels as {primary.item.rel}"))
            else:
                try:
                    imageio.write_atomic(self.out / m.rel, src.read_bytes())
                except (PackError, OSError) as e:
                    raise BuildAborted(str(e)) from e
                self._record(m.rel, g.job, m.item.rel, None)
                outs.append(Outcome(m.item.rel, "copied", m.rel, f"same pixels as {primary.item.rel}"))
            self.on_event("advance", 1)
        return outs

    def _upscale(self, work: list[_Group], aliases: bool, outcomes: list[Outcome]) -> None:
        """Upscale the groups that need it, a chunk at a time so memory stays bounded."""
        assert self.state is not None
        # PNG encoding and writing run on a helper thread (zlib and file I/O release the GIL)
        # while the network works on the next bucket; state is recorded here, after each write.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="texpack-write") as pool:
            pending: list[tuple[_Group, Future[None]]] = []
            try:
                for i in range(0, len(work), WORK_CHUNK):
                    if not self._upscale_chunk(work[i : i + WORK_CHUNK], aliases, outcomes, pool, pending):
                        break
            finally:
                self._record_written(pending, aliases, outcomes, wait=True)

    def _upscale_chunk(self, work: list[_Group], aliases: bool, outcomes: list[Outcome], pool: ThreadPoolExecutor, pending: list) -> bool:
        """Prepare, batch and upscale one chunk; False when the build should stop."""
        # Bucket by engine, target scale and padded shape so each bucket is one batched call.
        buckets: dict[tuple, list[tuple[_Group, Prepared]]] = {}
        for g in work:
            m = g.members[0]
            try:
                rgba = m.rgba if m.rgba is not None else decode_item(m.item)
                p = prepare(rgba, m.settings.alpha, m.item.key.alpha_mode(), m.settings.seam, m.settings.color_fix)
            except TexpackError as e:
                outcomes += [Outcome(x.item.rel, "failed", x.rel, _reason(e, x.item.name)) for x in g.members]
                continue
            finally:
                m.rgba = None
            buckets.setdefault((m.settings.model, m.settings.scale, p.shape), []).append((g, p))
        for (model, scale, _), entries in buckets.items():
            try:
                engine = self.engine(model, scale)
                results = upscale_group(engine, [p for _, p in entries], scale)
            except TexpackError as e:
                for g, _ in entries:
                    outcomes += [Outcome(x.item.rel, "failed", x.rel, _reason(e, x.item.name)) for x in g.members]
                    self.on_event("advance", len(g.members))
                if not self.cfg.keep_going:
                    return False
                continue
            for (g, _), rgba in zip(entries, results):
                pending.append((g, pool.submit(_encode_and_write, self.out / g.members[0].rel, rgba)))
            self._record_written(pending, aliases, outcomes, wait=False)
        return True

    def _record_written(self, pending: list, aliases: bool, outcomes: list[Outcome], wait: bool) -> None:
        """Record finished writes in order; a failed write stops the build (disk full, read-only)."""
        assert self.state is not None
        error: PackError | None = None
        while pending and (wait or pending[0][1].done()):
            g, fut = pending.pop(0)
            if error is not None:
                continue
            try:
                fut.result()
            except PackError as e:
                error = error or e
                for _, f in pending:
                    f.cancel()
                continue
            primary = g.members[0]
            self._record(primary.rel, g.job, primary.item.rel, None)
            outcomes += self._fan_out(g, primary, aliases, already=False)
        if error is not None:
            pending.clear()
            raise BuildAborted(str(error)) from error

    # -- finishing -----------------------------------------------------------------------
    def remove_stale(self, keep: set[str]) -> list[Outcome]:
        """Delete pack files of this game whose dumps are gone or now skipped."""
        assert self.state is not None
        outs = []
        for row in self.state.outputs():
            if row.root != self.cfg.source or not row.rel.startswith(self.game_rel + "/") or row.rel in keep:
                continue
            if row.alias_of is None:
                if self._foreign(row.rel):
                    self.state.delete_output(row.rel)  # from now on it is the modder's file
                    outs.append(Outcome(row.dump, "kept", row.rel, "its dump is gone, but it was edited after texpack wrote it"))
                    continue
                try:
                    (self.out / row.rel).unlink(missing_ok=True)
                except OSError as e:
                    outs.append(Outcome(row.dump, "failed", row.rel, f"cannot remove stale file ({e.strerror})"))
                    continue
            self.state.delete_output(row.rel)
            outs.append(Outcome(row.dump, "removed", row.rel, "no longer in the dump or skipped by the profile"))
        return outs

    def write_config(self) -> None:
        """DuckStation's config.yaml with the aliases of every deduplicated texture."""
        if self.cfg.target != "duckstation" or self.state is None:
            return
        aliases: dict[str, str] = {}
        managed: set[str] = set()
        for row in self.state.outputs():
            if row.rel.startswith(self.game_rel + "/"):
                title = Path(row.rel).name.rsplit(".", 1)[0]
                managed.add(title)
                if row.alias_of:
                    aliases[title] = Path(row.alias_of).relative_to(self.game_rel).as_posix()
        key = f"aliases:{self.cfg.game}"
        managed |= set(json.loads(self.state.meta(key) or "[]"))  # ours from earlier runs, maybe gone now
        try:
            targets.write_duckstation_config(self.out, self.cfg.game, aliases, managed)
        except PackError as e:
            raise BuildAborted(str(e)) from e
        self.state.set_meta(key, json.dumps(sorted(aliases)))


def _encode_and_write(path: Path, rgba: np.ndarray) -> None:
    imageio.write_atomic(path, imageio.encode_png(rgba))


def _reason(e: Exception, name: str) -> str:
    msg = str(e)
    prefix = f"{name}: "
    return msg[len(prefix):] if msg.startswith(prefix) else msg


def output_rels(outcomes: list[Outcome]) -> set[str]:
    """Pack paths this run accounts for: written, copied, aliased, current, kept, or failed
    (a texture that fails keeps its previous file). Everything else of the dump is stale."""
    return {o.output for o in outcomes if o.output}
