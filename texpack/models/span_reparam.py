"""SPAN's re-parameterised convolutions, both ways.

Each ``Conv3XC`` of SPAN (spandrel's ``architectures/SPAN``) trains as a 1x1 -> 3x3 -> 1x1
chain plus a 1x1 skip, and runs as the single 3x3 convolution those fuse into
(``Conv3XC.update_params``; spandrel re-fuses on every forward in eval mode, so a state
dict must hold branches whose fusion is the wanted 3x3). Published SPAN weights often
come fused only (ncnn graphs), so to load or fine-tune them the fused kernel is embedded
into branches that fuse back to it exactly:

- ``conv.0`` (c_in -> g*c_in, 1x1): identity on the first c_in outputs, small random
  weights on the rest (their outputs feed only zero weights of ``conv.1``);
- ``conv.1`` (g*c_in -> g*c_out, 3x3): the fused kernel in the block that maps the first
  c_in inputs to the first c_out outputs, zeros from the random inputs into those
  outputs, small random weights on the other outputs;
- ``conv.2`` (g*c_out -> c_out, 1x1): identity from the first c_out inputs, zeros from the
  rest; ``sk`` and every bias but ``conv.2``'s are zero.

The zeros sit only on the paths out of the random parts, so the fusion is the given
kernel, and every weight still receives a gradient once training moves the zeros (the
random parts break the symmetry an all-zero embedding would keep forever). Zero
``conv.0`` bias also keeps the zero-padded border of the training path equal to the
fused convolution's.

``FusedConv`` is the fused form as a trainable module: fine-tuning a converged SPAN this
way costs about a fifth of the branch form's multiply-adds per step.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

GAIN = 2  # spandrel's SPAN builds every Conv3XC with gain1=2
_NOISE = 1e-3
BRANCH_KEYS = ("sk.weight", "sk.bias", "conv.0.weight", "conv.0.bias", "conv.1.weight", "conv.1.bias", "conv.2.weight", "conv.2.bias")


def fuse(branches: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """The 3x3 kernel and bias a Conv3XC's branches compute (as ``Conv3XC.update_params``)."""
    w1, b1 = branches["conv.0.weight"].double(), branches["conv.0.bias"].double()
    w2, b2 = branches["conv.1.weight"].double(), branches["conv.1.bias"].double()
    w3, b3 = branches["conv.2.weight"].double(), branches["conv.2.bias"].double()
    # 1x1 then 3x3: contract the 1x1's output channels into the 3x3's input channels.
    w12 = torch.einsum("omhw,mi->oihw", w2, w1[:, :, 0, 0])
    b12 = (w2.sum((2, 3)) @ b1) + b2
    w = torch.einsum("po,oihw->pihw", w3[:, :, 0, 0], w12)
    b = w3[:, :, 0, 0] @ b12 + b3
    w = w + F.pad(branches["sk.weight"].double(), [1, 1, 1, 1])
    b = b + branches["sk.bias"].double()
    return w.float(), b.float()


def embed(weight: torch.Tensor, bias: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Branch tensors (``BRANCH_KEYS`` plus ``eval_conv.*``) that fuse to ``weight``/``bias`` exactly."""
    c_out, c_in = int(weight.shape[0]), int(weight.shape[1])
    g = generator or torch.Generator().manual_seed(0)
    w1 = torch.zeros(GAIN * c_in, c_in, 1, 1)
    w1[:c_in, :, 0, 0] = torch.eye(c_in)
    w1[c_in:] = torch.randn(w1[c_in:].shape, generator=g) * _NOISE
    w2 = torch.zeros(GAIN * c_out, GAIN * c_in, 3, 3)
    w2[:c_out, :c_in] = weight.float()
    w2[c_out:] = torch.randn(w2[c_out:].shape, generator=g) * _NOISE
    w3 = torch.zeros(c_out, GAIN * c_out, 1, 1)
    w3[:, :c_out, 0, 0] = torch.eye(c_out)
    return {
        "sk.weight": torch.zeros(c_out, c_in, 1, 1),
        "sk.bias": torch.zeros(c_out),
        "conv.0.weight": w1,
        "conv.0.bias": torch.zeros(GAIN * c_in),
        "conv.1.weight": w2,
        "conv.1.bias": torch.zeros(GAIN * c_out),
        "conv.2.weight": w3,
        "conv.2.bias": bias.float().clone(),
        "eval_conv.weight": weight.float().clone(),
        "eval_conv.bias": bias.float().clone(),
    }


class FusedConv(nn.Conv2d):
    """A Conv3XC in its fused form: one 3x3 convolution (padding 1), trainable."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__(c_in, c_out, 3, padding=1)


class _FusedWrapper(nn.Module):
    """Holds the fused conv under ``eval_conv`` so state-dict keys keep spandrel's prefix."""

    def __init__(self, conv: FusedConv) -> None:
        super().__init__()
        self.eval_conv = conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.eval_conv(x)


def to_fused(model: nn.Module) -> nn.Module:
    """Replace every Conv3XC of a spandrel SPAN with its fused form, in place; returns it."""
    for name, child in list(model.named_children()):
        if type(child).__name__ == "Conv3XC":
            if getattr(child, "has_relu", False) or getattr(child, "stride", 1) != 1:
                raise ValueError(f"{name}: only stride-1 Conv3XC without ReLU can be fused")
            w, b = fuse({k: v.detach() for k, v in child.state_dict().items() if k in BRANCH_KEYS})
            conv = FusedConv(w.shape[1], w.shape[0])
            if conv.bias is None:
                raise ValueError(f"{name}: the fused convolution has no bias")
            with torch.no_grad():
                conv.weight.copy_(w)
                conv.bias.copy_(b)
            setattr(model, name, _FusedWrapper(conv))
        else:
            to_fused(child)
    return model


def is_fused(sd: dict[str, torch.Tensor]) -> bool:
    """A SPAN state dict whose Conv3XCs hold only ``eval_conv`` (the fused training form)."""
    return "conv_1.eval_conv.weight" in sd and "conv_1.sk.weight" not in sd


def expand(sd: dict[str, torch.Tensor], seed: int = 0) -> dict[str, torch.Tensor]:
    """A fused-form SPAN state dict in spandrel's full layout (branches that fuse exactly)."""
    g = torch.Generator().manual_seed(seed)
    out: dict[str, torch.Tensor] = {}
    for key, value in sd.items():
        if key.endswith(".eval_conv.weight"):
            prefix = key[: -len("eval_conv.weight")]
            for k, v in embed(value.detach().float().cpu(), sd[prefix + "eval_conv.bias"].detach().float().cpu(), g).items():
                out[prefix + k] = v
        elif not key.endswith(".eval_conv.bias"):
            out[key] = value
    return out
