"""Planning: which pack file each dump becomes, with which settings, grouped by identical work.

Input: the dump items, the target, the settings each item gets, the source cache (content
hashes) and engine keys. Output: one :class:`Group` per distinct job (same pixels, same
settings, same engine: upscaled once, then copied or aliased to every member) and an
outcome for every item that is skipped or fails already here. Nothing is written and no
network is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import xxhash

from texpack.engine.pool import EngineKey
from texpack.errors import TexpackError, UsageError
from texpack.imagesteps import PIPELINE_VERSION
from texpack.pipeline.ledger import rel_problem
from texpack.pipeline.sources import SourceCache
from texpack.profile import Settings
from texpack.progress import ProgressSink
from texpack.report import Outcome, Status
from texpack.scan import DumpItem
from texpack.targets import Target

# Decoded pixels kept from planning for the upscale, so those textures are not decoded
# twice: 16M texels (64 MB of RGBA8) covers most games' whole dump.
HOLD_PX = 16 << 20


@dataclass(slots=True)
class Member:
    item: DumpItem
    settings: Settings
    rel: str  # pack file, relative to the output folder


@dataclass(slots=True)
class Group:
    job: str
    engine: EngineKey
    members: list[Member] = field(default_factory=list)
    rgba: np.ndarray | None = None  # the first member's pixels, when still held from planning
    area: int = 0  # source pixels of the texture

    @property
    def first(self) -> Member:
        return self.members[0]


@dataclass(slots=True)
class Plan:
    groups: list[Group] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


def job_key(content: str, engine: EngineKey, s: Settings, item: DumpItem, target: Target) -> str:
    parts = (
        PIPELINE_VERSION, content, engine.identity, s.scale, s.alpha.value, item.key.alpha_mode().value,
        s.seam.value, s.color_fix, target.id, target.finish_tag(item.key),
    )
    return xxhash.xxh3_128("|".join(map(str, parts)).encode()).hexdigest()


def _pack_names(items: list[DumpItem], target: Target, game_rel: str, progress: ProgressSink, outcomes: list[Outcome]) -> list[tuple[DumpItem, str]]:
    """(dump, pack file) of every dump that gets a pack file of its own; an outcome for each
    that does not (skipped by the loader's rules, a bad name, a file another dump has)."""
    claimed: dict[str, str] = {}
    loaded: dict[tuple[Any, ...], tuple[str, str]] = {}  # the loader's own key -> (dump, pack file) holding it
    context = target.plan_context([i.key for i in items])
    # When two dumps map to one pack file (Rice writes a texture both as #PAL_ci.bmp and
    # as #PAL_ciByRGBA.png), the PNG wins: it carries alpha, the BMP does not.
    todo: list[tuple[DumpItem, str]] = []
    for item in sorted(items, key=lambda i: i.path.suffix.lower() == ".bmp"):
        try:
            why = target.skip_reason(item.key, context)
            if why:
                progress.read()
                outcomes.append(Outcome(item.rel, Status.SKIPPED, "", why))
                continue
            rel = f"{game_rel}/{target.output_name(item.key, item.name)}"
        except TexpackError as e:
            progress.read()
            outcomes.append(Outcome(item.rel, Status.FAILED, "", e.reason))
            continue
        bad = rel_problem(rel, game_rel)
        if bad or rel in claimed:
            progress.read()
            outcomes.append(Outcome(item.rel, Status.FAILED, "", bad) if bad else Outcome(item.rel, Status.SKIPPED, "", f"same pack file as {claimed[rel]}"))
            continue
        lk = target.load_key(item.key)
        if lk is not None and lk in loaded and loaded[lk][1] != rel:
            progress.read()
            outcomes.append(Outcome(item.rel, Status.SKIPPED, "", f"{target.title} keeps one file per CRC, palette and type whatever the "
                                           f"format and size, and {loaded[lk][0]} has it: {target.title} would show that one for both"))
            continue
        if lk is not None:
            loaded[lk] = (item.rel, rel)
        claimed[rel] = item.rel
        todo.append((item, rel))
    return todo


def plan(
    items: list[DumpItem],
    *,
    target: Target,
    game_rel: str,
    settings_for: Callable[[DumpItem, int, int], Settings],
    sources: SourceCache,
    engine_key: Callable[[Settings], EngineKey],
    progress: ProgressSink,
    decode_workers: int = 1,
) -> Plan:
    """Group ``items`` into jobs; every item ends up in a group or in ``outcomes``."""
    result = Plan()
    groups: dict[str, Group] = {}
    held = 0
    progress.reading(len(items))
    todo = _pack_names(items, target, game_rel, progress, result.outcomes)
    rels = dict((i.rel, r) for i, r in todo)
    for item, found in sources.lookup_many([i for i, _ in todo], decode_workers):
        progress.read()
        rel = rels[item.rel]
        try:
            if isinstance(found, TexpackError):
                raise found
            info, rgba = found
            s = settings_for(item, info.width, info.height)
            if s.skip:
                result.outcomes.append(Outcome(item.rel, Status.SKIPPED, reason=f"profile rule {s.rules[-1]}"))
                continue
            problem = target.scale_problem(s.scale)
            if problem:
                raise UsageError(problem)
            size = target.size_rule(info.width, info.height, s.scale)
            if size.skip:
                result.outcomes.append(Outcome(item.rel, Status.SKIPPED, "", size.skip))
                continue
            if size.scale != s.scale:
                s = replace(s, scale=size.scale, notes=s.notes + (size.note,))
            engine = engine_key(s)
            job = job_key(info.content, engine, s, item, target)
        except UsageError:
            raise
        except TexpackError as e:
            # The previous pack file (if any) stays: a texture that fails now keeps its old output.
            result.outcomes.append(Outcome(item.rel, Status.FAILED, rel, e.reason))
            continue
        g = groups.get(job)
        if g is None:
            g = groups[job] = Group(job, engine, area=info.width * info.height)
            if rgba is not None and held + g.area <= HOLD_PX:
                g.rgba, held = rgba, held + g.area
        g.members.append(Member(item, s, rel))
    for g in groups.values():
        g.members.sort(key=lambda m: m.rel)
    result.groups = list(groups.values())
    return result
