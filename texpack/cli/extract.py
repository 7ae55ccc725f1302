"""`texpack extract`."""

from __future__ import annotations

from pathlib import Path

import click

from texpack.cli import fail
from texpack.errors import TexpackError


@click.command("extract")
@click.argument("cache", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("pack"), show_default=True, help="Pack folder to unpack into (hires_texture/<IDENT>/ inside it).")
@click.option("--ident", help="Game IDENT, when the file is not named <IDENT>_HIRESTEXTURES.*")
def command(cache: Path, out: Path, ident: str | None) -> None:
    """Unpack a GLideN64 texture cache (<IDENT>_HIRESTEXTURES.hts or .htc) into a PNG pack."""
    from texpack.extract import extract

    try:
        r = extract(cache, out, ident)
    except TexpackError as e:
        raise fail(e) from e
    click.echo(f"{len(r.files)} textures of {r.ident!r} from a .{r.kind} (config 0x{r.config & 0xFFFFFFFF:08X}) into {r.folder}")
