"""`texpack review`."""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from texpack.cli.exits import fail
from texpack.cli.options import dump_options, engine_options, game_options, target_choice
from texpack.errors import TexpackError, UsageError

if TYPE_CHECKING:
    from texpack.emulators import DumpRoot


def _root_and_out(path: Path, out: Path | None, emulator: str | None, game: str | None) -> tuple[list[DumpRoot], Path]:
    """A dump folder (with --out), or a pack folder whose state names its dump folder."""
    from texpack.emulators import find_dump_roots
    from texpack.review.packsource import dump_of_pack

    if (path / ".texpack" / "state.sqlite").is_file() and out is None:
        dump = dump_of_pack(path, game)
        roots = find_dump_roots(dump, emulator, game)
        return roots, path
    roots = find_dump_roots(path.resolve(), emulator, game)
    return roots, (out or Path("pack"))


@click.command("review")
@click.argument("dump_or_pack", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), help="Pack folder, when DUMP_OR_PACK is a dump folder (default: pack).")
@click.option("--profile", "-p", type=click.Path(dir_okay=False, path_type=Path), help="Profile file to tune (default: <pack>/profiles/<game>.yaml, made on the first change).")
@click.option("--target", type=target_choice(), help="Pack layout (default: the dump's emulator).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Write a self-contained before/after page to this file and stop.")
@click.option("--pick", multiple=True, help="With --html: name globs of the textures to show in full (default: 12 spread over the pack).")
@click.option("--no-browser", is_flag=True, help="Print the address instead of opening the default browser.")
@click.option("--watch", "live_watch", is_flag=True, help="Also watch the game's dump folder, as texpack watch does, into the pack: new dumps "
              "are built and shown as they come, and rules saved on the page are rebuilt by that watch.")
@dump_options
@engine_options
def command(dump_or_pack: Path, out: Path | None, profile: Path | None, target: str | None, html_file: Path | None, pick: tuple[str, ...],
            no_browser: bool, live_watch: bool, emulator: str | None, game: str | None, **kw: Any) -> None:
    """Look at every texture of a game before and after, and tune its profile from the page.

    The page is served on 127.0.0.1 only, at an address with a secret token; rules chosen
    there are written into the profile (comments kept) and the textures they change are
    rebuilt through the same pipeline as build. Ctrl-C stops the server.
    """
    from texpack.review.service import ReviewService

    try:
        roots, pack = _root_and_out(dump_or_pack, out, emulator, game)
        if len(roots) > 1:
            raise UsageError(f"{dump_or_pack} holds several games ({', '.join(r.game for r in roots)}); pass --game")
        opts = game_options({**kw, "target": target, "profile": None, "scale": None, "model": None, "detail": None})
        service = ReviewService(roots[0], pack, opts, profile)
        if html_file is not None:
            from texpack.review.export import export_html

            n = export_html(service, html_file, list(pick))
            click.echo(f"wrote {html_file} ({n} textures)")
            return
    except TexpackError as e:
        raise fail(e) from e
    from texpack.review.live import WatchFeed
    from texpack.review.server import Server

    feed = WatchFeed(service) if live_watch else None
    server = Server(service, feed)
    click.echo(f"texpack review of {roots[0].game!r}: {server.url}")
    if feed is not None:
        click.echo(f"watching {roots[0].path} into {pack}")
    click.echo("Ctrl-C stops it.")
    if not no_browser:
        webbrowser.open(server.url)
    server.serve()
    if feed is not None and feed.error:
        click.echo(f"the watch stopped early: {feed.error}", err=True)
