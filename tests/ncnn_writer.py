"""Write small PyTorch RRDBNet / SRVGGNetCompact models in ncnn form, to test the reader against ncnn."""

from __future__ import annotations

import struct
from collections import defaultdict

import numpy as np

from .reference_archs import RRDBNet, SRVGGNetCompact
from texpack.models.ncnn import TAG_FP16


class Graph:
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

    def conv(self, x: str, conv, leaky: bool = False) -> str:
        w = conv.weight.detach().numpy()
        p = f"0={w.shape[0]} 1=3 4=1 5=1 6={w.size}" + (" 9=2 -23310=1,2.000000e-01" if leaky else "")
        return self.add("Convolution", [x], p, ("conv", w, conv.bias.detach().numpy()))

    def finish(self, out: str) -> str:
        self.layers[-1][3] = ["output"] if self.layers[-1][3] == [out] else self.layers[-1][3]
        consumers: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for li, layer in enumerate(self.layers):
            for ii, b in enumerate(layer[2]):
                consumers[b].append((li, ii))
        final = []
        for layer in self.layers:
            final.append(layer)
            for b in layer[3]:
                uses = consumers.get(b, [])
                if len(uses) > 1:
                    names = [f"{b}_split{k}" for k in range(len(uses))]
                    final.append(["Split", f"split_{b}", [b], names, ""])
                    for (ci, cii), nm in zip(uses, names):
                        self.layers[ci][2][cii] = nm
        blobs = {b for layer in final for b in layer[2] + layer[3]}
        lines = ["7767517", f"{len(final)} {len(blobs)}"]
        for typ, name, ins, outs, params in final:
            lines.append(" ".join([typ, name, str(len(ins)), str(len(outs)), *ins, *outs, params]).rstrip())
        return "\n".join(lines) + "\n"

    def bin(self, fp16: bool) -> bytes:
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


def srvgg_to_ncnn(net: SRVGGNetCompact, fp16: bool) -> tuple[str, bytes]:
    g = Graph()
    x = "data"
    mods = list(net.body)
    for m in mods:
        if m.__class__.__name__ == "Conv2d":
            x = g.conv(x, m)
        elif m.__class__.__name__ == "ReLU":
            x = g.add("ReLU", [x])
        else:
            slopes = m.weight.detach().numpy()
            x = g.add("PReLU", [x], f"0={slopes.size}", ("prelu", slopes, None))
    up = g.add("PixelShuffle", [x], f"0={net.upscale}")
    s = f"{float(net.upscale):.6e}"
    base = g.add("Interp", ["data"], f"0=1 1={s} 2={s}")
    out = g.add("BinaryOp", [up, base], "0=0")
    return g.finish(out), g.bin(fp16)


def rrdb_to_ncnn(net: RRDBNet, fp16: bool) -> tuple[str, bytes]:
    g = Graph()
    feat = g.conv("data", net.conv_first)
    x = feat
    for block in net.body:
        bx = x
        for rdb in (block.rdb1, block.rdb2, block.rdb3):
            feats = [bx]
            for i in range(1, 5):
                inp = feats[0] if len(feats) == 1 else g.add("Concat", list(feats), "0=0")
                feats.append(g.conv(inp, getattr(rdb, f"conv{i}"), leaky=True))
            x5 = g.conv(g.add("Concat", list(feats), "0=0"), rdb.conv5)
            bx = g.add("Eltwise", [x5, bx], "0=1 -23301=2,2.000000e-01,1.000000e+00")
        x = g.add("Eltwise", [bx, x], "0=1 -23301=2,2.000000e-01,1.000000e+00")
    body = g.conv(x, net.conv_body)
    x = g.add("BinaryOp", [feat, body], "0=0")
    for conv in [net.conv_up1, net.conv_up2] + ([net.conv_up3] if net.scale == 8 else []):
        x = g.conv(g.add("Interp", [x], "0=1 1=2.000000e+00 2=2.000000e+00"), conv, leaky=True)
    x = g.conv(x, net.conv_hr, leaky=True)
    out = g.conv(x, net.conv_last)
    return g.finish(out), g.bin(fp16)
