"""The training run: an L1 stage, then an optional RaGAN stage, with checkpoints and resume.

ESRGAN's recipe (Wang et al. 2018, arXiv:1809.00219, §4.1): train the generator with L1 first (the PSNR-oriented model, also
the starting point that keeps the GAN stage from producing nonsense early), then go on
with the perceptual + relativistic adversarial + small L1 objective. The generator's
weights are averaged over steps (EMA, as Real-ESRGAN does); the averaged weights are what
gets validated and saved.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from texpack.errors import TexpackError
from texpack.train import checkpoint
from texpack.train.config import Progress, TrainConfig
from texpack.train.data import Pair, PairSampler
from texpack.train.discriminator import PatchDiscriminator
from texpack.train.losses import PIXEL_LOSSES, GanGeneratorLoss, Perceptual, VGGFeatures, ragan_d_loss
from texpack.train.metrics import validate

EMA_DECAY = 0.999

OnProgress = Callable[[Progress], None]


# Every loss here is a few weighted terms of order 1 or less (L1 of [0, 1] colours, logits);
# one above this means the weights have blown up even before they turn non-finite.
DIVERGED_LOSS = 1e4


class TrainError(TexpackError):
    """A run that cannot go on (a diverged loss)."""


@dataclass(slots=True)
class Nets:
    g: nn.Module
    ema: nn.Module
    d: nn.Module | None = None


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager[Any]:
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    if precision == "fp16":
        return torch.autocast(device.type, dtype=torch.float16)
    return contextlib.nullcontext()


def ema_decay(step: int) -> float:
    """Averaging rate for the ``step``-th update of a stage: it grows towards EMA_DECAY as
    (1 + step) / (10 + step) does (the warm-up of tf.train.ExponentialMovingAverage's
    num_updates). A constant 0.999 remembers the stage's starting weights for thousands of
    steps: after a 1,200-step GAN stage they still made up 30% of the average."""
    return min(EMA_DECAY, (1 + step) / (10 + step))


def ema_update(ema: nn.Module, g: nn.Module, decay: float = EMA_DECAY) -> None:
    with torch.no_grad():
        for pe, pg in zip(ema.parameters(), g.parameters(), strict=True):
            pe.lerp_(pg, 1 - decay)


def cosine_lr(base: float, step: int, total: int) -> float:
    """Cosine decay to 1% of the base rate over the stage."""
    t = min(1.0, step / max(1, total))
    return base * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * t)))


def batch_on(sampler: PairSampler, n: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The sampler's next ``n`` pairs (LR, HR, visibility weights) on ``device``."""
    lr, hr, wt = sampler.batch(n)
    return torch.from_numpy(lr).to(device), torch.from_numpy(hr).to(device), torch.from_numpy(wt).to(device)


def set_lr(opts: list[torch.optim.Optimizer], lr: float) -> None:
    for opt in opts:
        for group in opt.param_groups:
            group["lr"] = lr


