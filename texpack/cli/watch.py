"""`texpack watch`."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from texpack.cli.exits import EXIT_ABORTED, EXIT_USAGE, fail
from texpack.cli.options import dump_options, engine_options, game_options, pack_options
from texpack.errors import TexpackError

if TYPE_CHECKING:
    from texpack.watch.watcher import WatchStatus


def _line(s: WatchStatus) -> str:
    line = f"queued {s.queued}  done {s.done}  unchanged {s.unchanged}  failed {s.failed}  {s.rate:.1f}/s  last: {s.last or '-'}"
    return f"{line}  ({s.note})" if s.note else line


@click.command("watch")
@click.argument("dump", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), help="Emulator data folder (or its hires_texture/ or textures/ folder) to write into.")
@pack_options
@click.option("--polling", is_flag=True, help="Poll instead of native file events (network shares, WSL, Wine).")
@click.option("--threads", type=click.IntRange(1, 256), help="CPU threads for the network (default: one core is left to the emulator).")
@dump_options
@engine_options
def command(dump: Path, into: Path | None, polling: bool, threads: int | None, emulator: str | None, game: str | None, **kw: Any) -> None:
    """Upscale new dumps in DUMP into the emulator's load folder while the game runs.

    DUMP is a game's dump folder, or a folder above them (texture_dump/, textures/), where
    each game is picked up when its first dump appears. Ctrl-C finishes the batch in hand,
    saves state and exits.
    """
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    from texpack.engine.threads import live_thread_count
    from texpack.report import Outcome
    from texpack.watch.run import LaneOpened, Waiting, WatchRequest, watch
    from texpack.watch.watcher import WatchOptions, WatchStatus

    err = Console(stderr=True)
    live = Live(Text(""), console=err, transient=False, auto_refresh=False) if err.is_terminal else None
    req = WatchRequest(dump=dump, into=into, emulator=emulator, game=game,
                       options=game_options(kw, threads=live_thread_count(threads)), watch=WatchOptions(polling=polling))

    def say(msg: str, to_err: bool = False) -> None:
        if live is not None:
            live.console.print(msg, markup=False, highlight=False)
        else:
            click.echo(msg, err=to_err)

    def on_event(e: object) -> None:
        if isinstance(e, LaneOpened):
            say(f"watching {e.root.path} ({e.root.emulator}, {e.root.game!r})")
            say(f"  writing into {e.game_dir} ({e.why})")
            say(f"  {e.reload_help}")
        elif isinstance(e, Waiting):
            say(f"waiting for dumps under {e.top} (start the game with texture dumping on)")
        elif isinstance(e, Outcome) and e.status.value == "failed":
            say(f"failed: {e.dump}: {e.reason}", to_err=True)
        elif isinstance(e, WatchStatus) and live is not None:
            live.update(Text(_line(e)), refresh=True)

    stop = threading.Event()
    from texpack.cli.signals import stop_on_signals

    # From here on Ctrl-C asks the watch to stop, also while the game folders are still
    # being opened: watch() then returns at once and every session is closed with its state.
    with stop_on_signals(stop):
        try:
            if live is not None:
                with live:
                    result = watch(req, stop, on_event)
            else:
                result = watch(req, stop, on_event)
        except TexpackError as e:
            raise fail(e) from e
    click.echo("stopped: " + _line(result.status))
    if result.aborted:
        click.echo(f"stopped early: {result.aborted}", err=True)
        sys.exit(EXIT_ABORTED)
    sys.exit(0 if stop.is_set() else EXIT_USAGE)
