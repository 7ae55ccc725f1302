"""`texpack extract`."""

from __future__ import annotations

from pathlib import Path

import click

from texpack.cli.exits import EXIT_FAILED, fail
from texpack.errors import TexpackError


@click.command("extract")
@click.argument("cache", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("pack"), show_default=True, help="Pack folder to unpack into (hires_texture/<IDENT>/ inside it).")
@click.option("--ident", help="Game IDENT, when the file is not named <IDENT>_HIRESTEXTURES.*")
@click.option("--overwrite", is_flag=True, help="Replace files already in the pack folder (default: keep them).")
def command(cache: Path, out: Path, ident: str | None, overwrite: bool) -> None:
    """Unpack a GLideN64 texture cache (<IDENT>_HIRESTEXTURES.hts or .htc) into a PNG pack.

    Exit 1 when some entries could not be read (the rest are written), 2 when the
    cache cannot be read at all, 3 when the pack folder cannot be written."""
    from texpack.extract import extract

    try:
        r = extract(cache, out, ident, overwrite)
    except TexpackError as e:
        raise fail(e) from e
    for line in r.skipped:
        click.echo(f"skipped {line}")
    if r.kept:
        click.echo(f"kept {len(r.kept)} files already in {r.folder} (--overwrite replaces them)")
    click.echo(f"{len(r.files)} textures of {r.ident!r} from a .{r.kind} (config 0x{r.config & 0xFFFFFFFF:08X}) into {r.folder}")
    if r.skipped:
        raise SystemExit(EXIT_FAILED)
