"""Build a network from a model file through spandrel, and describe it.

spandrel recognises the architecture and its hyperparameters from the state dict alone
(ESRGAN in all its key styles, Real-ESRGAN Compact, SPAN, DAT, HAT, SwinIR, OmniSR and
many more) and tells the scale, size requirements and whether fp16/bf16 work. texpack
accepts RGB-to-RGB super-resolution and restoration models of those.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from texpack.errors import ModelError
from texpack.models.catalog import ModelEntry, blends_outputs, detail_pair, identity
from texpack.models.interp import interpolate
from texpack.models.safeload import read_state_dict


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What spandrel says about a model, in texpack's terms."""

    arch: str  # spandrel's architecture id, e.g. "ESRGAN", "Compact", "SPAN"
    arch_name: str
    scale: int
    parameters: int
    size_multiple: int  # input sides must be multiples of this (padded otherwise)
    size_minimum: int
    square: bool
    fp16: bool
    bf16: bool
    tiling: str  # "supported", "discouraged" or "internal"
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoadedModel:
    entry: ModelEntry
    info: ModelInfo
    descriptor: Any  # spandrel.ImageModelDescriptor
    sha256: str  # of the weights used; with ``detail`` the two files' and the weight
    detail: float = 0.0

    @property
    def scale(self) -> int:
        return self.info.scale

    @property
    def module(self) -> torch.nn.Module:
        return self.descriptor.model


def _spandrel_load(sd: dict[str, torch.Tensor], name: str) -> Any:
    try:
        from spandrel import MAIN_REGISTRY, ImageModelDescriptor, UnsupportedModelError
    except ImportError as e:  # pragma: no cover - spandrel is a dependency
        raise ModelError(f"spandrel is needed to load {name} ({e})") from e
    try:
        desc = MAIN_REGISTRY.load(sd)
    except UnsupportedModelError:
        sample = ", ".join(sorted(sd)[:4])
        raise ModelError(f"{name}: architecture not recognised by spandrel (first keys: {sample})") from None
    except Exception as e:  # noqa: BLE001 - spandrel raises many kinds on odd files
        raise ModelError(f"{name}: cannot build the network ({type(e).__name__}: {str(e)[:200]})") from e
    if not isinstance(desc, ImageModelDescriptor) or desc.input_channels != 3 or desc.output_channels != 3:
        raise ModelError(f"{name}: a {desc.purpose} model with {desc.input_channels}->{desc.output_channels} channels; texpack needs RGB in and out")
    if desc.purpose not in ("SR", "Restoration"):
        raise ModelError(f"{name}: a {desc.purpose} model, not a super-resolution model")
    return desc.eval()


def describe(desc: Any) -> ModelInfo:
    req = desc.size_requirements
    return ModelInfo(
        arch=str(desc.architecture.id),
        arch_name=desc.architecture.name,
        scale=int(desc.scale),
        parameters=sum(p.numel() for p in desc.model.parameters()),
        size_multiple=int(req.multiple_of),
        size_minimum=int(req.minimum),
        square=bool(req.square),
        fp16=bool(desc.supports_half),
        bf16=bool(desc.supports_bfloat16),
        tiling=desc.tiling.name.lower(),
        tags=tuple(desc.tags),
    )


def load_descriptor(path: Path) -> Any:
    """A spandrel descriptor for a model file (used by training to continue from it)."""
    return _spandrel_load(read_state_dict(Path(path)), Path(path).name)


def load_model(entry: ModelEntry, detail: float = 0.0) -> LoadedModel:
    """Verify, read and build ``entry``; with ``detail`` > 0, its weights interpolated towards
    its card's ``detail_model`` (ESRGAN's network interpolation)."""
    sha = identity(entry, detail)
    if detail > 0 and blends_outputs(entry):
        raise ModelError(f"{entry.name} blends its detail partner by output, not by weights: the engine pool builds that blend")
    sd = read_state_dict(entry.path)
    if detail > 0:
        other = detail_pair(entry)
        sd = interpolate(sd, read_state_dict(other.path), detail, f"{entry.name} and {other.name}")
    desc = _spandrel_load(sd, entry.path.name)
    return LoadedModel(entry, describe(desc), desc, sha, detail)
