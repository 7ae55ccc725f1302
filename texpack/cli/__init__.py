"""The `texpack` command line. Only this package prints; the library reports through return values.

Exit codes: 0 everything done; 1 some textures failed (the rest was built); 2 bad usage,
profile, model or folder; 3 stopped early because the pack could not be written
(disk full, read-only), with everything written so far complete.
"""

from __future__ import annotations

import logging
import sys

import click

from texpack import __version__, _sigint


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="texpack")
@click.option("-v", "--verbose", is_flag=True, help="Log engine details (device, precision, tiling).")
def main(verbose: bool) -> None:
    """Turn N64 (GLideN64, Rice) and PS1 (DuckStation) texture dumps into hi-res packs."""
    # Ctrl-C at any moment (PyTorch still loading included) ends the run quietly: every
    # file is written atomically and the state is committed per file, so nothing is lost.
    _sigint.install()
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _register() -> None:
    from texpack.cli import build, check, extract, install, models, profile, review, scan, train, watch

    for mod in (build, scan, check, profile, models, watch, train, extract, install, review):
        main.add_command(mod.command)


_register()
