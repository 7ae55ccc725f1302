"""Network interpolation (ESRGAN, arXiv:1809.00219, §3.4): blend a PSNR-oriented model's weights with its GAN
counterpart's, parameter by parameter, to pick a point between faithful and sharp without
training or shipping a model for every point.

``detail`` 0 is the PSNR model, 1 the GAN model. Both must have the same architecture and
shapes; the texture models texpack ships are trained as such a pair (the GAN model is
fine-tuned from the PSNR one, which is what makes the blend meaningful).
"""

from __future__ import annotations

import torch

from texpack.errors import ModelError
from texpack.models.catalog import check_detail


def interpolate(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], alpha: float, what: str) -> dict[str, torch.Tensor]:
    """``(1 - alpha) * a + alpha * b`` for every tensor; keys and shapes must agree."""
    check_detail(alpha)
    if set(a) != set(b):
        diff = sorted(set(a) ^ set(b))[:3]
        raise ModelError(f"{what} cannot be interpolated: their tensors differ ({', '.join(diff)})")
    out = {}
    for k, ta in a.items():
        tb = b[k]
        if ta.shape != tb.shape:
            raise ModelError(f"{what} cannot be interpolated: {k} is {tuple(ta.shape)} in one and {tuple(tb.shape)} in the other")
        if ta.is_floating_point():
            out[k] = torch.lerp(ta.float(), tb.float(), alpha)
        else:
            out[k] = ta
    return out
