"""`texpack check`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from texpack.cli.exits import EXIT_FAILED, fail
from texpack.cli.options import target_choice
from texpack.errors import TexpackError


@click.command("check")
@click.argument("pack", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--target", type=target_choice(), help="Loader whose rules apply to packs of its family (default: the family's first: GLideN64 for N64 packs, DuckStation for PS1).")
@click.option("--dump", type=click.Path(exists=True, file_okay=False, path_type=Path), help="The game's dump folder, to check each texture's scale (and, for GLideN64, its format digits).")
def command(pack: Path, target: str | None, dump: Path | None) -> None:
    """Check an existing pack (any tool's) against what the emulator's loader accepts.

    Exit code 1 when a texture the loader reads is wrong; files the loader never opens
    are at most a note.
    """
    from texpack.check import check

    try:
        results = check(pack, target, dump)
    except TexpackError as e:
        raise fail(e) from e
    bad = False
    for r in results:
        for f in r.findings:
            click.echo(f.line())
        n_err = len(r.errors)
        n_warn = sum(1 for f in r.findings if f.level == "warning")
        click.echo(f"{r.target} pack {r.game!r}: {r.files} textures, {n_err} errors, {n_warn} warnings")
        bad |= n_err > 0
    sys.exit(EXIT_FAILED if bad else 0)
