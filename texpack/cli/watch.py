"""`texpack watch`."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from texpack.cli import EXIT_ABORTED, EXIT_USAGE, fail
from texpack.cli.options import dump_options, engine_options, game_options, pack_options
from texpack.errors import TexpackError


def _line(s) -> str:
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
def command(dump, into, polling, threads, emulator, game, **kw) -> None:
    """Upscale new dumps in DUMP into the emulator's load folder while the game runs.

    DUMP is a game's dump folder, or a folder above them (texture_dump/, textures/), where
    each game is picked up when its first dump appears. Ctrl-C finishes the batch in hand,
    saves state and exits.
    """
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    from texpack.emulators import find_dump_roots
    from texpack.engine.pool import EnginePool
    from texpack.engine.threads import live_thread_count
    from texpack.errors import LayoutError
    from texpack.frontends import output_root
    from texpack.session import open_game, resolve_target
    from texpack.watch.watcher import Watcher, WatchOptions

    err = Console(stderr=True)
    live = Live(Text(""), console=err, transient=False, auto_refresh=False) if err.is_terminal else None
    opts = game_options(kw, threads=live_thread_count(threads))
    pool = EnginePool(opts.engine)
    pool.warm_up()  # PyTorch imports while the dump folder is read and watched
    top = dump.resolve()

    def say(msg: str, to_err: bool = False) -> None:
        if live is not None:
            live.console.print(msg, markup=False, highlight=False)
        else:
            click.echo(msg, err=to_err)

    def open_lane(root):
        target = resolve_target(root, opts.target)
        out, why = output_root(root, target, into)
        session = open_game(root, out, opts, pool)
        say(f"watching {root.path} ({root.emulator}, {root.game!r})")
        say(f"  writing into {session.game_dir} ({why})")
        say(f"  {target.reload_help}")
        return session

    def on_outcome(o) -> None:
        if o.status.value == "failed":
            say(f"failed: {o.dump}: {o.reason}", to_err=True)

    def on_status(s) -> None:
        if live is not None:
            live.update(Text(_line(s)), refresh=True)

    watcher = Watcher(top, open_lane, emulator=emulator, game=game, options=WatchOptions(polling=polling), on_outcome=on_outcome, on_status=on_status)
    stop = threading.Event()
    from texpack.cli.signals import stop_on_signals

    # From here on Ctrl-C asks the watch to stop, also while the game folders are still
    # being opened: run() then returns at once and every session is closed with its state.
    with stop_on_signals(stop):
        try:
            try:
                roots = find_dump_roots(top, emulator, game)
            except LayoutError:
                roots = []  # no game has dumped yet: game folders are picked up as they appear
            for root in roots:
                watcher.add(root)
            if not roots:
                click.echo(f"waiting for dumps under {top} (start the game with texture dumping on)")
            if live is not None:
                with live:
                    watcher.run(stop)
            else:
                watcher.run(stop)
        except TexpackError as e:
            raise fail(e) from e
        finally:
            for s in watcher.sessions():
                s.close()
    click.echo("stopped: " + _line(watcher.status()))
    if watcher.aborted:
        click.echo(f"stopped early: {watcher.aborted}", err=True)
        sys.exit(EXIT_ABORTED)
    sys.exit(0 if stop.is_set() else EXIT_USAGE)
