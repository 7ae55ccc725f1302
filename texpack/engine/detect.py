"""Recognise an ESRGAN-family state dict and its hyperparameters from its keys and shapes alone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from texpack.engine.archs import RRDBNet, SRVGGNetCompact
from texpack.errors import ModelError


@dataclass(frozen=True, slots=True)
class ArchSpec:
    """What a state dict is: the architecture and the constructor arguments that rebuild it."""

    arch: str  # "rrdb" or "srvgg"
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def scale(self) -> int:
        return int(self.params["scale"] if self.arch == "rrdb" else self.params["upscale"])

    def build(self) -> nn.Module:
        if self.arch == "rrdb":
            return RRDBNet(**self.params)
        if self.arch == "srvgg":
            return SRVGGNetCompact(**self.params)
        raise ModelError(f"unknown architecture {self.arch!r}")


def unwrap(sd: dict[str, Any]) -> dict[str, torch.Tensor]:
    """Strip Real-ESRGAN's ``params_ema``/``params`` wrappers and a ``module.`` prefix."""
    for k in ("params_ema", "params", "state_dict", "model_state_dict"):
        if k in sd and isinstance(sd[k], dict):
            sd = sd[k]
            break
    out = {}
    for k, v in sd.items():
        if isinstance(v, torch.Tensor):
            out[k[7:] if k.startswith("module.") else k] = v
    return out


_OLD_RDB = re.compile(r"model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.(weight|bias)")
_OLD_TRUNK = re.compile(r"model\.1\.sub\.(\d+)\.(weight|bias)")
_OLD_MODEL = re.compile(r"model\.(\d+)\.(weight|bias)")
_MID_RDB = re.compile(r"RRDB_trunk\.(\d+)\.RDB(\d)\.conv(\d)\.(weight|bias)")


def _rename_old_esrgan(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Old ``model.N`` ESRGAN keys to the new names (Sequential indices: up convs at 3, 6, 9…)."""
    top = sorted({int(m[1]) for k in sd if (m := _OLD_MODEL.fullmatch(k))})
    n_up = (max(top) - 4) // 3 if top else 0
    out: dict[str, torch.Tensor] = {}
    for k, v in sd.items():
        if m := _OLD_RDB.fullmatch(k):
            out[f"body.{m[1]}.rdb{m[2]}.conv{m[3]}.{m[4]}"] = v
        elif m := _OLD_TRUNK.fullmatch(k):
            out[f"conv_body.{m[2]}"] = v
        elif m := _OLD_MODEL.fullmatch(k):
            i = int(m[1])
            if i == 0:
                name = "conv_first"
            elif i == 3 * n_up + 2:
                name = "conv_hr"
            elif i == 3 * n_up + 4:
                name = "conv_last"
            elif i % 3 == 0 and 1 <= i // 3 <= n_up:
                name = f"conv_up{i // 3}"
            else:
                raise ModelError(f"old-style ESRGAN key {k!r} does not fit the known layout")
            out[f"{name}.{m[2]}"] = v
        else:
            raise ModelError(f"unexpected key {k!r} in an old-style ESRGAN model")
    return out


def _rename_mid_esrgan(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """ESRGAN's ``RRDB_trunk``/``trunk_conv``/``upconv1``/``HRconv`` names to the new ones."""
    names = {"trunk_conv": "conv_body", "upconv1": "conv_up1", "upconv2": "conv_up2", "upconv3": "conv_up3", "HRconv": "conv_hr"}
    out = {}
    for k, v in sd.items():
        if m := _MID_RDB.fullmatch(k):
            out[f"body.{m[1]}.rdb{m[2].lower()}.conv{m[3]}.{m[4]}"] = v
            continue
        head, _, tail = k.partition(".")
        out[f"{names.get(head, head)}.{tail}"] = v
    return out


def detect(raw: dict[str, Any]) -> tuple[ArchSpec, dict[str, torch.Tensor]]:
    """Return the architecture and a state dict with canonical key names, or raise :class:`ModelError`."""
    sd = unwrap(raw)
    if not sd:
        raise ModelError("no tensors found (not a model state dict)")
    if "model.0.weight" in sd and any(k.startswith("model.1.sub.") for k in sd):
        sd = _rename_old_esrgan(sd)
    elif any(k.startswith("RRDB_trunk.") for k in sd):
        sd = _rename_mid_esrgan(sd)
    if "conv_first.weight" in sd and "body.0.rdb1.conv1.weight" in sd:
        return _rrdb(sd), sd
    if "body.0.weight" in sd and sd["body.0.weight"].ndim == 4:
        return _srvgg(sd), sd
    sample = ", ".join(sorted(sd)[:5])
    raise ModelError(
        "unrecognised model: not RRDBNet (conv_first + body.N.rdb1…, model.0 + model.1.sub…) "
        f"or SRVGGNetCompact (body.N.weight); first keys: {sample}"
    )


def _rrdb(sd: dict[str, torch.Tensor]) -> ArchSpec:
    first = sd["conv_first.weight"]
    last = sd["conv_last.weight"]
    nf, in_ch = first.shape[0], first.shape[1]
    out_ch = last.shape[0]
    gc = sd["body.0.rdb1.conv1.weight"].shape[0]
    nb = 1 + max(int(k.split(".")[1]) for k in sd if k.startswith("body."))
    n_up = sum(1 for i in (1, 2, 3) if f"conv_up{i}.weight" in sd)
    factor = in_ch // out_ch if out_ch and in_ch % out_ch == 0 else 1
    if n_up == 3 and factor == 1:
        scale = 8
    elif n_up == 2 and factor in (1, 4, 16):
        scale = {1: 4, 4: 2, 16: 1}[factor]
    else:
        raise ModelError(f"RRDBNet with {n_up} upsampling convs and {in_ch} input channels is not a known layout")
    return ArchSpec("rrdb", {"num_in_ch": out_ch, "num_out_ch": out_ch, "scale": scale, "num_feat": nf, "num_block": nb, "num_grow_ch": gc})


def _srvgg(sd: dict[str, torch.Tensor]) -> ArchSpec:
    idx = sorted({int(k.split(".")[1]) for k in sd if k.startswith("body.")})
    last = idx[-1]
    if last % 2 or last < 2:
        raise ModelError("SRVGGNetCompact body must end in a conv at an even index")
    first = sd["body.0.weight"]
    nf, in_ch = first.shape[0], first.shape[1]
    out_w = sd[f"body.{last}.weight"]
    up2 = out_w.shape[0] // in_ch
    upscale = round(up2**0.5)
    if upscale * upscale * in_ch != out_w.shape[0]:
        raise ModelError(f"SRVGGNetCompact last conv has {out_w.shape[0]} outputs, not channels x scale^2")
    act = "prelu" if "body.1.weight" in sd else "leakyrelu"
    return ArchSpec("srvgg", {"num_in_ch": in_ch, "num_out_ch": in_ch, "num_feat": nf, "num_conv": (last - 2) // 2, "upscale": upscale, "act_type": act})
