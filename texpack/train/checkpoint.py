"""Checkpoints: everything a run needs to continue exactly where it stopped.

One file, ``<work>/<name>.ckpt``, written atomically every few minutes and at the end
of each stage: network, averaged network, discriminator and optimiser states, the data
sampler's random state, the stage and step, and the validation history. Loaded with
``weights_only=True`` like any other model file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from texpack.atomic import atomic_output
from texpack.errors import TexpackError
from texpack.train.config import TrainConfig

if TYPE_CHECKING:
    from texpack.train.loop import Trainer

FORMAT = 1


def path_for(cfg: TrainConfig) -> Path:
    return Path(cfg.work) / f"{cfg.name}.ckpt"


def trainer_state(t: Trainer) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "stage": t.stage,
        "step": t.step,
        "g": t.nets.g.state_dict(),
        "ema": t.nets.ema.state_dict(),
        "d": t.nets.d.state_dict() if t.nets.d is not None else None,
        "opt_g": t.opt_g.state_dict(),
        "opt_d": t.opt_d.state_dict() if t.opt_d is not None else None,
        "sampler": _encode_rng(t.sampler.state()),
        "torch_rng": torch.get_rng_state(),
        "history": t.history,
    }


def _encode_rng(state: dict[str, Any]) -> dict[str, Any]:
    # numpy's PCG64 state holds 128-bit integers; strings survive weights_only loading.
    return {"bit_generator": state["bit_generator"], "state": {k: str(v) for k, v in state["state"].items()},
            "has_uint32": int(state["has_uint32"]), "uinteger": int(state["uinteger"])}


def _decode_rng(state: dict[str, Any]) -> dict[str, Any]:
    return {**state, "state": {k: int(v) for k, v in state["state"].items()}}


def _check_shape(t: Trainer, s: object) -> dict[str, Any]:
    """The checkpoint as a dict of the fields this run needs, with networks that fit it, or a
    one-line error (another --arch or --scale, a damaged or foreign file)."""
    if not isinstance(s, dict) or s.get("format") != FORMAT:
        found = s.get("format") if isinstance(s, dict) else type(s).__name__
        raise TexpackError(f"checkpoint format {found!r} is not {FORMAT}; start again without --resume")
    if s.get("stage") not in ("psnr", "gan") or not isinstance(s.get("step"), int) or s["step"] < 0:
        raise TexpackError(f"checkpoint stage/step {s.get('stage')!r}/{s.get('step')!r} is damaged; start again without --resume")
    for key, net in (("g", t.nets.g), ("ema", t.nets.ema)):
        have, want = s.get(key), net.state_dict()
        if not isinstance(have, dict) or set(have) != set(want) or any(
                not isinstance(have[k], torch.Tensor) or have[k].shape != want[k].shape for k in want):
            raise TexpackError("the checkpoint holds another network (another --arch, --scale or --init?); "
                               "resume with the settings it was made with, or start again without --resume")
    if not isinstance(s.get("history"), list) or not isinstance(s.get("sampler"), dict) or not isinstance(s.get("opt_g"), dict):
        raise TexpackError("checkpoint is damaged (history, sampler or optimiser state); start again without --resume")
    return s


def restore_trainer(t: Trainer, s: dict[str, Any]) -> None:
    s = _check_shape(t, s)
    try:
        t.stage, t.step = s["stage"], int(s["step"])
        t.nets.g.load_state_dict(s["g"])
        t.nets.ema.load_state_dict(s["ema"])
        if s.get("d") is not None:
            t._start_gan()
            assert t.nets.d is not None and t.opt_d is not None
            t.nets.d.load_state_dict(s["d"])
            t.opt_d.load_state_dict(s["opt_d"])
        t.opt_g.load_state_dict(s["opt_g"])
        t.sampler.restore(_decode_rng(s["sampler"]))
        torch.set_rng_state(s["torch_rng"])
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as e:
        raise TexpackError(f"checkpoint is damaged ({type(e).__name__}: {str(e)[:160]}); start again without --resume") from e
    t.history = list(s["history"])


def save(cfg: TrainConfig, state: dict[str, Any]) -> Path:
    path = path_for(cfg)
    buf = io.BytesIO()
    torch.save(state, buf)
    with atomic_output(path) as f:
        f.write(buf.getbuffer())
    return path


def load(cfg: TrainConfig) -> dict[str, Any]:
    path = path_for(cfg)
    if not path.is_file():
        raise TexpackError(f"{path}: no checkpoint to resume from")
    try:
        return torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unreadable checkpoint is one clear error
        raise TexpackError(f"{path}: cannot read checkpoint ({type(e).__name__}: {str(e)[:200]})") from e
