"""`texpack build`: every game dump under a folder into packs, incrementally."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from texpack.distribute import write_zip
from texpack.emulators import DumpRoot, find_dump_roots
from texpack.engine.base import RESAMPLE_MODES
from texpack.engine.pool import EnginePool
from texpack.errors import LayoutError, PackError, PackStateError, ProfileError, StateError, TexpackError, UsageError
from texpack.pipeline.execute import BuildAborted
from texpack.pipeline.ledger import output_rels
from texpack.progress import NO_PROGRESS, ProgressSink
from texpack.report import REPORT_NAME, Outcome, Report, Status, write_reports
from texpack.scan import scan
from texpack.session import GameOptions, GameSession, open_game
from texpack.targets.gliden64_cache import GLideN64Settings


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildRequest:
    dump: Path
    out: Path
    emulator: str | None = None
    game: str | None = None
    options: GameOptions = GameOptions()
    zip_dir: Path | None = None  # also write <target>-<game>.zip here
    gliden64_cache: bool = False  # also write GLideN64's .hts and .htc into <out>/cache/
    gliden64: GLideN64Settings = field(default_factory=GLideN64Settings)


def _extras(session: GameSession, req: BuildRequest, report: Report) -> None:
    out, game, target = Path(req.out), session.root.game, session.target
    if req.gliden64_cache:
        files, notes = target.write_caches(session.game_dir, game, out / "cache", req.gliden64)
        report.extra_files += [str(f) for f in files]
        report.notes += notes
    if req.zip_dir is not None and session.state is not None:
        dest = Path(req.zip_dir) / f"{target.id}-{game}.zip"
        report.extra_files.append(str(write_zip(target, out, game, dest, session.state)))


def build_root(root: DumpRoot, req: BuildRequest, pool: EnginePool, progress: ProgressSink = NO_PROGRESS) -> Report:
    opts = req.options
    report = Report(root.emulator, opts.target or root.emulator, root.game, str(req.out), opts.scale or 0)
    try:
        session = open_game(root, req.out, opts, pool)
    except (ProfileError, UsageError, StateError):
        raise
    except PackStateError as e:
        report.aborted, report.fatal = str(e), True  # the pack's own state folder: no other game can use it either
        return report
    except (LayoutError, PackError) as e:
        report.aborted = str(e)  # this game cannot be built; the others still can
        return report
    report.target, report.scale = session.target.id, opts.scale or session.profile.base.scale
    with session:
        _build_session(session, root, req, report, progress)
    return report


def _build_session(session: GameSession, root: DumpRoot, req: BuildRequest, report: Report, progress: ProgressSink) -> None:
    found = scan(root)
    report.outcomes += [Outcome(p.rel, Status.FAILED, reason=p.message()) for p in found.problems]
    report.outcomes += [Outcome(s.rel, Status.SKIPPED, reason=s.reason) for s in found.skipped]
    try:
        outcomes = session.process(found.items, progress)
        report.outcomes += outcomes
        if not req.options.dry_run:
            report.outcomes += session.remove_stale(output_rels(outcomes))
    except BuildAborted as e:
        report.outcomes += e.outcomes
        report.aborted, report.fatal = str(e), True
    except PackError as e:
        report.aborted, report.fatal = str(e), True
    report.models = session.model_credits()
    try:
        if not req.options.dry_run and not report.aborted:
            report.notes += session.finish()
            _extras(session, req, report)
    except PackError as e:
        report.aborted = str(e)  # a config.yaml that cannot be edited, an archive that cannot be written


def _check_clashes(roots: list[DumpRoot], target: str | None) -> None:
    """Two dump folders whose packs would share one game folder (GLideN64 and Rice dumps of
    one IDENT both write hires_texture/<IDENT>/) would overwrite each other on every run."""
    from texpack.session import resolve_target

    seen: dict[str, DumpRoot] = {}
    for root in roots:
        try:
            rel = resolve_target(root, target).game_rel(root.game)
        except TexpackError:
            continue  # reported for that game when it is built
        other = seen.get(rel)
        if other is not None:
            raise UsageError(
                f"{other.emulator} dumps ({other.path}) and {root.emulator} dumps ({root.path}) would both write {rel}/; "
                "build them into separate --out folders, or pick one with --emulator"
            )
        seen[rel] = root


def build(req: BuildRequest, progress: ProgressSink = NO_PROGRESS, pool: EnginePool | None = None) -> list[Report]:
    """Build every game under ``req.dump``; one report per game, written to the pack's report file.

    Usage problems (unknown model or target, a bad profile, a locked pack) raise before
    any work; a game whose folder or pack cannot be used gets a report saying so, and the
    other games are built.
    """
    roots = find_dump_roots(Path(req.dump).resolve(), req.emulator, req.game)
    out = Path(req.out).resolve()
    for root in roots:
        try:
            out.relative_to(Path(root.path).resolve())
        except ValueError:
            continue
        raise UsageError(f"--out {req.out} lies inside the dump folder {root.path}: the pack would be read back as dumps")
    _check_clashes(roots, req.options.target)
    pool = pool or EnginePool(req.options.engine)
    if not req.options.dry_run and req.options.model not in RESAMPLE_MODES:
        # PyTorch imports while the first game's dump is read. A dry run or a resampler
        # never needs it: starting the import anyway would leave a thread importing PyTorch
        # behind a command (or a test) that has already finished.
        pool.warm_up()
    reports = []
    for root in roots:
        reports.append(build_root(root, req, pool, progress))
        if reports[-1].fatal:
            break  # the disk is full or read-only: the next games would fail the same way
    if not req.options.dry_run:
        try:
            write_reports(reports, Path(req.out) / REPORT_NAME)
        except PackError as e:
            if reports and not reports[-1].aborted:
                reports[-1].aborted = f"cannot write the report ({e})"
    return reports


__all__ = ["BuildRequest", "REPORT_NAME", "build", "build_root", "TexpackError"]
