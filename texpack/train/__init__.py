"""``texpack train``: fine-tune or train a super-resolution model on dump-like textures.

:func:`train` is the whole run: find the images, hold them small in memory, build or load
the generator, run the stages (:mod:`texpack.train.loop`), and write each finished model
with a card saying what data, recipe and steps made it and how it validated.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from texpack.errors import TexpackError
from texpack.models.store import check_name, write_model
from texpack.train import checkpoint
from texpack.train.config import VAL_FRACTION, Progress, TrainConfig
from texpack.train.data import PairSampler, find_images, load_bank, split_val, validation_pairs
from texpack.train.discriminator import MIN_SIDE
from texpack.train.generator import export_state, load_generator, new_generator, training_form
from texpack.train.loop import Nets, Trainer, ema_copy, seed_everything
from texpack.train.metrics import psnr, sharpness, summarise

__all__ = ["TrainConfig", "Progress", "train", "TrainResult"]


# Paths of the written models: {"psnr": Path, "gan": Path} (the GAN one only when trained).
TrainResult = dict[str, Path]


def _device_and_precision(cfg: TrainConfig) -> tuple[torch.device, str]:
    from texpack.engine.torch_engine import resolve_device, resolve_precision

    device = resolve_device(cfg.device)
    precision = resolve_precision(cfg.precision, device)
    if precision == "fp16" and device.type == "cpu":
        precision = "fp32"  # CPU fp16 training has no fast kernels
    return device, precision


def _bicubic_baseline(pairs: list[Any], factor: int) -> dict[str, float]:
    from torch.nn import functional as F

    ps, ss = [], []
    for p in pairs:
        x = torch.from_numpy(np.ascontiguousarray(p.lr.transpose(2, 0, 1)))[None]
        y = F.interpolate(x, scale_factor=factor, mode="bicubic", align_corners=False).clamp(0, 1)[0].permute(1, 2, 0).numpy()
        ps.append(psnr(y, p.hr, p.weight))
        ss.append(sharpness(y, p.hr, p.weight))
    return summarise(ps, ss)


def _card(cfg: TrainConfig, stage: str, trainer: Trainer, info: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    rows = [r for r in trainer.history if r["stage"] == stage]
    card: dict[str, Any] = {
        "arch": info["arch"],
        "scale": cfg.scale,
        "parameters": info["parameters"],
        "license": cfg.license or "see training data",
        "description": extra.get("description") or cfg.card.get("description", ""),
        **{k: v for k, v in cfg.card.items() if k != "description"},
        "training": {
            "recipe": cfg.recipe,
            "stage": stage,
            "init": info["init"],
            "steps": cfg.steps,
            "gan_steps": cfg.gan_steps if stage == "gan" else 0,
            "batch": cfg.batch,
            "lr_patch": cfg.lr_patch,
            "formats": list(cfg.formats) or "all",
            "seed": cfg.seed,
            "perceptual": "vgg19 conv5_4 (pre-activation)" if cfg.vgg else "edges + discriminator feature matching (no VGG19 weights given)",
            **({"energy_weight": cfg.energy_weight} if stage == "gan" and cfg.energy_weight else {}),
            "losses": dict(trainer.gan_loss.weights) if stage == "gan" else {cfg.pixel_loss: 1.0},  # named terms and their weights
            "device": info["device"],
            "precision": info["precision"],
            "steps_per_second": round(info.get(f"rate_{stage}", 0.0), 2),
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "finished": time.strftime("%Y-%m-%d"),
        },
        "validation": {
            "images": info["val_images"],
            "bicubic": {k: round(v, 3) for k, v in info["bicubic"].items()},
            "table": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()} for r in rows],
        },
    }
    card.update({k: v for k, v in extra.items() if k != "description"})
    return card


def train(cfg: TrainConfig, on_progress: Callable[[Progress], None] | None = None) -> TrainResult:
    """Run (or resume) the training ``cfg`` describes; returns the written model paths."""
    report = on_progress or (lambda p: None)
    check_name(cfg.name)
    if cfg.gan_steps:
        check_name(cfg.name + "-sharp")
        if cfg.lr_patch * cfg.scale < MIN_SIDE:
            raise TexpackError(f"the GAN stage judges patches of at least {MIN_SIDE} px; --patch {cfg.lr_patch} at x{cfg.scale} gives {cfg.lr_patch * cfg.scale}")
    seed_everything(cfg.seed)
    device, precision = _device_and_precision(cfg)
    report(Progress("data", 0, 0, note="finding images"))
    refs = find_images(list(cfg.hr), cfg.exclude)
    if cfg.val:
        train_refs, val_refs = refs, find_images(list(cfg.val), cfg.exclude)
    else:
        train_refs, val_refs = split_val(refs, VAL_FRACTION, cfg.seed)
    if not train_refs:
        raise TexpackError(f"no training images found in {', '.join(map(str, cfg.hr))}")
    report(Progress("data", 0, len(train_refs), note=f"reading {len(train_refs)} images"))
    bank, skipped = load_bank(train_refs)
    val_bank, _ = load_bank(val_refs)
    report(Progress("data", len(bank), len(train_refs), note=f"{len(bank)} usable, {len(skipped)} left out"))
    sampler = PairSampler(bank, cfg.scale, cfg.lr_patch, cfg.seed, formats=cfg.formats)
    val_pairs = list(validation_pairs(val_bank, cfg.scale, cfg.seed, formats=cfg.formats))

    init: dict[str, str | None]
    if cfg.init is not None:
        g, arch, scale = load_generator(cfg.init)
        if scale != cfg.scale:
            raise TexpackError(f"{cfg.init}: a x{scale} model cannot be trained for x{cfg.scale}")
        init = {"file": Path(cfg.init).name, "sha256": _sha(cfg.init)}
    else:
        g, arch, init = new_generator(cfg.arch, cfg.scale), cfg.arch, {"file": None}
    g = training_form(g).float().to(device, memory_format=torch.channels_last).train()  # type: ignore[call-overload]  # torch's stubs leave out memory_format
    nets = Nets(g, ema_copy(g))
    trainer = Trainer(cfg, nets, sampler, val_pairs, device, precision, report)
    if cfg.resume:
        trainer.load_state_dict(checkpoint.load(cfg))
    info: dict[str, Any] = {
        "arch": str(arch), "parameters": sum(p.numel() for p in g.parameters()), "init": init,
        "device": str(device), "precision": precision, "val_images": len(val_pairs),
        "bicubic": _bicubic_baseline(val_pairs, cfg.scale),
    }
    result: TrainResult = {}
    started = {"t": time.monotonic(), "step": trainer.step}

    def on_stage_end(stage: str) -> None:
        elapsed = time.monotonic() - started["t"]
        done = (cfg.steps if stage == "psnr" else cfg.gan_steps) - (started["step"] if trainer.stage == stage else 0)
        if elapsed > 0 and done > 0:
            info[f"rate_{stage}"] = done / elapsed
        started["t"], started["step"] = time.monotonic(), 0
        name = cfg.name if stage == "psnr" else cfg.name + "-sharp"
        extra = {"detail_model": cfg.name + "-sharp"} if stage == "psnr" and cfg.gan_steps else {}
        if stage == "gan":
            extra = {"detail_of": cfg.name}
        card = _card(cfg, stage, trainer, info, extra)
        card["learning_curve"] = _write_curve(cfg.out, name, trainer.history, info["bicubic"].get("psnr"))
        result[stage] = write_model(cfg.out, name, export_state(nets.ema.state_dict()), card)

    trainer.run(on_stage_end)
    return result


def _write_curve(out: Path, name: str, history: list[dict[str, Any]], bicubic: float | None) -> str:
    """``<out>/<name>-curve.png``: validation PSNR against steps (texpack/train/curve.py)."""
    import io

    from texpack.atomic import write_atomic
    from texpack.train.curve import draw_curve

    buf = io.BytesIO()
    draw_curve(history, bicubic, f"{name}: validation PSNR (dB) on held-out textures").save(buf, "PNG")
    path = Path(out) / f"{name}-curve.png"
    write_atomic(path, buf.getvalue())
    return path.name


def _sha(path: Path) -> str:
    from texpack.models.catalog import sha256_of

    return sha256_of(Path(path))
