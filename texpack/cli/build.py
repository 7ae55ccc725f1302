"""`texpack build`."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from texpack.cli.exits import EXIT_ABORTED, EXIT_FAILED, fail
from texpack.cli.options import dump_options, engine_options, game_options, pack_options
from texpack.cli.progress import build_progress
from texpack.errors import TexpackError


@click.command("build")
@click.argument("dump", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("pack"), show_default=True, help="Pack folder.")
@pack_options
@dump_options
@engine_options
@click.option("--dry-run", is_flag=True, help="Scan and plan only; write nothing, build no network.")
@click.option("--zip", "zip_dir", type=click.Path(file_okay=False, path_type=Path), help="Also write a distributable <target>-<game>.zip per game into this folder.")
@click.option("--hts", "gliden64_cache", is_flag=True, help="GLideN64: also write the caches <IDENT>_HIRESTEXTURES.hts and .htc into <out>/cache/.")
@click.option("--gliden64", "gliden64_settings", multiple=True, metavar="NAME=0|1", help="A GLideN64 setting the caches are for, as GLideN64 names it (repeatable; default: GLideN64's defaults).")
@click.option("--overwrite", is_flag=True, help="Replace pack files texpack did not write, or that were edited since (kept by default).")
@click.option("--keep-going/--no-keep-going", default=True, show_default=True, help="Go on past textures that fail (exit 1 at the end), or stop at the first engine failure.")
@click.option("--reset-state", is_flag=True, help="Move a damaged build state aside and start a fresh one (the pack stays).")
def command(dump: Path, out: Path, dry_run: bool, zip_dir: Path | None, gliden64_cache: bool, gliden64_settings: tuple[str, ...], overwrite: bool,
            keep_going: bool, reset_state: bool, emulator: str | None, game: str | None, **kw: Any) -> None:
    """Build hi-res packs from the game dump folder(s) at or under DUMP."""
    from texpack.build import REPORT_NAME, BuildRequest, build
    from texpack.targets import get_target
    from texpack.targets.gliden64_cache import GLideN64Settings

    try:
        settings = GLideN64Settings.parse(list(gliden64_settings))
        opts = game_options(kw, dry_run=dry_run, keep_going=keep_going, overwrite=overwrite, reset_state=reset_state)
        req = BuildRequest(dump=dump, out=out, emulator=emulator, game=game, options=opts, zip_dir=zip_dir,
                           gliden64_cache=gliden64_cache or bool(gliden64_settings), gliden64=settings)
        with build_progress() as progress:
            reports = build(req, progress)
    except TexpackError as e:
        raise fail(e) from e
    code = 0
    for r in reports:
        for o in r.failed:
            click.echo(f"failed: {o.dump}: {o.reason}", err=True)
        click.echo(r.summary())
        for extra in r.extra_files:
            click.echo(f"  wrote {extra}")
        for note in r.notes:
            click.echo(f"  {note}")
        for status in ("kept", "skipped", "built"):
            reasons = Counter(o.reason for o in r.outcomes if o.status.value == status and o.reason and o.reason != "dry run")
            for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
                click.echo(f"  {'note' if status == 'built' else status} {n}: {reason}")
        if r.fatal:
            code = EXIT_ABORTED
        elif (r.failed or r.aborted) and code == 0:
            code = EXIT_FAILED
    if not dry_run:
        click.echo(f"pack: {out}  (report: {out / REPORT_NAME})")
        for t in sorted({r.target for r in reports}):
            click.echo(f"to load it: {get_target(t).reload_help}")
    sys.exit(code)
