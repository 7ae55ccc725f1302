"""What a training run is asked to do, and what it reports while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ARCHS = ("compact", "span", "rrdb")


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainConfig:
    hr: tuple[Path, ...]  # folders, archives (.pk3/.zip) or image files
    name: str
    out: Path  # model folder the finished files go to
    work: Path  # checkpoints and the resumable state
    val: tuple[Path, ...] = ()  # validation images; empty: hold out VAL_FRACTION of hr
    exclude: tuple[str, ...] = ()  # globs of paths inside the sources to leave out
    init: Path | None = None  # model file to start from (fine-tuning)
    arch: str = "compact"  # used when there is no init
    scale: int = 4
    steps: int = 20000  # PSNR-oriented (L1) stage
    pixel_loss: str = "l1"  # that stage's loss: losses.PIXEL_LOSSES
    gan_steps: int = 0  # GAN stage after it; 0 = none
    batch: int = 16
    formats: tuple[str, ...] = ()  # dump formats to train and validate on (degrade.FORMATS names); empty: all
    lr_patch: int = 32  # LR patch side; the HR patch is scale x larger
    lr: float = 2e-4
    gan_lr: float = 1e-4
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    vgg: Path | None = None  # torchvision vgg19 state dict for the perceptual loss
    energy_weight: float = 0.0  # GAN stage: weight of the local detail-energy loss (losses.DetailEnergyLoss)
    checkpoint_minutes: float = 10.0
    val_every: int = 1000
    resume: bool = False
    license: str = ""  # licence of the weights, written into the model card
    card: dict[str, Any] = field(default_factory=dict)  # extra model-card fields (data sources, notes)
    recipe: str = ""  # the command line that ran this, for the model card


VAL_FRACTION = 0.03


@dataclass(frozen=True, slots=True)
class Progress:
    stage: str  # "data", "psnr" or "gan"
    step: int
    total: int
    loss: float = 0.0
    val_psnr: float | None = None
    steps_per_s: float = 0.0
    note: str = ""
