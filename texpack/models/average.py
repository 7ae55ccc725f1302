"""Average the weights of models fine-tuned from one starting point (a "model soup").

Runs that start from the same weights and train with a small rate stay in one basin of
the loss, so the mean of their weights is a model of its own that is usually better than
each (Wortsman et al. 2022, arXiv:2203.05482; stochastic weight averaging is the same idea
along one run). Whether it is better is for a benchmark to say: two runs from the default's
second stage averaged at their ends scored no better than the better run (README "Training").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from texpack.errors import ModelError
from texpack.models.catalog import find_model, sha256_of, verified_sha
from texpack.models.safeload import read_state_dict
from texpack.models.store import check_name, write_model

# Card fields that describe one file (how it was trained, how it validated), not the mean.
_PER_FILE = ("name", "file", "sha256", "dtype", "training", "learning_curve", "validation")


def mean_state(states: list[dict[str, torch.Tensor]], names: list[str]) -> dict[str, torch.Tensor]:
    """The element-wise mean of ``states``; every one must hold the same tensors and shapes."""
    if len(states) < 2:
        raise ModelError("averaging needs at least two models")
    first = states[0]
    for sd, name in zip(states[1:], names[1:], strict=True):
        if set(sd) != set(first):
            diff = sorted(set(sd) ^ set(first))[:3]
            raise ModelError(f"{name} cannot be averaged with {names[0]}: their tensors differ ({', '.join(diff)})")
        for k, t in sd.items():
            if t.shape != first[k].shape:
                raise ModelError(f"{name} cannot be averaged with {names[0]}: {k} is {tuple(t.shape)} there and {tuple(first[k].shape)} in {names[0]}")
    out = {}
    for k, t in first.items():
        if t.is_floating_point():
            out[k] = torch.stack([sd[k].float() for sd in states]).mean(0)
        else:
            out[k] = t  # integer buffers (counters) are not weights
    return out


def average_models(models: list[str], out_dir: Path, name: str, card: dict[str, Any] | None = None) -> Path:
    """Write the mean of ``models`` (names or paths) as ``out_dir/name``; returns its path.

    The card starts from the first model's (data, licence, description), minus what was
    true of that one file only, names every input with its sha256 under ``averaged_from``,
    and takes ``card``'s fields over all of that.
    """
    check_name(name)
    entries = [find_model(m) for m in models]
    for e in entries:
        verified_sha(e)  # a file that does not match its own card is not averaged in
    states = [read_state_dict(e.path) for e in entries]
    sd = mean_state(states, [e.path.name for e in entries])
    archs = {e.card.get("arch") for e in entries if e.card.get("arch")}
    if len(archs) > 1:
        raise ModelError(f"models of different architectures cannot be averaged ({', '.join(sorted(map(str, archs)))})")
    merged = {k: v for k, v in entries[0].card.items() if k not in _PER_FILE}
    merged["averaged_from"] = [{"file": e.path.name, "sha256": sha256_of(e.path)} for e in entries]
    merged.update(card or {})
    return write_model(Path(out_dir), name, sd, merged)
