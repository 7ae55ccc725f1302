"""Write a model as fp16 safetensors with its card, both atomically."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch
import yaml

from texpack.atomic import atomic_output
from texpack.errors import ModelError
from texpack.models.catalog import sha256_of

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")


def check_name(name: str) -> str:
    """A model name is a plain file stem: no folders, no leading dot, no odd characters."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise ModelError(f"model name {name!r} must be letters, digits, '.', '_', '+' or '-', starting with a letter or digit")
    return name


def write_model(out_dir: Path, name: str, sd: dict[str, torch.Tensor], card: dict[str, Any], fp16: bool = True) -> Path:
    """Save ``sd`` (fp16 by default: half the size, no visible difference) and its card.

    Returns the weights' path; the card (``<name>.yaml``) gains the file's sha256.
    """
    from safetensors.torch import save

    check_name(name)
    out_dir = Path(out_dir)
    path = out_dir / f"{name}.safetensors"
    tensors = {k: (v.half() if fp16 and v.is_floating_point() else v).detach().cpu().contiguous() for k, v in sd.items()}
    bad = next((k for k, v in tensors.items() if v.is_floating_point() and not torch.isfinite(v).all()), None)
    if bad is not None:  # a diverged run, or fp16 overflow: such a file would fail every build that loads it
        raise ModelError(f"{name}: weight {bad} holds values that are not finite; not saved")
    with atomic_output(path) as f:
        f.write(save(tensors, metadata={"format": "pt"}))
    path.chmod(0o644)
    full = {"name": name, "file": path.name, "dtype": "float16" if fp16 else "float32", **card, "sha256": sha256_of(path)}
    with atomic_output(path.with_suffix(".yaml")) as f:
        f.write(yaml.safe_dump(full, sort_keys=False, allow_unicode=True).encode())
    return path
