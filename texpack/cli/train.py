"""`texpack train`."""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from texpack.cli.exits import fail
from texpack.errors import TexpackError

if TYPE_CHECKING:
    from rich.progress import TaskID

    from texpack.train import TrainConfig
    from texpack.train.config import Progress as TrainProgress

# texpack.train.config.ARCHS (importing it would import PyTorch; tests/test_train.py checks they agree)
ARCH_CHOICES = ("compact", "span", "rrdb")
# texpack.train.degrade.FORMATS and CLUT_FORMATS, for the same reason (the same test checks them)
FORMAT_CHOICES = ("rgba16", "rgba32", "ci4", "ci8", "ia16", "ia8", "ia4", "i8", "i4", "psx-c16", "psx-p4", "psx-p8")
CLUT_FORMATS = ("ci4", "ci8", "psx-p4", "psx-p8")


def _rate(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A learning rate: finite, above 0 and at most 1 (nan passes click's FloatRange)."""
    if not math.isfinite(value) or not 0 < value <= 1:
        raise click.BadParameter(f"{value} is not a learning rate (a number above 0 and at most 1, e.g. 1e-4)")
    return value


def _minutes(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise click.BadParameter(f"{value} is not a number of minutes above 0")
    return value


def _formats(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    out: list[str] = []
    for word in filter(None, (w.strip() for w in value.split(","))):
        names = CLUT_FORMATS if word == "clut" else (word,)
        for n in names:
            if n not in FORMAT_CHOICES:
                raise click.BadParameter(f"{word!r} is not a dump format (one of {', '.join(FORMAT_CHOICES)} or clut)")
            if n not in out:
                out.append(n)
    return tuple(out)


@click.command("train")
@click.option("--hr", "hr", multiple=True, required=True, type=click.Path(exists=True, path_type=Path), help="High-resolution images: a folder, a .pk3/.zip archive or a file (repeatable).")
@click.option("--val", multiple=True, type=click.Path(exists=True, path_type=Path), help="Validation images (default: 3% of --hr held out).")
@click.option("--exclude", multiple=True, help="Glob of paths inside the sources to leave out (repeatable).")
@click.option("--exclude-from", "exclude_from", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="File of such globs, one per line (repeatable).")
@click.option("--name", required=True, help="Model name; the GAN stage also writes NAME-sharp.")
@click.option("--init", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Model file to fine-tune.")
@click.option("--arch", type=click.Choice(list(ARCH_CHOICES)), default="compact", show_default=True, help="Architecture of a new model (without --init).")
@click.option("--scale", type=click.IntRange(1, 8), default=4, show_default=True, help="Upscale factor the model learns.")
@click.option("--steps", type=click.IntRange(0), default=20000, show_default=True, help="Steps of the L1 (PSNR-oriented) stage.")
@click.option("--pixel-loss", type=click.Choice(["l1", "l2"]), default="l1", show_default=True,
              help="Loss of that stage: l1, or l2 (mean squared error, what PSNR measures) for a last stage from a trained model.")
@click.option("--gan-steps", type=click.IntRange(0), default=0, show_default=True, help="Steps of the RaGAN stage after it (0: none).")
@click.option("--formats", default="", metavar="LIST",
    help="Dump formats to train and validate on, comma-separated (" + ",".join(FORMAT_CHOICES) + "; 'clut' = "
    + ",".join(CLUT_FORMATS) + "); default: all, weighted as real dumps are.", callback=_formats)
@click.option("--batch", type=click.IntRange(1), default=16, show_default=True, help="Training pairs per step.")
@click.option("--patch", "lr_patch", type=click.IntRange(8, 256), default=32, show_default=True, help="Low-resolution patch side.")
@click.option("--lr", type=float, default=2e-4, show_default=True, callback=_rate, help="Learning rate of the L1 stage.")
@click.option("--gan-lr", type=float, default=1e-4, show_default=True, callback=_rate, help="Learning rate of the GAN stage.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random choice; the same seed gives the same model.")
@click.option("--device", default="auto", show_default=True, help="cuda, mps or cpu (default: the fastest present).")
@click.option("--precision", type=click.Choice(["auto", "fp32", "fp16", "bf16"]), default="auto", show_default=True,
    help="bf16 on CPUs with native bf16 and CUDA cards that have it, fp16 on other CUDA cards, else "
    "fp32.")
@click.option("--vgg", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="torchvision vgg19 state dict for the perceptual loss (else edges + feature matching).")
@click.option("--energy-weight", type=click.FloatRange(0, 1000), default=0.0, show_default=True,
    help="GAN stage: weight of the loss that matches the amount of local detail to the truth's (sharper, less "
    "faithful).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Model folder to write to (default: the user's).")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path), help="Checkpoint folder (default: OUT/.train).")
@click.option("--checkpoint-minutes", type=float, default=10.0, show_default=True, callback=_minutes, help="How often to save a resumable checkpoint.")
@click.option("--val-every", type=click.IntRange(1), default=1000, show_default=True, help="Steps between validations.")
@click.option("--resume", is_flag=True, help="Continue from the checkpoint in the work folder.")
@click.option("--license", "license_", default="", help="Licence of the weights, for the model card.")
@click.option("--card", "card_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="YAML with extra model-card fields (data sources and their licences).")
@click.option("--preview", type=click.Path(dir_okay=False, path_type=Path), help="Write a grid of training pairs (target left, dump-like input right) to this PNG and stop.")
def command(hr: tuple[Path, ...], val: tuple[Path, ...], exclude: tuple[str, ...], exclude_from: tuple[Path, ...], name: str, init: Path | None,
            arch: str, scale: int, steps: int, pixel_loss: str, gan_steps: int, formats: tuple[str, ...], batch: int, lr_patch: int, lr: float, gan_lr: float,
            seed: int, device: str, precision: str, vgg: Path | None, energy_weight: float, out: Path | None, work: Path | None,
            checkpoint_minutes: float, val_every: int, resume: bool, license_: str, card_file: Path | None, preview: Path | None) -> None:
    """Train a model on dump-like textures made from high-resolution images.

    Each step cuts crops from the images, downscales them and stores them in a console
    texture format (N64 RGBA16/CI/IA/I, PS1 15-bit and CLUT), so the model learns to undo
    exactly what a dump lost. The L1 stage makes a faithful model; --gan-steps adds a sharp
    NAME-sharp trained with a relativistic GAN, and profiles blend the two with `detail`.
    """
    from texpack.resources import user_models_dir
    from texpack.train import TrainConfig, train
    from texpack.train.data import PairSampler, find_images, load_bank

    out = out or user_models_dir()
    for f in exclude_from:
        try:
            exclude += tuple(ln.strip() for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#"))
        except (OSError, UnicodeDecodeError) as e:
            raise click.ClickException(f"{f}: cannot read ({e})") from e
    card: dict[str, Any] = {}
    if card_file is not None:
        from texpack import yamlsafe

        try:
            card = yamlsafe.load(card_file.read_text(encoding="utf-8"), str(card_file)) or {}
        except (OSError, UnicodeDecodeError, yamlsafe.YamlError) as e:
            raise click.ClickException(f"{card_file}: cannot read ({e})") from e
        if not isinstance(card, dict):
            raise click.ClickException(f"{card_file}: must be a mapping of model-card fields")
    cfg = TrainConfig(
        hr=tuple(hr), val=tuple(val), exclude=tuple(exclude), name=name, out=out, work=work or out / ".train",
        init=init, arch=arch, scale=scale, steps=steps, pixel_loss=pixel_loss, gan_steps=gan_steps, formats=formats, batch=batch, lr_patch=lr_patch,
        lr=lr, gan_lr=gan_lr, seed=seed, device=device, precision=precision, vgg=vgg, energy_weight=energy_weight,
        checkpoint_minutes=checkpoint_minutes, val_every=val_every, resume=resume, license=license_, card=card,
        recipe=_recipe(click.get_current_context()),
    )
    try:
        if preview is not None:
            from texpack.atomic import write_atomic
            from texpack.imageio import encode_png
            from texpack.train.preview import preview_grid

            bank, _ = load_bank(find_images(list(hr), tuple(exclude))[:400])
            write_atomic(preview, encode_png(preview_grid(PairSampler(bank, scale, lr_patch, seed))))
            click.echo(f"wrote {preview} (each cell: target left, dump-like input right)")
            return
        result = _run(cfg, train)
    except TexpackError as e:
        raise fail(e) from e
    for stage, path in result.items():
        click.echo(f"wrote {path} ({'faithful' if stage == 'psnr' else 'sharp'})")


def _recipe(ctx: click.Context) -> str:
    """The command line that repeats this run: every option that differs from its default."""
    words = ["texpack", "train"]
    for p in ctx.command.params:
        if not isinstance(p, click.Option) or p.name in ("resume", "preview", "out", "work"):
            continue
        value = ctx.params.get(p.name)
        # Identity, not ``in``: 0 == False, and ``--steps 0`` must survive.
        if value is None or value is False or value == () or value == p.default:
            continue
        flag = p.opts[-1] if p.opts[-1].startswith("--") else p.opts[0]
        if isinstance(value, tuple) and not p.multiple:
            value = ",".join(value)  # --formats: parsed to a tuple, written back as typed
        for v in value if p.multiple else (value,):
            words += [flag] if p.is_flag else [flag, str(v)]
    return " ".join(shlex.quote(w) for w in words)


def _run(cfg: TrainConfig, train: Callable[..., dict[str, Path]]) -> dict[str, Path]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    err = Console(stderr=True)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), TextColumn("{task.fields[info]}"), console=err, disable=not err.is_terminal)
    tasks: dict[str, TaskID] = {}
    last_line = {"t": 0.0}

    def on_progress(p: TrainProgress) -> None:
        import time

        if p.stage == "data":
            if p.note:
                err.print(p.note) if not err.is_terminal else bar.console.print(p.note)
            return
        if p.stage not in tasks:
            tasks[p.stage] = bar.add_task(f"{p.stage} stage", total=p.total, info="")
        val = f"  val {p.val_psnr:.2f} dB" if p.val_psnr is not None else ""
        bar.update(tasks[p.stage], completed=p.step, info=f"loss {p.loss:.4f}{val}  {p.steps_per_s:.2f} steps/s")
        # Without a terminal (a log file), one line now and then instead of a bar.
        if not err.is_terminal and (time.monotonic() - last_line["t"] > 60 or p.step == p.total):
            last_line["t"] = time.monotonic()
            err.print(f"{p.stage} {p.step}/{p.total} loss {p.loss:.4f}{val} {p.steps_per_s:.2f} steps/s")

    with bar:
        return train(cfg, on_progress)
