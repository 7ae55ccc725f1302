"""SPAN: fused and branch forms compute the same function, ncnn graphs round-trip through
texpack's reader and writer, and the ncnn engine runs SPAN as PyTorch does."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from texpack.models.load import _spandrel_load
from texpack.models.ncnn import read_ncnn
from texpack.models.ncnn_export import span_graph, span_input
from texpack.models.span_reparam import embed, expand, fuse, is_fused, to_fused


def small_span(channels: int = 8, scale: int = 2, seed: int = 0):
    from spandrel.architectures.SPAN import SPAN

    torch.manual_seed(seed)
    net = SPAN(num_in_ch=3, num_out_ch=3, feature_channels=channels, upscale=scale)
    with torch.no_grad():  # non-trivial branches and biases everywhere
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return net.eval()


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_embedded_branches_fuse_back_exactly(c_in, c_out, seed):
    g = torch.Generator().manual_seed(seed)
    w, b = torch.randn(c_out, c_in, 3, 3, generator=g), torch.randn(c_out, generator=g)
    fw, fb = fuse(embed(w, b, g))
    assert torch.equal(fw, w) and torch.equal(fb, b)


def test_the_fused_form_computes_what_spandrel_computes():
    net = small_span()
    x = torch.rand(2, 3, 12, 10)
    with torch.no_grad():
        want = net(x)
        got = to_fused(small_span()).eval()(x)
    assert torch.allclose(got, want, atol=1e-5)


def test_a_fused_state_expands_into_a_file_spandrel_loads_to_the_same_function():
    fused = to_fused(small_span())
    sd = fused.state_dict()
    assert is_fused(sd)
    desc = _spandrel_load(expand(sd), "span")
    x = torch.rand(1, 3, 9, 11)
    with torch.no_grad():
        assert torch.allclose(desc.model(x), fused.eval()(x), atol=1e-5)


def test_ncnn_graph_round_trip_through_texpacks_reader(tmp_path):
    net = small_span(channels=8, scale=4)
    g, out = span_graph(net)
    (tmp_path / "s.param").write_text(g.param(out))
    (tmp_path / "s.bin").write_bytes(g.bin(fp16=False))
    sd, notes = read_ncnn(tmp_path / "s.param", tmp_path / "s.bin")
    back = _spandrel_load(sd, "s").model
    x = torch.rand(1, 3, 10, 10)
    with torch.no_grad():
        assert torch.allclose(back(x), net(x), atol=1e-4)
    assert "reparameterised" in notes


def test_ncnn_runs_span_as_pytorch_does():
    pytest.importorskip("ncnn")
    import ncnn

    net = small_span(channels=8, scale=2)
    g, out = span_graph(net)
    n = ncnn.Net()
    n.opt.use_vulkan_compute = False
    n.opt.use_fp16_storage = n.opt.use_fp16_packed = n.opt.use_fp16_arithmetic = False
    param, weights = g.param(out), g.bin()
    assert n.load_param_mem(param) == 0
    n.load_model_mem(weights)
    x = np.random.default_rng(1).random((3, 14, 12), dtype=np.float32)
    ex = n.create_extractor()
    arr = np.ascontiguousarray(span_input(net)(x), np.float32)  # ncnn.Mat wraps it: keep it alive
    ex.input("data", ncnn.Mat(arr))
    _, y = ex.extract("output")
    with torch.no_grad():
        want = net(torch.from_numpy(x)[None])[0].numpy()
    assert np.abs(np.array(y) - want).max() < 1e-3  # Winograd rounding on outputs of order 10
