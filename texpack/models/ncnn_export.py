"""Write a network as an ncnn graph (``.param`` text and ``.bin`` weights), in memory.

The CPU engine runs Compact networks through ncnn where it is faster than PyTorch: ncnn
computes 3x3 convolutions with Winograd transforms (about 4x fewer multiplies than the
direct convolution oneDNN uses on CPUs without AVX-512), see texpack/engine/ncnn_engine.py.
The layer and parameter ids follow ncnn's ``param`` format (docs/formats/models.md); the
reader for the other direction is :mod:`texpack.models.ncnn`.
"""

from __future__ import annotations

import struct
from collections import defaultdict

import numpy as np
from torch import nn

from texpack.errors import ModelError
from texpack.models.ncnn import TAG_FP16

MAGIC = "7767517"


class Graph:
    """Layers in order, each ``[type, name, inputs, outputs, params]``, and their weights."""

    def __init__(self) -> None:
        self.layers: list[list] = [["Input", "input", [], ["data"], ""]]
        self.blobs: list[tuple[str, np.ndarray, np.ndarray | None]] = []  # weight blobs in layer order
        self.n = 0

    def add(self, typ: str, ins: list[str], params: str = "", weights=None) -> str:
        self.n += 1
        out = f"b{self.n}"
        self.layers.append([typ, f"{typ.lower()}{self.n}", list(ins), [out], params])
        if weights is not None:
            self.blobs.append(weights)
        return out

    def conv(self, x: str, conv: nn.Conv2d, leaky: float | None = None) -> str:
        """A 3x3, stride 1, pad 1 convolution, optionally fused with a leaky ReLU."""
        if conv.kernel_size != (3, 3) or conv.stride != (1, 1) or conv.padding != (1, 1) or conv.bias is None:
            raise ModelError("only 3x3 convolutions with stride 1, padding 1 and a bias convert to ncnn")
        w = conv.weight.detach().float().cpu().numpy()
        p = f"0={w.shape[0]} 1=3 4=1 5=1 6={w.size}" + (f" 9=2 -23310=1,{leaky:.6e}" if leaky is not None else "")
        return self.add("Convolution", [x], p, ("conv", w, conv.bias.detach().float().cpu().numpy()))

    def prelu(self, x: str, act: nn.PReLU) -> str:
        slopes = act.weight.detach().float().cpu().numpy()
        return self.add("PReLU", [x], f"0={slopes.size}", ("prelu", slopes, None))

    def param(self, out: str) -> str:
        """The ``.param`` text; ``out`` is renamed ``output`` and shared blobs get Split layers."""
        layers = [[t, n, list(i), [("output" if b == out else b) for b in o], p] for t, n, i, o, p in self.layers]
        consumers: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for li, layer in enumerate(layers):
            for ii, b in enumerate(layer[2]):
                consumers[b].append((li, ii))
        final = []
        for layer in layers:
            final.append(layer)
            for b in layer[3]:
                uses = consumers.get(b, [])
                if len(uses) > 1:
                    names = [f"{b}_split{k}" for k in range(len(uses))]
                    final.append(["Split", f"split_{b}", [b], names, ""])
                    for (ci, cii), nm in zip(uses, names):
                        layers[ci][2][cii] = nm
        blobs = {b for layer in final for b in layer[2] + layer[3]}
        lines = [MAGIC, f"{len(final)} {len(blobs)}"]
        for typ, name, ins, outs, params in final:
            lines.append(" ".join([typ, name, str(len(ins)), str(len(outs)), *ins, *outs, params]).rstrip())
        return "\n".join(lines) + "\n"

    def bin(self, fp16: bool = False) -> bytes:
        out = bytearray()
        for kind, w, b in self.blobs:
            if kind == "conv":
                if fp16:
                    data = w.astype("<f2").tobytes()
                    out += struct.pack("<I", TAG_FP16) + data + b"\0" * ((-len(data)) % 4)
                else:
                    out += struct.pack("<I", 0) + w.astype("<f4").tobytes()
                out += b.astype("<f4").tobytes()
            else:
                out += w.astype("<f4").tobytes()
        return bytes(out)


def compact_graph(net: nn.Module) -> tuple[Graph, str]:
    """An SRVGGNetCompact (Real-ESRGAN Compact, as spandrel builds it) as a graph and its output blob.

    The network is convs and activations, a pixel shuffle, plus the nearest-upscaled input.
    """
    body = getattr(net, "body", None)
    scale = getattr(net, "upscale", None)
    if body is None or not isinstance(scale, int):
        raise ModelError("not a Compact network")
    g = Graph()
    x = "data"
    for m in body:
        if isinstance(m, nn.Conv2d):
            x = g.conv(x, m)
        elif isinstance(m, nn.PReLU):
            x = g.prelu(x, m)
        elif isinstance(m, nn.ReLU):
            x = g.add("ReLU", [x])
        elif isinstance(m, nn.LeakyReLU):
            x = g.add("ReLU", [x], f"0={m.negative_slope:.6e}")
        else:
            raise ModelError(f"Compact network with a {type(m).__name__} layer does not convert to ncnn")
    up = g.add("PixelShuffle", [x], f"0={scale}")
    s = f"{float(scale):.6e}"
    base = g.add("Interp", ["data"], f"0=1 1={s} 2={s}")
    return g, g.add("BinaryOp", [up, base], "0=0")
