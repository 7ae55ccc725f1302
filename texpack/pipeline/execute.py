"""Doing the plan: keep the modder's files, reuse current ones, upscale the rest, write, record.

Groups are worked a chunk at a time so memory stays bounded: decode and prepare the
chunk, batch same-shape textures per engine, run the network, apply the target's last
pixel rule, and hand each result to the encoder threads (zlib and file writes release
the GIL, so they run beside the next batch). Results are recorded in the state in order,
right after each atomic write. A write that fails (disk full, read-only) stops the run
with :class:`BuildAborted`, which carries what was done until then.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from texpack import imageio
from texpack.atomic import write_atomic
from texpack.engine.pool import EnginePool
from texpack.errors import PackError, TexpackError, UsageError
from texpack.imagesteps import Prepared, prepare, seams_in_net, upscale_group
from texpack.pipeline.ledger import Ledger
from texpack.pipeline.plan import Group, Member, Plan
from texpack.pipeline.sources import decode_item
from texpack.progress import ProgressSink
from texpack.report import Outcome, Status
from texpack.targets import Target

# Memory bounds: a chunk is at most this many groups and source texels (prepared
# as float32 RGBA with seam padding, ~20 bytes a texel); one network call gets at most
# CALL_OUTPUT_PX output pixels; encoded-but-unwritten results wait once they hold
# PENDING_BYTES. Without them a 10,000-texture build peaked at 16.8 GB RSS, the last
# chunk holding sixty 512 px textures' 2048 px outputs in float at once.
WORK_CHUNK = 256
CHUNK_TEXELS = 8 << 20
CALL_OUTPUT_PX = 32 << 20
PENDING_BYTES = 512 << 20


class BuildAborted(TexpackError):
    """The pack cannot be written any more (disk full, read-only); what was written is complete.

    ``outcomes`` holds what was done before it stopped.
    """

    def __init__(self, message: str, outcomes: list[Outcome]) -> None:
        super().__init__(message)
        self.outcomes = outcomes


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecOptions:
    keep_going: bool = True
    overwrite: bool = False
    encoders: int = max(1, os.cpu_count() or 1)


def _encode_and_write(path: Path, rgba: np.ndarray, owner: str) -> None:
    write_atomic(path, imageio.encode_png(rgba, owner=owner))


def keep_foreign(groups: list[Group], ledger: Ledger) -> tuple[list[Group], list[Outcome]]:
    """Leave alone pack files a modder made or edited (they are worth more than ours): the
    groups with those members taken out, and a KEPT outcome for each."""
    out, kept = [], []
    for g in groups:
        mine = []
        for m in g.members:
            why = ledger.foreign(m.rel)
            if why:
                kept.append(Outcome(m.item.rel, Status.KEPT, m.rel, why))
            else:
                mine.append(m)
        if mine:
            g.members = mine
            out.append(g)
    return out, kept


class Executor:
    def __init__(self, *, ledger: Ledger, pool: EnginePool, target: Target, options: ExecOptions, progress: ProgressSink) -> None:
        self.ledger, self.pool, self.target, self.options, self.progress = ledger, pool, target, options, progress
        self.outcomes: list[Outcome] = []

    def run(self, p: Plan) -> list[Outcome]:
        self.outcomes = list(p.outcomes)
        self.progress.producing(sum(len(g.members) for g in p.groups))
        try:
            groups, kept = (p.groups, []) if self.options.overwrite else keep_foreign(p.groups, self.ledger)
            for o in kept:
                self._add(o)
            work = [g for g in groups if not self._reuse(g)]
            # Smallest first: the first textures land in the pack within seconds, and
            # same-size textures sit together, so batches fill.
            work.sort(key=lambda g: g.area)
            self._upscale(work)
        except PackError as e:
            raise BuildAborted(str(e), self.outcomes) from e
        return self.outcomes

    def _add(self, o: Outcome, produced: int = 1) -> None:
        self.outcomes.append(o)
        if produced:
            self.progress.produced(produced)

    def _fail(self, g: Group, reason: str) -> None:
        for m in g.members:
            self._add(Outcome(m.item.rel, Status.FAILED, m.rel, reason))

    def _reuse(self, g: Group) -> bool:
        """Fan out from a member whose file is already current; False when the group needs work."""
        fresh = next((m for m in g.members if self.ledger.current(m.rel, g.job)), None)
        if fresh is None:
            return False
        self._fan_out(g, fresh, already=True)
        return True

    def _fan_out(self, g: Group, primary: Member, already: bool) -> None:
        """Give every member of ``g`` its pack file: the primary's, copied or aliased."""
        for m in g.members:
            if m is primary:
                self._add(Outcome(m.item.rel, Status.UP_TO_DATE if already else Status.BUILT, m.rel, "; ".join(m.settings.notes)))
            elif self.target.aliases and self.ledger.alias_current(m.rel, g.job, primary.rel):
                self._add(Outcome(m.item.rel, Status.UP_TO_DATE, m.rel))
            elif not self.target.aliases and self.ledger.current(m.rel, g.job):
                self._add(Outcome(m.item.rel, Status.UP_TO_DATE, m.rel))
            elif self.target.aliases:
                # (Re)point the alias at this group's file; an alias of a file whose dump is
                # gone would dangle once that file is removed.
                self.ledger.drop_file(m.rel)
                self.ledger.record(m.rel, g.job, m.item.rel, primary.rel)
                self._add(Outcome(m.item.rel, Status.ALIASED, m.rel, f"same pixels as {primary.item.rel}"))
            else:
                write_atomic(self.ledger.path(m.rel), self.ledger.path(primary.rel).read_bytes())
                self.ledger.record(m.rel, g.job, m.item.rel)
                self._add(Outcome(m.item.rel, Status.COPIED, m.rel, f"same pixels as {primary.item.rel}"))

    # -- upscaling --------------------------------------------------------------------
    def _upscale(self, work: list[Group]) -> None:
        with ThreadPoolExecutor(max_workers=self.options.encoders, thread_name_prefix="texpack-encode") as writers:
            pending: list[tuple[Group, Future[None], int]] = []
            try:
                for chunk in _chunks(work):
                    if not self._chunk(chunk, writers, pending):
                        break
            finally:
                self._record_written(pending, wait=True)

    def _prepared(self, chunk: list[Group]) -> Iterator[tuple[tuple[Any, ...], Group, Prepared]]:
        for g in chunk:
            m = g.first
            try:
                rgba = g.rgba if g.rgba is not None else decode_item(m.item)
                h, w = rgba.shape[:2]
                in_net = self.pool.options.seam_context == "network" and seams_in_net(self.pool.get(g.engine), h, w, m.settings.scale)
                p = prepare(rgba, m.settings.alpha, m.item.key.alpha_mode(), m.settings.seam, m.settings.color_fix, in_net)
            except UsageError:
                raise
            except TexpackError as e:
                self._fail(g, e.reason)
                continue
            finally:
                g.rgba = None
            yield (g.engine, m.settings.scale, p.shape, p.seam), g, p

    def _chunk(self, chunk: list[Group], writers: ThreadPoolExecutor, pending: list[Any]) -> bool:
        """Prepare, batch and upscale one chunk; False when the build should stop."""
        buckets: dict[tuple[Any, ...], list[tuple[Group, Prepared]]] = {}
        for key, g, p in self._prepared(chunk):
            buckets.setdefault(key, []).append((g, p))
        for (engine_key, scale, shape, _), bucket in buckets.items():
            per = max(1, CALL_OUTPUT_PX // max(1, shape[0] * shape[1] * scale * scale))
            while bucket:
                entries = bucket[:per]
                del bucket[:per]  # each call's prepared inputs go once it is done
                try:
                    results = upscale_group(self.pool.get(engine_key), [p for _, p in entries], scale)
                except UsageError:
                    raise
                except TexpackError as e:
                    for g, _ in entries:
                        self._fail(g, e.reason)
                    if not self.options.keep_going:
                        return False
                    continue
                for (g, _), rgba in zip(entries, results, strict=True):
                    rgba = self.target.finish_texture(rgba, g.first.item.key)
                    pending.append((g, writers.submit(_encode_and_write, self.ledger.path(g.first.rel), rgba, self.ledger.owner), rgba.nbytes))
                del results, entries
                self._record_written(pending, wait=False)
        return True

    def _record_written(self, pending: list[tuple[Group, Future[None], int]], wait: bool) -> None:
        """Record finished writes in order; a failed write stops the build. Past
        :data:`PENDING_BYTES` of results waiting to be encoded, wait for the oldest."""
        waiting = sum(b for _, _, b in pending)
        while pending and (wait or pending[0][1].done() or waiting > PENDING_BYTES):
            g, fut, nbytes = pending.pop(0)
            waiting -= nbytes
            try:
                fut.result()
            except PackError:
                self._record_survivors(pending)
                raise
            self._record_group(g)

    def _record_group(self, g: Group) -> None:
        first = g.first
        self.ledger.record(first.rel, g.job, first.item.rel)
        self._fan_out(g, first, already=False)

    def _record_survivors(self, pending: list[tuple[Group, Future[None], int]]) -> None:
        """After a failed write: drop writes not yet started, and record the ones another
        encoder thread finished meanwhile, so that the state knows every complete file on
        disk and the next run does not redo them."""
        for _, f, _ in pending:
            f.cancel()
        for g, f, _ in pending:
            if f.cancelled():
                continue
            try:
                f.result()
                self._record_group(g)
            except PackError:
                continue  # its write failed too, or a duplicate's copy did (the file itself is recorded)
        pending.clear()


def _chunks(work: list[Group]) -> Iterator[list[Group]]:
    """Consecutive runs of ``work`` within :data:`WORK_CHUNK` groups and :data:`CHUNK_TEXELS`
    source texels (a texture larger than that on its own is a chunk of one)."""
    chunk: list[Group] = []
    texels = 0
    for g in work:
        if chunk and (len(chunk) >= WORK_CHUNK or texels + g.area > CHUNK_TEXELS):
            yield chunk
            chunk, texels = [], 0
        chunk.append(g)
        texels += g.area
    if chunk:
        yield chunk
