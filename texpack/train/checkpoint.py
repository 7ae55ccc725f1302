"""Checkpoints: everything a run needs to continue exactly where it stopped.

One file, ``<work>/<name>.ckpt``, written atomically every few minutes and at the end
of each stage: network, averaged network, discriminator and optimiser states, the data
sampler's random state, the stage and step, and the validation history. Loaded with
``weights_only=True`` like any other model file. What goes in is the trainer's own
``state_dict()`` (texpack/train/loop.py), as torch modules and optimisers give theirs.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from texpack.atomic import atomic_output
from texpack.errors import TexpackError
from texpack.train.config import TrainConfig

FORMAT = 1


def path_for(cfg: TrainConfig) -> Path:
    return Path(cfg.work) / f"{cfg.name}.ckpt"


def encode_rng(state: dict[str, Any]) -> dict[str, Any]:
    """A numpy bit generator's state in a form ``weights_only`` loading accepts: its PCG64
    state holds 128-bit integers, which survive as strings."""
    return {"bit_generator": state["bit_generator"], "state": {k: str(v) for k, v in state["state"].items()},
            "has_uint32": int(state["has_uint32"]), "uinteger": int(state["uinteger"])}


def decode_rng(state: dict[str, Any]) -> dict[str, Any]:
    return {**state, "state": {k: int(v) for k, v in state["state"].items()}}


def validated(s: object, nets: dict[str, dict[str, torch.Tensor]]) -> dict[str, Any]:
    """The checkpoint ``s`` as a dict of the fields a run needs, checked against the state
    dicts of the run's own ``nets`` (by key), or a one-line error (another --arch or
    --scale, a damaged or foreign file)."""
    if not isinstance(s, dict) or s.get("format") != FORMAT:
        found = s.get("format") if isinstance(s, dict) else type(s).__name__
        raise TexpackError(f"checkpoint format {found!r} is not {FORMAT}; start again without --resume")
    if s.get("stage") not in ("psnr", "gan") or not isinstance(s.get("step"), int) or s["step"] < 0:
        raise TexpackError(f"checkpoint stage/step {s.get('stage')!r}/{s.get('step')!r} is damaged; start again without --resume")
    for key, want in nets.items():
        have = s.get(key)
        if not isinstance(have, dict) or set(have) != set(want) or any(
                not isinstance(have[k], torch.Tensor) or have[k].shape != want[k].shape for k in want):
            raise TexpackError("the checkpoint holds another network (another --arch, --scale or --init?); "
                               "resume with the settings it was made with, or start again without --resume")
    if not isinstance(s.get("history"), list) or not isinstance(s.get("sampler"), dict) or not isinstance(s.get("opt_g"), dict):
        raise TexpackError("checkpoint is damaged (history, sampler or optimiser state); start again without --resume")
    return s


def damaged(e: Exception) -> TexpackError:
    """The one-line error for a checkpoint whose fields do not load."""
    return TexpackError(f"checkpoint is damaged ({type(e).__name__}: {str(e)[:160]}); start again without --resume")


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
