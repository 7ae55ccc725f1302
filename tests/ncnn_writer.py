"""Write small PyTorch RRDBNet / SRVGGNetCompact models in ncnn form (through texpack's own
graph writer, texpack/models/ncnn_export.py), to test the reader on both architectures."""

from __future__ import annotations

from texpack.models.ncnn_export import Graph, compact_graph

from .reference_archs import RRDBNet, SRVGGNetCompact


def srvgg_to_ncnn(net: SRVGGNetCompact, fp16: bool) -> tuple[str, bytes]:
    g, out = compact_graph(net)
    return g.param(out), g.bin(fp16)


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
                feats.append(g.conv(inp, getattr(rdb, f"conv{i}"), leaky=0.2))
            x5 = g.conv(g.add("Concat", list(feats), "0=0"), rdb.conv5)
            bx = g.add("Eltwise", [x5, bx], "0=1 -23301=2,2.000000e-01,1.000000e+00")
        x = g.add("Eltwise", [bx, x], "0=1 -23301=2,2.000000e-01,1.000000e+00")
    body = g.conv(x, net.conv_body)
    x = g.add("BinaryOp", [feat, body], "0=0")
    for conv in [net.conv_up1, net.conv_up2] + ([net.conv_up3] if net.scale == 8 else []):
        x = g.conv(g.add("Interp", [x], "0=1 1=2.000000e+00 2=2.000000e+00"), conv, leaky=0.2)
    x = g.conv(x, net.conv_hr, leaky=0.2)
    out = g.conv(x, net.conv_last)
    return g.param(out), g.bin(fp16)
