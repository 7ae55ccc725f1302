"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable

import click

from texpack.engine.torch_engine import DEVICES, PRECISIONS
from texpack.profile import EMULATOR_IDS


def dump_options(f: Callable) -> Callable:
    f = click.option("--game", help="Game IDENT or serial, when the folder name is not it.")(f)
    f = click.option("--emulator", type=click.Choice(EMULATOR_IDS), help="Dump format, when the folder layout does not tell.")(f)
    return f


def engine_options(f: Callable) -> Callable:
    f = click.option("--tile", type=click.IntRange(32, 4096), help="Tile side in source pixels (default: from free memory).")(f)
    f = click.option("--precision", type=click.Choice(PRECISIONS), default="auto", show_default=True, help="fp16 on CUDA, bf16 on CPUs with native bf16, else fp32.")(f)
    f = click.option("--device", default="auto", show_default=True, help=f"One of {', '.join(DEVICES)} or cuda:N.")(f)
    return f
