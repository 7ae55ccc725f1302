"""--quality max: the x8 self-ensemble averages the eight orientations and is its own engine key."""

from __future__ import annotations

import numpy as np

from texpack.engine.base import ResampleUpscaler
from texpack.engine.ensemble import TRANSFORMS, EnsembleUpscaler, _backward, _forward
from texpack.engine.options import EngineOptions
from texpack.engine.pool import EnginePool

from .conftest import EXAMPLES, run_build


class Lopsided:
    """An engine that is not symmetric: nearest upscale plus a ramp along x."""

    name, scale = "lopsided", 2

    def seam_padding(self, h, w):
        return False

    def run(self, batch, as_uint8=False, seam=None):
        y = batch.repeat(2, 1).repeat(2, 2)
        return y + np.linspace(0, 0.1, y.shape[2], dtype=np.float32)[None, None, :, None]


def test_each_transform_is_undone_by_its_inverse():
    x = np.random.default_rng(0).random((2, 5, 7, 3), dtype=np.float32)
    for k, flip in TRANSFORMS:
        assert np.array_equal(_backward(_forward(x, k, flip), k, flip), x)


def test_a_symmetric_engine_is_unchanged_and_an_asymmetric_one_is_averaged():
    x = np.random.default_rng(1).random((3, 6, 4, 3), dtype=np.float32)
    near = ResampleUpscaler("nearest", 2)
    assert np.allclose(EnsembleUpscaler(near).run(x), near.run(x), atol=1e-6)
    out = EnsembleUpscaler(Lopsided()).run(x)
    # the ramp averages out: every orientation's ramp, turned back, sums to a constant
    assert np.allclose(out, near.run(x) + 0.05, atol=1e-6)
    u8 = EnsembleUpscaler(near).run(x, as_uint8=True)
    assert u8.dtype == np.uint8 and np.array_equal(u8, near.run(x, as_uint8=True))


def test_quality_max_is_another_engine_and_another_pack(tmp_path):
    fast, best = EnginePool(EngineOptions()), EnginePool(EngineOptions(quality="max"))
    assert fast.key("texpack-textures-x4", 4).identity != best.key("texpack-textures-x4", 4).identity
    assert fast.key("bicubic", 4) == best.key("bicubic", 4)  # a resampler is symmetric: nothing to average
    run_build(EXAMPLES / "duckstation", tmp_path / "p")
    (r,) = run_build(EXAMPLES / "duckstation", tmp_path / "p", engine=EngineOptions(quality="max"))
    assert r.counts().get("built", 0) > 0  # built again, not up to date
