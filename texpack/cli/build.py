"""`texpack build`."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from texpack.build import REPORT_NAME, BuildRequest, build
from texpack.cli import EXIT_ABORTED, EXIT_FAILED, fail
from texpack.cli.options import dump_options, engine_options
from texpack.engine.torch_engine import EngineOptions, set_threads
from texpack.errors import TexpackError
from texpack.targets import RELOAD_HELP, TARGETS


@click.command("build")
@click.argument("dump", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("pack"), show_default=True, help="Pack folder.")
@click.option("--profile", "-p", help="Profile file or shipped name (default: the game's shipped profile, else the emulator's defaults).")
@click.option("--target", type=click.Choice(TARGETS), help="Pack layout (default: the dump's emulator).")
@click.option("--scale", type=click.IntRange(1, 16), help="Upscale factor for every texture (default: the profile's, 4).")
@click.option("--model", "-m", help="Model name, .pth/.safetensors path, or nearest/bilinear/bicubic.")
@dump_options
@engine_options
@click.option("--dry-run", is_flag=True, help="Scan and plan only; write nothing.")
@click.option("--zip", "zip_dir", type=click.Path(file_okay=False, path_type=Path), help="Also write a distributable <target>-<game>.zip per game into this folder.")
@click.option("--hts", is_flag=True, help="GLideN64: also write the single-file <IDENT>_HIRESTEXTURES.hts into <out>/cache/.")
@click.option("--overwrite", is_flag=True, help="Replace pack files texpack did not write, or that were edited since (kept by default).")
@click.option("--keep-going/--no-keep-going", default=True, show_default=True, help="Go on past textures that fail (exit 1 at the end), or stop at the first engine failure.")
def command(dump, out, profile, target, scale, model, emulator, game, device, precision, tile, dry_run, zip_dir, hts, overwrite, keep_going) -> None:
    """Build hi-res packs from the game dump folder(s) at or under DUMP."""
    set_threads()
    req = BuildRequest(dump, out, emulator, game, target, profile, scale, model, EngineOptions(device, precision, tile), dry_run, keep_going, zip_dir, overwrite, hts)
    err = Console(stderr=True)
    show = sys.stderr.isatty()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, disable=not show, transient=True)
    reading = progress.add_task("reading dumps", total=0)
    task = progress.add_task("upscaling", total=0)

    totals = {reading: 0, task: 0}

    def on_event(kind: str, n: int) -> None:
        t = reading if kind.startswith("read") else task
        if kind.endswith("total"):
            totals[t] += n
            progress.update(t, total=totals[t])
        else:
            progress.advance(t, n)

    try:
        with progress:
            reports = build(req, on_event)
    except TexpackError as e:
        raise fail(e) from e
    code = 0
    for r in reports:
        for o in r.outcomes:
            if o.status == "failed":
                click.echo(f"failed: {o.dump}: {o.reason}", err=True)
        click.echo(r.summary())
        for extra in r.extra_files:
            click.echo(f"  wrote {extra}")
        for status in ("kept", "skipped"):
            reasons = Counter(o.reason for o in r.outcomes if o.status == status)
            for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
                click.echo(f"  {status} {n}: {reason}")
        if r.aborted:
            code = EXIT_ABORTED
        elif r.failed and code == 0:
            code = EXIT_FAILED
    if not dry_run:
        click.echo(f"pack: {out}  (report: {out / REPORT_NAME})")
        for t in sorted({r.target for r in reports}):
            click.echo(f"to load it: {RELOAD_HELP[t]}")
    sys.exit(code)
