"""One game's build session, shared by ``build`` and ``watch`` (only the source of files differs).

:func:`open_game` resolves the target and profile of a dump folder, opens the pack's state
(taking the pack's lock) and gives a :class:`GameSession` that turns any list of dump
items into up-to-date pack files: plan → execute, then stale removal and the target's
finishing step. Engines come from a pool the caller owns, so several games share them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from texpack.atomic import remove_temps
from texpack.emulators import DumpRoot, get_emulator
from texpack.engine.options import EngineOptions
from texpack.engine.pool import EngineKey, EnginePool
from texpack.engine.threads import cores
from texpack.errors import LayoutError, ProfileError, UsageError
from texpack.pipeline.execute import ExecOptions, Executor
from texpack.pipeline.ledger import Ledger
from texpack.pipeline.plan import Plan, plan
from texpack.pipeline.sources import SourceCache
from texpack.profile import Profile, Settings, default_profile_for, find_profile, load_profile
from texpack.progress import NO_PROGRESS, ProgressSink
from texpack.report import Outcome, Status
from texpack.scan import DumpItem
from texpack.state import State
from texpack.targets import Target, default_target, get_target
from texpack.targets.base import PackContext


@dataclass(frozen=True, slots=True, kw_only=True)
class GameOptions:
    target: str | None = None  # default: the dump's emulator
    profile: str | None = None  # default: the game's shipped profile, else the emulator's
    scale: int | None = None  # overrides every profile scale
    model: str | None = None  # overrides every profile model
    detail: float | None = None  # overrides every profile detail
    engine: EngineOptions = EngineOptions()
    dry_run: bool = False
    keep_going: bool = True
    overwrite: bool = False
    reset_state: bool = False


def resolve_target(root: DumpRoot, target: str | None) -> Target:
    t = get_target(target) if target else default_target(root.emulator)
    if t.family != get_emulator(root.emulator).family:
        raise LayoutError(f"{root.emulator} dumps cannot become a {t.id} pack")
    return t


def profile_path(root: DumpRoot, name: str | None, out: Path | None = None) -> Path:
    """The profile file a game's build reads: the one named, else the pack's own for the game
    (``<out>/profiles/<game>.yaml``, as ``texpack review`` writes it), the shipped one, the emulator's."""
    return find_profile(name) if name else default_profile_for(root.emulator, root.game, out)


