"""The ncnn CPU engine: same results as PyTorch fp32, the same contract, and when it is chosen."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from texpack.engine.ncnn_engine import NcnnUpscaler, ncnn_available
from texpack.engine.options import EngineOptions
from texpack.engine.select import make_engine
from texpack.engine.torch_engine import TorchUpscaler, cpu_has_native_bf16
from texpack.errors import EngineError, ModelError, UsageError
from texpack.models import DEFAULT_MODEL, find_model
from texpack.models.load import load_model

from .conftest import DATA, EXAMPLES

pytestmark = pytest.mark.skipif(not ncnn_available(), reason="ncnn not installed")


@pytest.fixture(scope="module")
def compact():
    return load_model(find_model("texpack-textures-x4"))


def _torch(model, x, tile=None):
    return TorchUpscaler(model, EngineOptions("cpu", "fp32", tile)).run(x)


@pytest.mark.parametrize("shape", [(1, 32, 32), (5, 16, 16), (3, 8, 24), (2, 40, 7), (1, 1, 1)])
@pytest.mark.parametrize("threads", [1, 2])
def test_matches_pytorch_fp32(compact, shape, threads):
    x = np.random.default_rng(sum(shape)).random((*shape, 3), dtype=np.float32)
    got = NcnnUpscaler(compact, EngineOptions(threads=threads)).run(x)
    want = _torch(compact, x)
    assert got.shape == want.shape == (shape[0], shape[1] * 4, shape[2] * 4, 3)
    assert np.abs(got - want).max() < 1e-3 / 255 * 10  # float rounding only


@pytest.mark.parametrize("threads", [1, 2])
def test_the_span_default_matches_pytorch_fp32(threads):
    """SPAN works on inputs scaled by 255 inside, so float rounding is larger than Compact's,
    still a small fraction of one 8-bit level; the bundled golden holds to one level."""
    span = load_model(find_model(DEFAULT_MODEL))
    assert span.info.arch == "SPAN"
    x = np.random.default_rng(3).random((3, 24, 20, 3), dtype=np.float32)
    got = NcnnUpscaler(span, EngineOptions(threads=threads)).run(x)
    assert np.abs(got - _torch(span, x)).max() < 0.25 / 255
    g = np.asarray(Image.open(DATA / "golden_in.png").convert("RGB"), np.float32)[None] / 255
    want = np.asarray(Image.open(DATA / "golden_out_span.png").convert("RGB"), np.int16)
    assert np.abs(NcnnUpscaler(span).run(g, as_uint8=True)[0].astype(np.int16) - want).max() <= 1


def test_golden_and_uint8(compact):
    x = np.asarray(Image.open(DATA / "golden_in.png").convert("RGB"), np.float32)[None] / 255
    want = np.asarray(Image.open(DATA / "golden_out_textures.png").convert("RGB"), np.int16)
    got = NcnnUpscaler(compact).run(x, as_uint8=True)[0]
    assert got.dtype == np.uint8 and np.abs(got.astype(np.int16) - want).max() <= 1


def test_tiles_match_whole(compact):
    bg = next((EXAMPLES / "duckstation").rglob("vram-write-*.png"))
    x = np.asarray(Image.open(bg).convert("RGB"), np.float32)[None, :160, :200] / 255
    whole = NcnnUpscaler(compact, EngineOptions(tile=1024)).run(x)
    tiled = NcnnUpscaler(compact, EngineOptions(tile=64)).run(x)
    assert np.abs(whole - tiled).max() <= 1 / 255
    assert np.abs(whole - _torch(compact, x)).max() < 1e-4


def test_non_finite_input_is_an_engine_error(compact):
    x = np.full((1, 8, 8, 3), np.nan, np.float32)
    with pytest.raises(EngineError, match="NaN"):
        NcnnUpscaler(compact).run(x)


def _rrdb_model(tmp_path):
    from safetensors.torch import save_file

    from .reference_archs import RRDBNet

    net = RRDBNet(num_feat=8, num_block=1, num_grow_ch=32)
    path = tmp_path / "tiny-rrdb.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
    return load_model(find_model(str(path)))


def test_choice_of_engine(compact, tmp_path):
    auto = make_engine(compact, EngineOptions("cpu"))
    assert auto.backend == ("torch" if cpu_has_native_bf16() else "ncnn")
    assert make_engine(compact, EngineOptions("cpu", "fp32")).backend == "ncnn"
    assert make_engine(compact, EngineOptions("cpu", "bf16")).backend == "torch"
    assert make_engine(compact, EngineOptions("cpu", cpu_engine="torch")).backend == "torch"
    rrdb = _rrdb_model(tmp_path)
    assert make_engine(rrdb, EngineOptions("cpu", "fp32")).backend == "torch"
    with pytest.raises(UsageError, match="--cpu-engine ncnn: tiny-rrdb: ESRGAN networks run on PyTorch"):
        make_engine(rrdb, EngineOptions("cpu", cpu_engine="ncnn"))
    with pytest.raises(ModelError, match="ESRGAN"):
        NcnnUpscaler(rrdb)
    with pytest.raises(UsageError, match="unknown CPU engine"):
        make_engine(compact, EngineOptions("cpu", cpu_engine="fast"))


def test_build_through_both_engines_gives_the_same_pack(tmp_path):
    from .conftest import run_build
    from .packcheck import describe

    a, b = tmp_path / "ncnn", tmp_path / "torch"
    from texpack.engine.options import EngineOptions as EO

    # ncnn always takes seam context as texels; asked to, PyTorch does the same and must agree.
    ra = run_build(EXAMPLES / "gliden64", a, engine=EO("cpu", "fp32", cpu_engine="ncnn"))
    rb = run_build(EXAMPLES / "gliden64", b, engine=EO("cpu", "fp32", cpu_engine="torch", seam_context="texels"))
    assert ra[0].ok and rb[0].ok
    assert describe(a) == describe(b)
    from texpack.imageio import load_rgba

    worst = 0
    for p in sorted((a / "hires_texture").rglob("*.png")):
        pa, pb = load_rgba(p).astype(np.int16), load_rgba(b / p.relative_to(a)).astype(np.int16)
        worst = max(worst, int(np.abs(pa - pb).max()))
    assert worst <= 1


@pytest.mark.parametrize("as_uint8", [False, True])
def test_runs_of_bounded_size_give_the_same_result(compact, monkeypatch, as_uint8):
    import texpack.engine.ncnn_engine as ne

    x = np.random.default_rng(7).random((5, 12, 12, 3), dtype=np.float32)
    whole = NcnnUpscaler(compact, EngineOptions(threads=1)).run(x, as_uint8=as_uint8)
    calls = []
    eng = NcnnUpscaler(compact, EngineOptions(threads=1))
    forward = eng._forward
    monkeypatch.setattr(eng, "_forward", lambda t: calls.append(len(t)) or forward(t))
    monkeypatch.setattr(ne, "RUN_OUTPUT_PX", 2 * 48 * 48)  # two images' output per run
    pieces = eng.run(x, as_uint8=as_uint8)
    assert calls == [2, 2, 1]
    assert pieces.dtype == whole.dtype and np.array_equal(pieces, whole)
