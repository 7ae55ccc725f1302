"""The network being trained: a new one of a named architecture, or a model file to fine-tune.

Architectures come from spandrel, so what training saves is a state dict that spandrel
(and therefore texpack, chaiNNer and ComfyUI) recognises when loading it back.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from texpack.errors import ModelError
from texpack.train.config import ARCHS


def new_generator(arch: str, scale: int) -> nn.Module:
    """A freshly initialised generator: ``compact`` (SRVGGNetCompact, 64 features, 16 convs),
    ``span`` (SPAN, 48 features, 6 blocks) or ``rrdb`` (ESRGAN's RRDBNet, 23 blocks)."""
    if arch == "span":
        from spandrel.architectures.SPAN import SPAN

        return SPAN(num_in_ch=3, num_out_ch=3, feature_channels=48, upscale=scale)
    if arch == "compact":
        from spandrel.architectures.Compact import Compact

        return Compact(num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=scale, act_type="prelu")
    if arch == "rrdb":
        from spandrel.architectures.ESRGAN import ESRGAN

        if scale not in (1, 2, 4, 8):
            raise ModelError(f"rrdb supports scales 1, 2, 4 and 8, not {scale}")
        return ESRGAN(in_nc=3, out_nc=3, num_filters=64, num_blocks=23, scale=scale)
    raise ModelError(f"unknown architecture {arch!r} (known: {', '.join(ARCHS)})")


def load_generator(path: Path) -> tuple[nn.Module, str, int]:
    """A model file to continue training: (module, spandrel architecture id, scale)."""
    from texpack.models.load import load_descriptor

    desc = load_descriptor(Path(path))
    return desc.model, str(desc.architecture.id), int(desc.scale)


def training_form(g: nn.Module) -> nn.Module:
    """The module to train: SPAN with its re-parameterised convolutions fused (about a
    fifth of the branch form's work per step, the same function; see
    :mod:`texpack.models.span_reparam`), any other architecture as it is."""
    if type(g).__name__ == "SPAN":
        from texpack.models.span_reparam import to_fused

        return to_fused(g)
    return g


def export_state(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A trained module's state dict in the layout spandrel loads (fused SPAN re-expanded)."""
    from texpack.models.span_reparam import expand, is_fused

    return expand(sd) if is_fused(sd) else sd