def file_sig(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def resolve_profile(root: DumpRoot, name: str | None, target: Target, scale: int | None, out: Path | None = None) -> Profile:
    path = profile_path(root, name, out)
    profile = load_profile(path)
    if scale is not None:
        problem = target.scale_problem(scale)
        if problem:
            raise UsageError(f"--scale {scale}: {problem}")
        return profile.without_scales()
    problems = target.profile_problems(profile)
    if problems:
        raise ProfileError(profile.source, problems)
    return profile


class GameSession:
    def __init__(self, root: DumpRoot, out: Path, target: Target, profile: Profile, options: GameOptions, pool: EnginePool) -> None:
        self.root, self.out, self.target, self.profile, self.options, self.pool = root, Path(out), target, profile, options, pool
        self.game_dir = target.game_dir(self.out, root.game)
        self.game_rel = self.game_dir.relative_to(self.out).as_posix()
        self.source = str(Path(root.path).resolve())
        self.state = None if options.dry_run else State.open(self.out, options.reset_state)
        self.models_used: set[tuple[str, float]] = set()
        path = profile_path(root, options.profile, self.out)
        self._profile_seen = (path, file_sig(path))
        self.sources = SourceCache(self.state)
        self.ledger = Ledger(self.state, self.out, self.game_rel, self.source) if self.state else None
        if self.state is not None:
            remove_temps(self.game_dir)  # safe: this process holds the pack's lock

    def close(self) -> None:
        if self.state is not None:
            self.state.close()
            self.state = None

    def __enter__(self) -> GameSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def settings_for(self, item: DumpItem, width: int, height: int) -> Settings:
        s = self.profile.settings_for(item.name, item.key, width, height)
        o = self.options
        if o.scale is not None:
            s = replace(s, scale=o.scale)
        if o.model is not None:
            s = replace(s, model=o.model)
        if o.detail is not None:
            s = replace(s, detail=o.detail)
        return s

    def engine_key(self, s: Settings) -> EngineKey:
        return self.pool.key(s.model, s.scale, s.detail)

    def plan(self, items: list[DumpItem], progress: ProgressSink = NO_PROGRESS) -> Plan:
        return plan(items, target=self.target, game_rel=self.game_rel, settings_for=self.settings_for,
                    sources=self.sources, engine_key=self.engine_key, progress=progress, decode_workers=cores())

    def process(self, items: list[DumpItem], progress: ProgressSink = NO_PROGRESS) -> list[Outcome]:
        """Bring the pack files of ``items`` up to date; one :class:`Outcome` per item."""
        p = self.plan(items, progress)
        self.models_used |= {(g.engine.model, g.engine.detail) for g in p.groups}
        if self.ledger is None:
            return p.outcomes + [Outcome(m.item.rel, Status.BUILT, m.rel, "dry run") for g in p.groups for m in g.members]
        ex = Executor(ledger=self.ledger, pool=self.pool, target=self.target, progress=progress,
                      options=ExecOptions(keep_going=self.options.keep_going, overwrite=self.options.overwrite))
        return ex.run(p)

    def reload_profile(self) -> bool:
        """Take up the game's profile again if its file changed (a rule saved by ``texpack
        review``, or the pack's own profile made meanwhile); True when the settings changed.
        A profile a build would refuse raises, and the one in use stays."""
        path = profile_path(self.root, self.options.profile, self.out)
        seen = (path, file_sig(path))
        if seen == self._profile_seen:
            return False
        self._profile_seen = seen
        profile = resolve_profile(self.root, self.options.profile, self.target, self.options.scale, self.out)
        check_models(profile, self.options, self.pool)
        changed = profile != self.profile
        self.profile = profile
        return changed

    def model_credits(self) -> list[dict[str, Any]]:
        """Each network this session upscaled with: name, licence and source from its card,
        and its sharp partner when ``detail`` blended one in, for the pack's report."""
        from texpack.engine.base import RESAMPLE_MODES
        from texpack.models.catalog import find_model

        out = []
        for name, detail in sorted(self.models_used):
            if name in RESAMPLE_MODES:
                continue
            entries = [find_model(name)]
            if detail > 0 and entries[0].detail_partner:
                entries.append(find_model(entries[0].detail_partner))
            for e in entries:
                src = e.card.get("source") or e.card.get("init") or ""
                out.append({"model": e.name, "license": str(e.card.get("license", "unknown")),
                            "source": src if isinstance(src, str) else str(src), "detail": detail if e is not entries[0] else None})
        return out

    def remove_stale(self, keep: set[str]) -> list[Outcome]:
        return self.ledger.remove_stale(keep) if self.ledger else []

    def finish(self) -> list[str]:
        """The target's files besides the textures (DuckStation's config.yaml); returns notes."""
        if self.ledger is None or self.state is None:
            return []
        aliases, names = self.ledger.aliases()
        key = f"aliases:{self.root.game}"
        managed = names | set(json.loads(self.state.meta(key) or "[]"))  # ours from earlier runs, maybe gone now
        ctx = PackContext(self.out, self.root.game, self.game_dir, aliases, managed, Path(self.root.path))
        notes = self.target.finish_pack(ctx)
        self.state.set_meta(key, json.dumps(sorted(aliases)))
        return notes


def check_models(profile: Profile, options: GameOptions, pool: EnginePool) -> None:
    """Every model the profile (or ``--model``) names exists and its weights read: a usage
    error now, before any work, instead of one failure per texture. The device is checked
    by the first engine key, after the dump is read (PyTorch imports meanwhile)."""
    names = {options.model} if options.model else {profile.base.model} | {r.set["model"] for r in profile.rules if "model" in r.set}
    for name in sorted(names):
        pool.check(name, options.detail or 0.0)


def open_game(root: DumpRoot, out: Path, options: GameOptions, pool: EnginePool) -> GameSession:
    """Resolve target and profile for ``root``, check its models, and open its pack in ``out``."""
    target = resolve_target(root, options.target)
    profile = resolve_profile(root, options.profile, target, options.scale, out)
    check_models(profile, options, pool)
    return GameSession(root, out, target, profile, options, pool)
