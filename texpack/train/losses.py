"""ESRGAN's losses: pixel L1, a perceptual loss on pre-activation features, and RaGAN.

Perceptual loss (ESRGAN, arXiv:1809.00219, §3.3): distances between VGG19 features taken *before* the
activation (conv5_4), where features are denser and keep brightness. VGG19 weights cannot
be downloaded at run time, so they are used when the user gives a file (``--vgg``, a
torchvision ``vgg19`` state dict). Without one, :class:`EdgeLoss` plus discriminator
feature matching stand in: L1 between the image gradients of output and truth rewards the
same edges at the same strength (what a blurry output lacks), and matching the
discriminator's intermediate features (pix2pixHD) is a perceptual distance learnt on the
training data itself.

Relativistic average GAN (ESRGAN, arXiv:1809.00219, §3.2): the discriminator judges whether a real image is
more realistic than the average fake one, and the generator gets gradients from both
real and fake images.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from texpack.errors import TexpackError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
VGG19_CONV5_4 = 34  # index of conv5_4 in torchvision's vgg19().features; 35 is its ReLU


def masked_l1(out: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over visible texels (``weight`` 1) only."""
    w = weight.expand_as(out)
    return ((out - target).abs() * w).sum() / w.sum().clamp(min=1.0)


def masked_l2(out: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean squared error over visible texels (``weight`` 1) only: what PSNR measures."""
    w = weight.expand_as(out)
    return ((out - target).square() * w).sum() / w.sum().clamp(min=1.0)


# --pixel-loss choices for the PSNR-oriented stage. L1 trains faster from far away; a last
# stage on L2 aims at PSNR itself (many efficient-SR recipes end that way).
PIXEL_LOSSES = {"l1": masked_l1, "l2": masked_l2}


def _grads(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return x[..., :, 1:] - x[..., :, :-1], x[..., 1:, :] - x[..., :-1, :]


class EdgeLoss(nn.Module):
    """L1 between horizontal and vertical differences of output and truth, over visible texels."""

    def forward(self, out: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        (ox, oy), (tx, ty) = _grads(out), _grads(target)
        wx = (weight[..., :, 1:] * weight[..., :, :-1]).expand_as(ox)
        wy = (weight[..., 1:, :] * weight[..., :-1, :]).expand_as(oy)
        num = ((ox - tx).abs() * wx).sum() + ((oy - ty).abs() * wy).sum()
        return num / (wx.sum() + wy.sum()).clamp(min=1.0)


class DetailEnergyLoss(nn.Module):
    """L1 between the *amount* of local detail in output and truth, not its exact placement.

    Per-pixel losses (L1, edges) reward the average of every plausible texture, which is
    flat; this term compares the mean gradient magnitude over ``window`` x ``window``
    texels, so the network is pushed to put as much detail as the truth has into each
    area while the adversarial term decides what that detail looks like. It plays the role
    EnhanceNet's texture loss (Sajjadi et al. 2017, arXiv:1612.07919, section 4.2: feature
    statistics matched per patch) plays there, on image gradients instead of VGG features.
    """

    def __init__(self, window: int = 8) -> None:
        super().__init__()
        self.window = window

    def forward(self, out: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        w = weight[..., :-1, :-1] * weight[..., 1:, :-1] * weight[..., :-1, 1:]
        mo, mt = _magnitude(out), _magnitude(target)
        k = self.window
        pw = F.avg_pool2d(w, k, ceil_mode=True)
        po = F.avg_pool2d(mo * w, k, ceil_mode=True) / pw.clamp(min=1e-6)
        pt = F.avg_pool2d(mt * w, k, ceil_mode=True) / pw.clamp(min=1e-6)
        return ((po - pt).abs() * pw).sum() / pw.sum().clamp(min=1e-6)


class GridLoss(nn.Module):
    """Penalises a fixed pattern that repeats every ``factor`` texels.

    An x``factor`` network that writes its output through a pixel shuffle can give every
    sub-texel position its own offset; texture-rewarding losses make that fine grid a cheap
    way to add "detail". The error (output minus truth) is averaged per position modulo
    ``factor`` over each patch's visible texels: real detail averages out, a grid does
    not. ``metrics.grid_artifact`` averages the same way, per whole texture.
    """

    def __init__(self, factor: int) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, out: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        f = self.factor
        n, c, h, w = out.shape
        h, w = h // f * f, w // f * f
        if f < 2 or h == 0 or w == 0:
            return out.new_zeros(())
        err = ((out - target) * weight)[..., :h, :w].reshape(n, c, h // f, f, w // f, f)
        cnt = weight[..., :h, :w].reshape(n, 1, h // f, f, w // f, f).sum(dim=(2, 4))
        phase = err.sum(dim=(2, 4)) / cnt.clamp(min=1.0)  # (N, C, f, f)
        phase = phase - phase.mean(dim=(2, 3), keepdim=True)
        return phase.abs().mean()


def _magnitude(x: torch.Tensor) -> torch.Tensor:
    """(N, 1, H-1, W-1) gradient magnitude, averaged over channels, as ``metrics.gradient_energy`` measures it."""
    dx = x[..., :-1, 1:] - x[..., :-1, :-1]
    dy = x[..., 1:, :-1] - x[..., :-1, :-1]
    return (dx * dx + dy * dy + 1e-8).sqrt().mean(dim=1, keepdim=True)


class VGGFeatures(nn.Module):
    mean: torch.Tensor  # buffers, registered in __init__
    std: torch.Tensor

    """VGG19 up to conv5_4, before its activation, frozen; input in [0, 1] RGB."""

    def __init__(self, weights: Path) -> None:
        super().__init__()
        try:
            from torchvision.models import vgg19
        except ImportError as e:  # pragma: no cover - torchvision comes with spandrel
            raise TexpackError("the VGG perceptual loss needs torchvision") from e
        try:
            sd = torch.load(str(weights), map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001 - any unreadable file is one clear error
            raise TexpackError(f"{weights}: cannot read VGG19 weights ({type(e).__name__}: {e})") from e
        sd = {k.removeprefix("features."): v for k, v in sd.items() if k.startswith("features.")}
        net = vgg19().features[: VGG19_CONV5_4 + 1]
        missing = set(net.state_dict()) - set(sd)
        if missing:
            raise TexpackError(f"{weights}: not a torchvision vgg19 state dict (missing {sorted(missing)[:3]})")
        net.load_state_dict({k: v for k, v in sd.items() if k in net.state_dict()})
        self.net = net.eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)


class Perceptual(nn.Module):
    """L1 between pre-activation VGG19 features of output and truth (hidden texels greyed out)."""

    def __init__(self, features: VGGFeatures) -> None:
        super().__init__()
        self.features = features

    def forward(self, out: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        w = weight.expand_as(out)
        # Hidden texels are set equal in both, so they add no distance.
        out = out * w + target * (1 - w)
        return F.l1_loss(self.features(out), self.features(target))


def ragan_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator: real more realistic than the average fake, fake less than the average real."""
    ones, zeros = torch.ones_like(real_logits), torch.zeros_like(fake_logits)
    return 0.5 * (
        F.binary_cross_entropy_with_logits(real_logits - fake_logits.mean(), ones)
        + F.binary_cross_entropy_with_logits(fake_logits - real_logits.mean(), zeros)
    )


