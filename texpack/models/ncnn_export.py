"""Write a network as an ncnn graph (``.param`` text and ``.bin`` weights), in memory.

The CPU engine runs Compact and SPAN networks through ncnn where it is faster than
PyTorch: ncnn computes 3x3 convolutions with Winograd transforms (about 4x fewer
multiplies than the direct convolution oneDNN uses on CPUs without AVX-512), see
texpack/engine/ncnn_engine.py. :data:`GRAPHS` maps a spandrel architecture id to its writer.
The layer and parameter ids follow ncnn's ``param`` format (docs/formats/models.md); the
reader for the other direction is :mod:`texpack.models.ncnn`.
"""

from __future__ import annotations

import struct
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
from torch import nn

from texpack.errors import ModelError
from texpack.models.ncnn import TAG_FP16

MAGIC = "7767517"


class Graph:
    """Layers in order, each ``[type, name, inputs, outputs, params]``, and their weights."""

    def __init__(self) -> None:
        self.layers: list[list[Any]] = [["Input", "input", [], ["data"], ""]]
        self.blobs: list[tuple[str, np.ndarray, np.ndarray | None]] = []  # weight blobs in layer order
        self.n = 0

    def add(self, typ: str, ins: list[str], params: str = "", weights: tuple[str, np.ndarray, np.ndarray | None] | None = None) -> str:
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

    def conv_weights(self, x: str, w: np.ndarray, b: np.ndarray) -> str:
        """A square, stride 1, same-padded convolution from raw weights (SPAN's fused ones, 1x1 or 3x3)."""
        k = w.shape[2]
        if w.shape[3] != k or k % 2 == 0:
            raise ModelError(f"a {w.shape[2]}x{w.shape[3]} kernel does not convert to ncnn here")
        return self.add("Convolution", [x], f"0={w.shape[0]} 1={k} 4={k // 2} 5=1 6={w.size}", ("conv", w, b))

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
                    for (ci, cii), nm in zip(uses, names, strict=True):
                        layers[ci][2][cii] = nm
        blobs = {b for layer in final for b in layer[2] + layer[3]}
        lines = [MAGIC, f"{len(final)} {len(blobs)}"]
        for typ, name, ins, outs, params in final:
            lines.append(" ".join([typ, name, str(len(ins)), str(len(outs)), *ins, *outs, params]).rstrip())
        return "\n".join(lines) + "\n"

    def bin(self, fp16: bool = False) -> bytes:
        out = bytearray()
        for kind, w, b in self.blobs:
            if kind == "conv" and b is not None:
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


def span_graph(net: Any) -> tuple[Graph, str]:
    """A SPAN (spandrel's ``architectures/SPAN``) as a graph of its fused convolutions.

    The graph takes the normalised input ``(x - mean) * img_range`` (:func:`span_input`);
    each block is conv, SiLU, conv, SiLU, conv, then ``(out + x) * (sigmoid(out) - 0.5)``,
    and the four feature maps spandrel concatenates go through the 1x1 ``conv_cat``.
    """
    from texpack.models.span_reparam import BRANCH_KEYS, fuse

    def fused(m: Any) -> tuple[np.ndarray, np.ndarray]:
        sd = {k: v.detach().float().cpu() for k, v in m.state_dict().items()}
        if all(k in sd for k in BRANCH_KEYS):
            w, b = fuse(sd)
        else:  # texpack's training form holds the fused conv only
            w, b = sd["eval_conv.weight"], sd["eval_conv.bias"]
        return w.numpy(), b.numpy()

    blocks: list[Any] = [getattr(net, f"block_{i}", None) for i in range(1, 7)]
    if any(b is None for b in blocks) or not hasattr(net, "conv_cat") or getattr(net, "no_norm", None) is not None:
        raise ModelError("not a SPAN network of 6 blocks with input normalisation")
    g = Graph()
    first = g.conv_weights("data", *fused(net.conv_1))
    x, out_b1, out_b5_2 = first, "", ""
    for i, blk in enumerate(blocks, 1):
        a1 = g.add("Swish", [g.conv_weights(x, *fused(blk.c1_r))])
        a2 = g.add("Swish", [g.conv_weights(a1, *fused(blk.c2_r))])
        c3 = g.conv_weights(a2, *fused(blk.c3_r))
        att = g.add("BinaryOp", [g.add("Sigmoid", [c3])], "0=1 1=1 2=5.000000e-01")
        x = g.add("BinaryOp", [g.add("BinaryOp", [c3, x], "0=0"), att], "0=2")
        out_b1 = x if i == 1 else out_b1
        out_b5_2 = a1 if i == 6 else out_b5_2
    out_b6 = g.conv_weights(x, *fused(net.conv_2))
    cat = g.add("Concat", [first, out_b6, out_b1, out_b5_2], "0=0")
    cc = g.conv_weights(cat, net.conv_cat.weight.detach().float().cpu().numpy(), net.conv_cat.bias.detach().float().cpu().numpy())
    up = net.upsampler[0]
    y = g.conv_weights(cc, up.weight.detach().float().cpu().numpy(), up.bias.detach().float().cpu().numpy())
    return g, g.add("PixelShuffle", [y], f"0={net.upsampler[1].upscale_factor}")


def span_input(net: Any) -> Callable[[np.ndarray], np.ndarray]:
    """The input transform a SPAN graph expects: ``(x - mean) * img_range`` per channel."""
    mean = net.mean.detach().float().cpu().numpy().reshape(-1, 1, 1)
    scale = np.float32(net.img_range)
    return lambda chw: (chw - mean) * scale


GRAPHS = {"Compact": (compact_graph, None), "SPAN": (span_graph, span_input)}
