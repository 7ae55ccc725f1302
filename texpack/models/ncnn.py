"""Read ncnn ``.param``/``.bin`` models of RRDBNet, SRVGGNetCompact or SPAN into PyTorch state dicts.

``.bin`` layout (docs/formats/models.md "ncnn"): for each Convolution a 4-byte tag
(0x01306B47: fp16 follows, padded to 4 bytes; 0: fp32), the weights in [out][in][kh][kw]
order, then the fp32 bias with no tag; PReLU slopes are raw fp32. Layers come in the
PyTorch modules' order; a MemoryData constant (SPAN's input mean) is raw fp32 of w*h*c
values, no tag. The state dicts use the key names spandrel recognises (``conv_first``/
``body.N.rdbM`` for RRDBNet, ``body.N`` for Compact, SPAN's own names with the fused
convolutions embedded into branches by :mod:`texpack.models.span_reparam`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from texpack.errors import ModelError

MAGIC = 7767517
TAG_FP16 = 0x01306B47
TAG_FP32 = 0
TAG_FP32_RAW = 0x0002C056


@dataclass(slots=True)
class Layer:
    type: str
    name: str
    inputs: list[str]
    outputs: list[str]
    params: dict[int, Any] = field(default_factory=dict)  # int, float or a list of floats (ncnn's -233xx arrays)


Conv = tuple[Layer, torch.Tensor, torch.Tensor | None]  # a convolution layer, its weight and bias
StateAndNotes = tuple[dict[str, torch.Tensor], dict[str, object]]


def parse_param(text: str, source: str = "param") -> list[Layer]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or lines[0].strip() != str(MAGIC):
        raise ModelError(f"{source}: not an ncnn .param file (magic {MAGIC} missing)")
    layers = []
    for ln in lines[2:]:
        parts = ln.split()
        if len(parts) < 4:
            raise ModelError(f"{source}: malformed layer line {ln!r}")
        typ, name, n_in, n_out = parts[0], parts[1], int(parts[2]), int(parts[3])
        ins, outs = parts[4 : 4 + n_in], parts[4 + n_in : 4 + n_in + n_out]
        params: dict[int, object] = {}
        for kv in parts[4 + n_in + n_out :]:
            k, _, v = kv.partition("=")
            key = int(k)
            if key <= -23300:  # array parameter: count, then values
                vals = v.split(",")
                params[-key - 23300] = [float(x) for x in vals[1:]]
            else:
                params[key] = float(v) if any(c in v for c in ".e") else int(v)
        layers.append(Layer(typ, name, ins, outs, params))
    return layers


class _Reader:
    def __init__(self, data: bytes, source: str) -> None:
        self.data, self.pos, self.source = data, 0, source

    def raw_f32(self, n: int) -> np.ndarray:
        end = self.pos + 4 * n
        if end > len(self.data):
            raise ModelError(f"{self.source}: ends early (needs {end} bytes, has {len(self.data)})")
        out = np.frombuffer(self.data, "<f4", n, self.pos).copy()
        self.pos = end
        return out

    def tagged(self, n: int) -> np.ndarray:
        if self.pos + 4 > len(self.data):
            raise ModelError(f"{self.source}: ends early")
        (tag,) = struct.unpack_from("<I", self.data, self.pos)
        self.pos += 4
        if tag == TAG_FP16:
            end = self.pos + 2 * n
            if end > len(self.data):
                raise ModelError(f"{self.source}: ends early")
            out = np.frombuffer(self.data, "<f2", n, self.pos).astype(np.float32)
            self.pos = (end + 3) & ~3
            return out
        if tag in (TAG_FP32, TAG_FP32_RAW):
            return self.raw_f32(n)
        raise ModelError(f"{self.source}: weight tag 0x{tag:08X} (quantised weights) is not supported")


MAX_PARAM_BYTES = 4 << 20
MAX_BIN_BYTES = 2 << 30


def read_ncnn(param_path: Path, bin_path: Path) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """Convert an ncnn model; returns the state dict and notes for the model card.

    The pair may come from a model site: any file that is not a graph texpack knows is one
    :class:`ModelError` naming the file and the reason, never a traceback."""
    param_path, bin_path = Path(param_path), Path(bin_path)
    try:
        for p, limit in ((param_path, MAX_PARAM_BYTES), (bin_path, MAX_BIN_BYTES)):
            if p.stat().st_size > limit:
                raise ModelError(f"{p.name}: larger than any ncnn model of these architectures ({limit >> 20} MiB at most)")
        text = param_path.read_bytes().decode("utf-8")
        return _read(text, param_path.name, bin_path.read_bytes(), bin_path.name)
    except ModelError:
        raise
    except UnicodeDecodeError as e:
        raise ModelError(f"{param_path.name}: not a text .param file ({e.reason})") from e
    except OSError as e:
        raise ModelError(f"{e.filename or param_path.name}: cannot read ({e.strerror or e})") from e
    except (ValueError, ZeroDivisionError, IndexError, KeyError, TypeError, struct.error, OverflowError) as e:
        raise ModelError(f"{param_path.name}: not a usable ncnn graph ({type(e).__name__}: {str(e)[:120]})") from e


def _read(text: str, param_name: str, data: bytes, bin_name: str) -> StateAndNotes:
    layers = parse_param(text, param_name)
    reader = _Reader(data, bin_name)
    convs: list[Conv] = []
    prelus: list[torch.Tensor] = []
    constants: list[np.ndarray] = []
    order: list[str] = []
    for layer in layers:
        if layer.type == "Convolution":
            out_ch, k = int(layer.params.get(0, 0)), int(layer.params.get(1, 1))
            n_w = int(layer.params.get(6, 0))
            if out_ch <= 0 or k <= 0 or n_w <= 0 or n_w % (out_ch * k * k):
                raise ModelError(f"{layer.name}: {out_ch} outputs, kernel {k} and {n_w} weights do not make a convolution")
            if n_w > len(reader.data):
                raise ModelError(f"{bin_name}: {layer.name} needs {n_w} weights, more than the file holds")
            if layer.params.get(3, 1) not in (1,) or layer.params.get(2, 1) not in (1,):
                raise ModelError(f"{layer.name}: only stride 1, dilation 1 convolutions are supported")
            w = reader.tagged(n_w)
            in_ch = n_w // (out_ch * k * k)
            weight = torch.from_numpy(w.reshape(out_ch, in_ch, k, k))
            bias = torch.from_numpy(reader.raw_f32(out_ch)) if int(layer.params.get(5, 0)) else None
            convs.append((layer, weight, bias))
            order.append("conv")
        elif layer.type == "PReLU":
            n = int(layer.params.get(0, 1))
            if not 0 < n <= len(reader.data):
                raise ModelError(f"{layer.name}: {n} PReLU slopes")
            prelus.append(torch.from_numpy(reader.raw_f32(n)))
            order.append("prelu")
        elif layer.type == "MemoryData":
            dims = [int(layer.params.get(k, 0)) for k in (0, 1, 2)]
            n = int(np.prod([d for d in dims if d > 0], dtype=np.int64)) if any(d > 0 for d in dims) else 0
            if any(d < 0 for d in dims) or n > len(reader.data):
                raise ModelError(f"{layer.name}: a constant of {dims} values")
            constants.append(reader.raw_f32(n))
        elif layer.type in ("ConvolutionDepthWise", "InnerProduct", "Deconvolution", "BatchNorm", "Scale"):
            raise ModelError(f"{layer.name}: layer type {layer.type} is not part of RRDBNet or SRVGGNetCompact")
    if reader.pos != len(reader.data):
        raise ModelError(f"{bin_name}: {len(reader.data) - reader.pos} bytes left over; param and bin do not match")
    if not convs:
        raise ModelError(f"{param_name}: no convolution in the graph")
    types = {layer.type for layer in layers}
    notes: dict[str, object] = {}
    if {"PixelShuffle", "Sigmoid", "Swish"} <= types:
        return _span(convs, constants, notes)
    if "PixelShuffle" in types:
        return _srvgg(layers, convs, prelus, notes)
    if "Concat" in types and "Eltwise" in types:
        return _rrdb(layers, convs, notes)
    raise ModelError(f"{param_name}: not an RRDBNet, SRVGGNetCompact or SPAN graph")


def _srvgg(layers: list[Layer], convs: list[Conv], prelus: list[torch.Tensor], notes: dict[str, object]) -> StateAndNotes:
    if not any(layer.type == "PixelShuffle" for layer in layers):
        raise ModelError("SRVGGNetCompact graph without its PixelShuffle upsampler")
    resizes = [layer for layer in layers if layer.type == "Interp"]
    # x2/x3 animevideov3 graphs are the x4 net followed by a bicubic resize: keep the net only.
    if len(resizes) > 1:
        notes["dropped_output_resize"] = float(resizes[-1].params.get(1, 1.0))
    nf = convs[0][1].shape[0]
    if prelus and len(prelus) != len(convs) - 1:
        raise ModelError(f"{len(convs)} convs but {len(prelus)} PReLU layers")
    sd: dict[str, torch.Tensor] = {}
    for i, (_, w, b) in enumerate(convs):
        sd[f"body.{2 * i}.weight"] = w
        if b is not None:
            sd[f"body.{2 * i}.bias"] = b
    for i in range(len(convs) - 1):
        # A ReLU is a PReLU with slope 0: the graph keeps its function in the one key
        # layout spandrel knows for this architecture.
        sd[f"body.{2 * i + 1}.weight"] = prelus[i] if prelus else torch.zeros(nf)
    if not prelus:
        notes["activation"] = "relu, stored as PReLU slopes of 0"
    return sd, notes


def _rrdb(layers: list[Layer], convs: list[Conv], notes: dict[str, object]) -> StateAndNotes:
    n_up = sum(1 for layer in layers if layer.type == "Interp" and int(layer.params.get(0, 0)) == 1)
    if layers[1].type != "Convolution":
        raise ModelError("RRDBNet graphs with a pixel-unshuffle input (x1/x2 models) are not supported from ncnn")
    nb, rem = divmod(len(convs) - 4 - n_up, 15)
    if rem or nb < 1:
        raise ModelError(f"{len(convs)} convolutions do not make an RRDBNet with {n_up} upsamplers")
    names = ["conv_first"]
    names += [f"body.{b}.rdb{r}.conv{c}" for b in range(nb) for r in (1, 2, 3) for c in range(1, 6)]
    names += ["conv_body"] + [f"conv_up{i}" for i in range(1, n_up + 1)] + ["conv_hr", "conv_last"]
    sd: dict[str, torch.Tensor] = {}
    for name, (_, w, b) in zip(names, convs, strict=True):
        sd[f"{name}.weight"] = w
        if b is not None:
            sd[f"{name}.bias"] = b
    scale = 2**n_up
    if scale not in (4, 8):
        raise ModelError(f"RRDBNet with {n_up} upsamplers (x{scale}) is not supported")
    return sd, notes


SPAN_MEAN = (0.4488, 0.4371, 0.4040)  # the mean spandrel's SPAN subtracts; it cannot be stored in its state dict


def _span(convs: list[Conv], constants: list[np.ndarray], notes: dict[str, object]) -> StateAndNotes:
    """SPAN (Wan et al. 2024): conv_1, blocks of three Conv3XC, conv_2, conv_cat (1x1), upsampler."""
    from texpack.models.span_reparam import embed

    nb, rem = divmod(len(convs) - 4, 3)
    if rem or nb != 6:
        raise ModelError(f"{len(convs)} convolutions do not make a SPAN with 6 blocks")
    full = [(w, b) for _, w, b in convs if b is not None]
    if len(full) != len(convs):
        raise ModelError("SPAN graph with a convolution without bias")
    if constants and not np.allclose(constants[0].ravel(), SPAN_MEAN, atol=1e-4):
        raise ModelError(f"SPAN input mean {constants[0].ravel().tolist()} differs from {list(SPAN_MEAN)}")
    names = ["conv_1"] + [f"block_{b}.c{c}_r" for b in range(1, nb + 1) for c in (1, 2, 3)] + ["conv_2"]
    head, cat, up = full[: len(names)], full[len(names)], full[len(names) + 1]
    if cat[0].shape[2:] != (1, 1) or cat[0].shape[1] != 4 * cat[0].shape[0]:
        raise ModelError("SPAN graph without its 1x1 conv_cat over four feature maps")
    gen = torch.Generator().manual_seed(0)
    sd: dict[str, torch.Tensor] = {}
    for name, (w, b) in zip(names, head, strict=True):
        if w.shape[2:] != (3, 3):
            raise ModelError(f"{name}: SPAN needs 3x3 convolutions here, not {tuple(w.shape[2:])}")
        for k, v in embed(w, b, gen).items():
            sd[f"{name}.{k}"] = v
    sd["conv_cat.weight"], sd["conv_cat.bias"] = cat
    sd["upsampler.0.weight"], sd["upsampler.0.bias"] = up
    notes["reparameterised"] = "fused 3x3 convolutions embedded into training branches that fuse back exactly"
    return sd, notes
