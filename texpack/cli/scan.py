"""`texpack scan`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from texpack.cli.exits import fail
from texpack.cli.options import dump_options
from texpack.errors import TexpackError


@click.command("scan")
@click.argument("dump", type=click.Path(exists=True, file_okay=False, path_type=Path))
@dump_options
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def command(dump: Path, emulator: str | None, game: str | None, as_json: bool) -> None:
    """Show what DUMP holds: emulator, formats and sizes, bad names, exact duplicates."""
    from texpack.emulators import find_dump_roots
    from texpack.survey import survey

    try:
        results = [survey(root) for root in find_dump_roots(dump.resolve(), emulator, game)]
    except TexpackError as e:
        raise fail(e) from e
    if as_json:
        click.echo(json.dumps([r.to_json() for r in results], indent=1, ensure_ascii=False))
        return
    for r in results:
        click.echo(f"{r.root.emulator}  {r.root.game!r}  {r.root.path}")
        click.echo(f"  {r.textures} textures")
        for (fmt, size), n in sorted(r.groups.items()):
            click.echo(f"    {fmt:<12} {size:>9}  {n}")
        if r.unrecognized:
            click.echo(f"  {len(r.unrecognized)} unrecognized names:")
            for f, reason in r.unrecognized:
                click.echo(f"    {f}: {reason}")
        for f, reason in r.unreadable:
            click.echo(f"  unreadable: {f}: {reason}")
        for f, reason in r.skipped:
            click.echo(f"  skipped: {f}: {reason}")
        if r.duplicates:
            n = sum(len(d) - 1 for d in r.duplicates)
            click.echo(f"  {len(r.duplicates)} groups of identical pixels ({n} textures upscaled once, {r.duplicate_pixels_saved} source pixels saved):")
            for d in r.duplicates:
                click.echo("    " + "  =  ".join(d))
