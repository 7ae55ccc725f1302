"""`texpack install`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from texpack.cli.exits import EXIT_FAILED, fail
from texpack.errors import TexpackError


@click.command("install")
@click.argument("pack", type=click.Path(exists=True, path_type=Path))
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), help="Emulator data folder (the one holding hires_texture/ or textures/); default: found from the common front-ends.")
@click.option("--overwrite", is_flag=True, help="Replace files already there that differ from the pack's (kept by default).")
def command(pack: Path, into: Path | None, overwrite: bool) -> None:
    """Merge PACK (a pack folder or a --zip archive) into an emulator's load folder.

    Files already there are never replaced unless --overwrite; DuckStation's config.yaml
    gains the pack's aliases and keeps your settings and aliases.
    """
    from texpack.install import choose_into, family_roots, install, pack_families

    failed = False
    try:
        # Without --into, each family of a mixed N64 + PS1 pack goes to its own emulator's folder.
        plan = [(into, None, None)] if into is not None else [(*choose_into(pack, fam), family_roots(fam)) for fam in pack_families(pack)]
        for dest, why, roots in plan:
            if why and roots:
                click.echo(f"installing {', '.join(r + '/' for r in roots)} into {dest} ({why})")
            rep = install(pack, dest, overwrite, roots)
            for rel, reason in rep.kept:
                click.echo(f"kept: {rel}: {reason}")
            for rel, reason in rep.failed:
                click.echo(f"failed: {rel}: {reason}", err=True)
            for note in rep.notes:
                click.echo(f"note: {note}")
            click.echo(f"{len(rep.added)} added, {len(rep.replaced)} updated, {len(rep.unchanged)} already there, {len(rep.kept)} kept, {len(rep.failed)} failed, in {rep.into}")
            failed = failed or bool(rep.failed)
    except TexpackError as e:
        raise fail(e) from e
    sys.exit(EXIT_FAILED if failed else 0)