class Trainer:
    """One run; ``run`` drives both stages from wherever the checkpoint left off."""

    def __init__(self, cfg: TrainConfig, nets: Nets, sampler: PairSampler, val_pairs: list[Pair], device: torch.device, precision: str, on_progress: OnProgress) -> None:
        self.cfg, self.nets, self.sampler, self.val_pairs = cfg, nets, sampler, val_pairs
        self.device, self.precision, self.on_progress = device, precision, on_progress
        self.opt_g = torch.optim.Adam(nets.g.parameters(), lr=cfg.lr, betas=(0.9, 0.99))
        self.opt_d: torch.optim.Optimizer | None = None
        self.scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16" and device.type == "cuda")
        self.stage, self.step = "psnr", 0
        self.history: list[dict[str, Any]] = []  # validation rows for the model card
        perceptual = Perceptual(VGGFeatures(cfg.vgg)).to(device) if cfg.vgg else None
        self.gan_loss = GanGeneratorLoss(perceptual, cfg.scale, cfg.energy_weight)
        self.last_save = time.monotonic()

    # -- state ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything the run needs to continue exactly here (saved by texpack/train/checkpoint.py)."""
        return {
            "format": checkpoint.FORMAT,
            "stage": self.stage,
            "step": self.step,
            "g": self.nets.g.state_dict(),
            "ema": self.nets.ema.state_dict(),
            "d": self.nets.d.state_dict() if self.nets.d is not None else None,
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict() if self.opt_d is not None else None,
            "sampler": checkpoint.encode_rng(self.sampler.state()),
            "torch_rng": torch.get_rng_state(),
            "history": self.history,
        }

    def load_state_dict(self, state: object) -> None:
        s = checkpoint.validated(state, {"g": self.nets.g.state_dict(), "ema": self.nets.ema.state_dict()})
        try:
            self.stage, self.step = s["stage"], int(s["step"])
            self.nets.g.load_state_dict(s["g"])
            self.nets.ema.load_state_dict(s["ema"])
            if s.get("d") is not None:
                self._start_gan()
                assert self.nets.d is not None and self.opt_d is not None
                self.nets.d.load_state_dict(s["d"])
                self.opt_d.load_state_dict(s["opt_d"])
            self.opt_g.load_state_dict(s["opt_g"])
            self.sampler.restore(checkpoint.decode_rng(s["sampler"]))
            torch.set_rng_state(s["torch_rng"])
        except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as e:
            raise checkpoint.damaged(e) from e
        self.history = list(s["history"])

    def _maybe_checkpoint(self, force: bool = False) -> None:
        if force or time.monotonic() - self.last_save >= self.cfg.checkpoint_minutes * 60:
            checkpoint.save(self.cfg, self.state_dict())
            self.last_save = time.monotonic()

    # -- stages ---------------------------------------------------------------------
    def _psnr_step(self) -> float:
        lr, hr, wt = batch_on(self.sampler, self.cfg.batch, self.device)
        set_lr([self.opt_g], cosine_lr(self.cfg.lr, self.step, self.cfg.steps))
        with autocast(self.device, self.precision):
            out = self.nets.g(lr)
        loss = PIXEL_LOSSES[self.cfg.pixel_loss](out.float(), hr, wt)
        self.opt_g.zero_grad(set_to_none=True)
        scaled: torch.Tensor = self.scaler.scale(loss)
        scaled.backward()
        self.scaler.step(self.opt_g)
        self.scaler.update()
        return float(loss.detach())

    def _start_gan(self) -> None:
        if self.nets.d is None:
            self.nets.d = PatchDiscriminator().to(self.device)
        self.opt_g = torch.optim.Adam(self.nets.g.parameters(), lr=self.cfg.gan_lr, betas=(0.9, 0.99))
        self.opt_d = torch.optim.Adam(self.nets.d.parameters(), lr=self.cfg.gan_lr, betas=(0.9, 0.99))

    def _gan_step(self) -> float:
        assert self.nets.d is not None and self.opt_d is not None
        g, d = self.nets.g, self.nets.d
        lr, hr, wt = batch_on(self.sampler, self.cfg.batch, self.device)
        set_lr([self.opt_g, self.opt_d], cosine_lr(self.cfg.gan_lr, self.step, self.cfg.gan_steps))
        # Generator: hidden texels are shown as the truth, so neither loss judges them.
        d.requires_grad_(False)
        with autocast(self.device, self.precision):
            out = g(lr).float()
            shown = out * wt + hr * (1 - wt)
            real_logits, real_feats = d(hr)
            fake_logits, fake_feats = d(shown)
        loss = self.gan_loss(out, hr, wt, real_logits.detach().float(), fake_logits.float(),
                             [f.float() for f in real_feats], [f.float() for f in fake_feats])
        self.opt_g.zero_grad(set_to_none=True)
        scaled: torch.Tensor = self.scaler.scale(loss)
        scaled.backward()
        self.scaler.step(self.opt_g)
        # Discriminator on the detached output.
        d.requires_grad_(True)
        with autocast(self.device, self.precision):
            real_logits, _ = d(hr)
            fake_logits, _ = d(shown.detach())
        d_loss = ragan_d_loss(real_logits.float(), fake_logits.float())
        self.opt_d.zero_grad(set_to_none=True)
        d_scaled: torch.Tensor = self.scaler.scale(d_loss)
        d_scaled.backward()
        self.scaler.step(self.opt_d)
        self.scaler.update()
        return float(loss.detach())

    def _validate(self) -> float:
        row: dict[str, Any] = {**validate(self.nets.ema, self.val_pairs, self.device), "stage": self.stage, "step": self.step}
        self.history.append(row)
        return row["psnr"]

    def run(self, on_stage_end: Callable[[str], None]) -> None:
        """Run what is left of both stages; ``on_stage_end(name)`` after each finishes."""
        order = ["psnr"] + (["gan"] if self.cfg.gan_steps > 0 else [])
        for name in order[order.index(self.stage) :]:
            if name == "gan" and self.stage != "gan":
                # The GAN stage starts from the saved PSNR model (the averaged weights), so
                # the two end points of network interpolation share their origin.
                self.nets.g.load_state_dict(self.nets.ema.state_dict())
                self.stage, self.step = "gan", 0
                self._start_gan()
            elif name == "gan" and self.opt_d is None:
                self._start_gan()
            total = self.cfg.steps if name == "psnr" else self.cfg.gan_steps
            fn = self._psnr_step if name == "psnr" else self._gan_step
            if self.step < total:
                self._run_stage(name, total, fn)
            on_stage_end(name)

    def _run_stage(self, name: str, total: int, step_fn: Callable[[], float]) -> None:
        self.nets.g.train()
        val = self.history[-1]["psnr"] if self.history and self.history[-1]["stage"] == name else None
        t0, s0, loss_avg = time.monotonic(), self.step, None
        while self.step < total:
            loss = step_fn()
            if not math.isfinite(loss) or loss > DIVERGED_LOSS:
                # The weights are already poisoned: stop before anything is averaged or saved.
                raise TrainError(f"{name} stage diverged at step {self.step + 1} (loss {loss}); nothing was saved from this "
                                 "step on: lower the learning rate and --resume from the last checkpoint")
            ema_update(self.nets.ema, self.nets.g, ema_decay(self.step))
            self.step += 1
            loss_avg = loss if loss_avg is None else 0.98 * loss_avg + 0.02 * loss
            if self.step % self.cfg.val_every == 0 or self.step == total:
                val = self._validate()
            rate = (self.step - s0) / max(1e-6, time.monotonic() - t0)
            self.on_progress(Progress(name, self.step, total, float(loss_avg), val, rate))
            self._maybe_checkpoint(force=self.step == total)


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed % (2**32))
    torch.use_deterministic_algorithms(True, warn_only=True)


def ema_copy(g: nn.Module) -> nn.Module:
    ema = copy.deepcopy(g).eval()
    ema.requires_grad_(False)
    return ema
