"""Read a model file's tensors without running code and without trusting what it declares.

``.safetensors`` files are data only; ``.pth``/``.pt`` are read with
``torch.load(weights_only=True)``, which refuses pickled code. Beyond that, a hostile file
can still declare tensors far larger than the bytes it holds (a stride-0 tensor "of"
20,000 features) so that building the network exhausts memory, or hold NaNs that turn
every texture black. Every tensor is checked against the bytes really stored before
anything is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from texpack.errors import ModelError, first_line
from texpack.models.safeload_exts import MODEL_EXTS

WRAPPERS = ("params_ema", "params", "state_dict", "model_state_dict", "model", "net", "generator")
MAX_FILE_BYTES = 4 << 30  # no published SR model comes near this


def unwrap(raw: Any, name: str) -> dict[str, torch.Tensor]:
    """The tensor dict inside Real-ESRGAN/BasicSR style wrappers, with a ``module.`` prefix dropped."""
    if not isinstance(raw, dict):
        raise ModelError(f"{name}: holds a {type(raw).__name__}, not a state dict of named tensors")
    for k in WRAPPERS:
        if isinstance(raw.get(k), dict) and any(isinstance(v, torch.Tensor) for v in raw[k].values()):
            raw = raw[k]
            break
    out = {}
    for k, v in raw.items():
        if isinstance(v, torch.Tensor):
            out[str(k).removeprefix("module.")] = v
    if not out:
        raise ModelError(f"{name}: no tensors found (not a model state dict)")
    return out


def check_tensors(sd: dict[str, torch.Tensor], file_bytes: int, name: str) -> None:
    """Refuse tensors whose declared size exceeds their stored bytes, empty or absurd shapes,
    and non-finite values."""
    storages: dict[int, int] = {}
    for key, t in sd.items():
        if t.ndim and 0 in t.shape:
            raise ModelError(f"{name}: tensor {key!r} has an empty dimension {tuple(t.shape)}")
        need = t.numel() * t.element_size()
        have = t.untyped_storage().nbytes() - t.storage_offset() * t.element_size()
        if not t.is_contiguous() or need > have:
            raise ModelError(f"{name}: tensor {key!r} declares {tuple(t.shape)} but stores {have} bytes (a crafted file?)")
        storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
    stored = sum(storages.values())
    if stored > file_bytes + (1 << 16):
        raise ModelError(f"{name}: tensors claim {stored} bytes, more than the file's {file_bytes}")
    for key, t in sd.items():
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise ModelError(f"{name}: tensor {key!r} holds NaN or infinite values; the model would paint every texture black")


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The checked tensors of a model file, or :class:`ModelError` with the reason."""
    path = Path(path)
    name = path.name
    if path.suffix not in MODEL_EXTS:
        raise ModelError(f"{name}: not a model file (expected {', '.join(MODEL_EXTS)})")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ModelError(f"{name}: cannot read ({e.strerror or e})") from e
    if size > MAX_FILE_BYTES:
        raise ModelError(f"{name}: {size} bytes is larger than any super-resolution model")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            raw: Any = load_file(str(path))
        else:
            raw = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any failure to read is one clear error
        reason = first_line(e)
        raise ModelError(f"{name}: cannot read model file ({type(e).__name__}: {reason[:200]})") from e
    sd = unwrap(raw, name)
    check_tensors(sd, size, name)
    return sd
