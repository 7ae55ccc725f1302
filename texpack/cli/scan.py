"""`texpack scan`."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import click

from texpack.cli import fail
from texpack.cli.options import dump_options
from texpack.emulators import find_dump_roots
from texpack.errors import TexpackError
from texpack.pipeline import content_hash, decode_item
from texpack.scan import group_label, scan


@click.command("scan")
@click.argument("dump", type=click.Path(exists=True, file_okay=False, path_type=Path))
@dump_options
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def command(dump, emulator, game, as_json) -> None:
    """Show what DUMP holds: emulator, formats and sizes, bad names, exact duplicates."""
    try:
        roots = find_dump_roots(dump, emulator, game)
    except TexpackError as e:
        raise fail(e) from e
    results = []
    for root in roots:
        found = scan(root)
        groups: dict[tuple[str, str], int] = defaultdict(int)
        by_content: dict[str, list[str]] = defaultdict(list)
        unreadable = []
        pixels = {}
        for it in found.items:
            try:
                rgba = decode_item(it)
            except TexpackError as e:
                unreadable.append({"file": it.rel, "reason": str(e)})
                continue
            groups[(group_label(it.key), f"{rgba.shape[1]}x{rgba.shape[0]}")] += 1
            h = content_hash(rgba)
            by_content[h].append(it.rel)
            pixels[h] = rgba.shape[0] * rgba.shape[1]
        dups = [sorted(v) for v in by_content.values() if len(v) > 1]
        saved = sum((len(v) - 1) * pixels[h] for h, v in by_content.items() if len(v) > 1)
        results.append(
            {
                "emulator": root.emulator,
                "game": root.game,
                "folder": str(root.path),
                "textures": len(found.items),
                "groups": [{"format": f, "size": s, "count": n} for (f, s), n in sorted(groups.items())],
                "unrecognized": [{"file": p.rel, "reason": p.line()[len(p.rel) + 2 :]} for p in found.problems],
                "unreadable": unreadable,
                "duplicates": dups,
                "duplicate_pixels_saved": saved,
            }
        )
    if as_json:
        click.echo(json.dumps(results, indent=1, ensure_ascii=False))
        return
    for r in results:
        click.echo(f"{r['emulator']}  {r['game']!r}  {r['folder']}")
        click.echo(f"  {r['textures']} textures")
        for g in r["groups"]:
            click.echo(f"    {g['format']:<12} {g['size']:>9}  {g['count']}")
        if r["unrecognized"]:
            click.echo(f"  {len(r['unrecognized'])} unrecognized names:")
            for p in r["unrecognized"]:
                click.echo(f"    {p['file']}: {p['reason']}")
        for p in r["unreadable"]:
            click.echo(f"  unreadable: {p['reason']}")
        if r["duplicates"]:
            n = sum(len(d) - 1 for d in r["duplicates"])
            click.echo(f"  {len(r['duplicates'])} groups of identical pixels ({n} textures upscaled once, {r['duplicate_pixels_saved']} source pixels saved):")
            for d in r["duplicates"]:
                click.echo("    " + "  =  ".join(d))
