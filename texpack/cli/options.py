"""Options shared by several commands (choices come from the registries, never listed twice)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from texpack.emulators import EMULATORS
from texpack.engine.options import CPU_ENGINES, DEVICES, PRECISIONS, QUALITIES, SEAM_CONTEXTS, EngineOptions
from texpack.targets import TARGETS

if TYPE_CHECKING:
    from texpack.session import GameOptions


class RegistryChoice(click.Choice[str]):
    """A choice among a registry's ids as they are when the option is read, so an emulator or
    target registered after the CLI was built (a plug-in, a test's fake) is a valid choice."""

    def __init__(self, ids: Sequence[str]) -> None:
        super().__init__(())
        self._ids = ids

    @property  # type: ignore[override]  # click.Choice keeps a tuple; this one reads the registry each time
    def choices(self) -> Sequence[str]:
        return tuple(self._ids)

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        del value  # click.Choice.__init__ assigns the empty tuple given above


def emulator_choice() -> RegistryChoice:
    return RegistryChoice(EMULATORS.ids())


def target_choice() -> RegistryChoice:
    return RegistryChoice(TARGETS.ids())


def dump_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--game", help="Game IDENT or serial, when the folder name is not it.")(f)
    f = click.option("--emulator", type=emulator_choice(), help="Dump format, when the folder layout does not tell.")(f)
    return f


def engine_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--quality", type=click.Choice(QUALITIES), default="fast", show_default=True,
        help="max: average each network output over 8 flips and rotations (x8 self-ensemble): a little more faithful, 8x "
        "the network time; for distributable packs.")(f)
    f = click.option("--seam-context", type=click.Choice(SEAM_CONTEXTS), default="network", show_default=True,
        help="How a texture's repeat reaches the network at its edges: as the convolutions' own padding where the network "
        "allows it (no extra texels), or always as texels of the repeat around it.")(f)
    f = click.option("--cpu-engine", type=click.Choice(CPU_ENGINES), default="auto", show_default=True,
        help="On the CPU: ncnn (Winograd convolutions, about 2x PyTorch fp32) for Compact and SPAN networks when the "
        "precision is fp32, else PyTorch.")(f)
    f = click.option("--tile", type=click.IntRange(32, 4096), help="Tile side in source pixels (default: from free memory).")(f)
    f = click.option("--precision", type=click.Choice(PRECISIONS), default="auto", show_default=True, help="fp16 on CUDA, bf16 on CPUs with native bf16, else fp32.")(f)
    f = click.option("--device", default="auto", show_default=True, help=f"One of {', '.join(DEVICES)} or cuda:N.")(f)
    return f


def pack_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Target, profile and the per-texture setting overrides."""
    f = click.option("--detail", type=click.FloatRange(0.0, 1.0), help="0 faithful .. 1 sharp, for texture models with a sharp partner (default: the profile's).")(f)
    f = click.option("--model", "-m", help="Model name, .pth/.safetensors path, or nearest/bilinear/bicubic.")(f)
    f = click.option("--scale", type=click.IntRange(1, 16), help="Upscale factor for every texture (default: the profile's, 4).")(f)
    f = click.option("--target", type=target_choice(), help="Pack layout (default: the dump's emulator).")(f)
    f = click.option("--profile", "-p", help="Profile file or shipped name (default: the game's shipped profile, else the emulator's defaults).")(f)
    return f


def game_options(kw: dict[str, Any], threads: int | None = None, **extra: Any) -> GameOptions:
    """:class:`~texpack.session.GameOptions` from the parsed pack and engine options."""
    from texpack.session import GameOptions

    return GameOptions(
        target=kw["target"], profile=kw["profile"], scale=kw["scale"], model=kw["model"], detail=kw["detail"],
        engine=EngineOptions(kw["device"], kw["precision"], kw["tile"], threads=threads, cpu_engine=kw.get("cpu_engine", "auto"),
                             quality=kw.get("quality", "fast"), seam_context=kw.get("seam_context", "network")), **extra,
    )
