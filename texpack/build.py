"""`texpack build`: every game dump under a folder into packs, incrementally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from texpack.distribute import write_zip
from texpack.hts import write_hts
from texpack.emulators import DumpRoot, find_dump_roots, get_emulator
from texpack.engine.torch_engine import EngineOptions
from texpack.errors import LayoutError, PackError
from texpack.pipeline import BuildAborted, BuildConfig, PackBuilder, output_rels
from texpack.profile import Profile, default_profile_for, find_profile, load_profile
from texpack.report import Outcome, Report, write_reports
from texpack.scan import scan
from texpack.targets import FAMILY, TARGETS

REPORT_NAME = "texpack-report.json"


@dataclass(frozen=True, slots=True)
class BuildRequest:
    dump: Path
    out: Path
    emulator: str | None = None
    game: str | None = None
    target: str | None = None
    profile: str | None = None
    scale: int | None = None
    model: str | None = None
    engine: EngineOptions = EngineOptions()
    dry_run: bool = False
    keep_going: bool = True
    zip_dir: Path | None = None  # also write <target>-<game>.zip here
    overwrite: bool = False
    hts: bool = False  # also write GLideN64's single-file storage into <out>/cache/


def target_for(root: DumpRoot, target: str | None) -> str:
    t = target or root.emulator
    if t not in TARGETS:
        raise LayoutError(f"unknown target {t!r} (known: {', '.join(TARGETS)})")
    if FAMILY[t] != get_emulator(root.emulator).family:
        raise LayoutError(f"{root.emulator} dumps cannot become a {t} pack")
    return t


def profile_for(root: DumpRoot, name: str | None) -> Profile:
    path = find_profile(name) if name else default_profile_for(root.emulator, root.game)
    return load_profile(path)


def build_root(root: DumpRoot, req: BuildRequest, on_event: Callable[[str, int], None] | None = None) -> Report:
    target = target_for(root, req.target)
    profile = profile_for(root, req.profile)
    if req.scale is not None:
        profile = replace(profile, scale_lines=())  # the override replaces every profile scale
    else:
        profile.check_target(target)
    cfg = BuildConfig(req.out, target, root.game, profile, req.scale, req.model, req.engine, req.dry_run, req.keep_going, str(root.path.resolve()), req.overwrite)
    scale = req.scale or profile.base.scale
    report = Report(root.emulator, target, root.game, str(req.out), scale)
    found = scan(root)
    report.outcomes += [Outcome(p.rel, "failed", reason=p.line()[len(p.rel) + 2 :]) for p in found.problems]
    builder = PackBuilder(cfg, on_event)
    try:
        outcomes = builder.process(found.items)
        report.outcomes += outcomes
        if not req.dry_run:
            report.outcomes += builder.remove_stale(output_rels(outcomes))
            builder.write_config()
            if req.hts and target == "gliden64":
                dest = Path(req.out) / "cache" / f"{root.game}_HIRESTEXTURES.hts"
                write_hts(builder.game_dir, root.game, dest)
                report.extra_files.append(str(dest))
            if req.zip_dir is not None:
                name = f"{target}-{root.game}.zip"
                report.extra_files.append(str(write_zip(target, Path(req.out), root.game, Path(req.zip_dir) / name)))
    except BuildAborted as e:
        report.outcomes += e.outcomes
        report.aborted = str(e)
    except PackError as e:
        report.aborted = str(e)
    finally:
        builder.close()
    return report


def build(req: BuildRequest, on_event: Callable[[str, int], None] | None = None) -> list[Report]:
    roots = find_dump_roots(req.dump, req.emulator, req.game)
    reports = []
    for root in roots:
        reports.append(build_root(root, req, on_event))
        if reports[-1].aborted:
            break
    if not req.dry_run:
        try:
            write_reports(reports, Path(req.out) / REPORT_NAME)
        except PackError as e:
            if reports and not reports[-1].aborted:
                reports[-1].aborted = f"cannot write the report ({e})"
    return reports
