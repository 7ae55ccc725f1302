"""`texpack watch`."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click
from rich.console import Console
from rich.live import Live
from rich.text import Text

from texpack.build import profile_for, target_for
from texpack.cli import EXIT_ABORTED, EXIT_USAGE, CliError, fail
from texpack.cli.options import dump_options, engine_options
from texpack.emulators import find_dump_roots
from texpack.engine.torch_engine import EngineOptions, set_threads
from texpack.errors import TexpackError
from texpack.loaddirs import output_root
from texpack.pipeline import BuildConfig, PackBuilder
from texpack.targets import RELOAD_HELP, TARGETS
from texpack.watcher import Watcher, WatchOptions, WatchStatus


def _line(s: WatchStatus) -> str:
    return f"queued {s.queued}  done {s.done}  unchanged {s.up_to_date}  failed {s.failed}  {s.rate:.1f}/s  last: {s.last or '-'}"


@click.command("watch")
@click.argument("dump", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), help="Emulator data folder (or its hires_texture/ or textures/ folder) to write into.")
@click.option("--profile", "-p", help="Profile file or shipped name.")
@click.option("--target", type=click.Choice(TARGETS), help="Pack layout (default: the dump's emulator).")
@click.option("--scale", type=click.IntRange(1, 16), help="Upscale factor (default: the profile's).")
@click.option("--model", "-m", help="Model name, path, or nearest/bilinear/bicubic.")
@click.option("--polling", is_flag=True, help="Poll instead of native file events (network shares, WSL, Wine).")
@dump_options
@engine_options
def command(dump, into, profile, target, scale, model, polling, emulator, game, device, precision, tile) -> None:
    """Upscale new dumps in DUMP into the emulator's load folder while the game runs.

    Ctrl-C finishes the batch in hand, saves state and exits.
    """
    set_threads()
    try:
        roots = find_dump_roots(dump, emulator, game)
        if len(roots) != 1:
            raise CliError(f"{dump} holds {len(roots)} game dump folders; point at one game's folder")
        root = roots[0]
        tgt = target_for(root, target)
        prof = profile_for(root, profile)
        if scale is None:
            prof.check_target(tgt)
        out, why = output_root(root, tgt, into)
        cfg = BuildConfig(out, tgt, root.game, prof, scale, model, EngineOptions(device, precision, tile), source=str(root.path.resolve()))
        builder = PackBuilder(cfg)
    except TexpackError as e:
        raise fail(e) from e
    err = Console(stderr=True)
    click.echo(f"watching {root.path} ({root.emulator}, {root.game!r})")
    click.echo(f"writing into {builder.game_dir} ({why})")
    click.echo(RELOAD_HELP[tgt])
    stop = threading.Event()

    def on_sigint(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    signal.signal(signal.SIGINT, on_sigint)
    signal.signal(signal.SIGTERM, on_sigint)
    live = Live(Text(""), console=err, transient=False, auto_refresh=False) if err.is_terminal else None

    def on_status(s: WatchStatus) -> None:
        if live is not None:
            live.update(Text(_line(s)), refresh=True)

    def on_failure(name: str, reason: str) -> None:
        (live.console if live is not None else err).print(f"failed: {name}: {reason}", markup=False, highlight=False)

    watcher = Watcher(root, builder, WatchOptions(polling=polling), on_status, on_failure)
    try:
        if live is not None:
            with live:
                watcher.run(stop)
        else:
            watcher.run(stop)
    finally:
        builder.close()
    click.echo("stopped: " + _line(watcher.status()))
    if watcher.aborted:
        sys.exit(EXIT_ABORTED)
    sys.exit(0 if stop.is_set() else EXIT_USAGE)
