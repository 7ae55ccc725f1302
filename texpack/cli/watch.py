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
from texpack.cli import EXIT_ABORTED, EXIT_USAGE, fail
from texpack.cli.options import dump_options, engine_options
from texpack.emulators import find_dump_roots
from texpack.engine.torch_engine import EngineOptions, set_threads
from texpack.errors import LayoutError, TexpackError
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

    DUMP is a game's dump folder, or a folder above them (texture_dump/, textures/), where
    each game is picked up when its first dump appears. Ctrl-C finishes the batch in hand,
    saves state and exits.
    """
    set_threads()
    err = Console(stderr=True)
    chose: dict[str, str] = {}

    def make_builder(root):
        tgt = target_for(root, target)
        prof = profile_for(root, profile)
        if scale is None:
            prof.check_target(tgt)
        out, why = output_root(root, tgt, into)
        chose[str(root.path)] = why
        cfg = BuildConfig(out, tgt, root.game, prof, scale, model, EngineOptions(device, precision, tile), source=str(Path(root.path).resolve()))
        return PackBuilder(cfg)

    def on_root(root, builder) -> None:
        say(f"watching {root.path} ({root.emulator}, {root.game!r})")
        say(f"  writing into {builder.game_dir} ({chose.get(str(root.path), '')})")
        say(f"  {RELOAD_HELP[builder.cfg.target]}")

    top = dump.resolve()
    try:
        roots = find_dump_roots(top, emulator, game)
    except LayoutError:
        roots = []  # no game has dumped yet: game folders are picked up as they appear
    watcher_args = dict(top=top, make_builder=make_builder, emulator=emulator, game=game, on_root=on_root)
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

    def say(msg: str, to_err: bool = False) -> None:
        if live is not None:
            live.console.print(msg, markup=False, highlight=False)
        else:
            click.echo(msg, err=to_err)

    def on_failure(name: str, reason: str) -> None:
        say(f"failed: {name}: {reason}", to_err=True)

    watcher = Watcher(None, None, WatchOptions(polling=polling), on_status, on_failure, **watcher_args)
    try:
        for root in roots:
            watcher.add_root(root, make_builder(root))
    except TexpackError as e:
        for b in watcher.builders():
            b.close()
        raise fail(e) from e
    if not roots:
        click.echo(f"waiting for dumps under {top} (start the game with texture dumping on)")
    try:
        if live is not None:
            with live:
                watcher.run(stop)
        else:
            watcher.run(stop)
    finally:
        for b in watcher.builders():
            b.close()
    click.echo("stopped: " + _line(watcher.status()))
    if watcher.aborted:
        sys.exit(EXIT_ABORTED)
    sys.exit(0 if stop.is_set() else EXIT_USAGE)