def ragan_g_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Generator: the symmetric objective, so real images give gradients too."""
    ones, zeros = torch.ones_like(fake_logits), torch.zeros_like(real_logits)
    return 0.5 * (
        F.binary_cross_entropy_with_logits(real_logits - fake_logits.mean(), zeros)
        + F.binary_cross_entropy_with_logits(fake_logits - real_logits.mean(), ones)
    )


def feature_matching(real_feats: list[torch.Tensor], fake_feats: list[torch.Tensor]) -> torch.Tensor:
    terms = [F.l1_loss(f, r.detach()) for r, f in zip(real_feats, fake_feats, strict=True)]
    if not terms:
        return torch.zeros(())
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total / len(terms)


# GAN-stage loss weights. With VGG features: ESRGAN's (perceptual 1, adversarial 5e-3,
# L1 1e-2). The substitute (edges + feature matching) is weaker per unit, so L1 keeps a
# larger share there to hold colours and layout while the adversarial term adds texture.
GAN_WEIGHTS_VGG = {"perceptual": 1.0, "adv": 5e-3, "l1": 1e-2}
GAN_WEIGHTS_SUBSTITUTE = {"edge": 1.0, "fm": 0.1, "adv": 5e-3, "l1": 0.5}
# Either way: the pixel-shuffle grid (GridLoss). Its error is a few 8-bit levels (about
# 0.01) where it shows, so it needs a weight that makes it count next to the rest.
GRID_WEIGHT = 20.0


class GanGeneratorLoss(nn.Module):
    """The GAN stage's generator objective: named terms with weights (``weights``, recorded
    in the model card), so a run says exactly what it optimised."""

    def __init__(self, perceptual: Perceptual | None, scale: int, energy_weight: float = 0.0) -> None:
        super().__init__()
        self.perceptual = perceptual
        self.edge, self.energy, self.grid = EdgeLoss(), DetailEnergyLoss(), GridLoss(scale)
        self.weights = dict(GAN_WEIGHTS_VGG if perceptual is not None else GAN_WEIGHTS_SUBSTITUTE)
        if energy_weight:
            self.weights["energy"] = energy_weight
        self.weights["grid"] = GRID_WEIGHT

    def terms(self, out: torch.Tensor, hr: torch.Tensor, wt: torch.Tensor, real_logits: torch.Tensor, fake_logits: torch.Tensor,
              real_feats: list[torch.Tensor], fake_feats: list[torch.Tensor]) -> dict[str, torch.Tensor]:
        """Each weighted term's unweighted value, by name."""
        t = {"adv": ragan_g_loss(real_logits, fake_logits), "l1": masked_l1(out, hr, wt), "grid": self.grid(out, hr, wt)}
        if self.perceptual is not None:
            t["perceptual"] = self.perceptual(out, hr, wt)
        else:
            t["edge"] = self.edge(out, hr, wt)
            t["fm"] = feature_matching(real_feats, fake_feats)
        if "energy" in self.weights:
            t["energy"] = self.energy(out, hr, wt)
        return t

    def forward(self, out: torch.Tensor, hr: torch.Tensor, wt: torch.Tensor, real_logits: torch.Tensor, fake_logits: torch.Tensor,
                real_feats: list[torch.Tensor], fake_feats: list[torch.Tensor]) -> torch.Tensor:
        terms = self.terms(out, hr, wt, real_logits, fake_logits, real_feats, fake_feats)
        total = torch.zeros((), device=out.device)
        for name, w in self.weights.items():
            total = total + w * terms[name]
        return total
