"""Seams as the network's own padding (texpack/engine/netpad.py): exact for wrapping textures,
only where the network allows it, the same alpha as texel padding, and seamless packs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from texpack import seams
from texpack.alpha_modes import AlphaMode, SeamMode
from texpack.engine.base import ResampleUpscaler
from texpack.engine.options import EngineOptions
from texpack.engine.torch_engine import TorchUpscaler
from texpack.imagesteps import prepare, seams_in_net, upscale_group
from texpack.models import find_model
from texpack.models.load import load_model

from .conftest import run_build

W, M, C = SeamMode.WRAP, SeamMode.MIRROR, SeamMode.CLAMP


def periodic(n: int, seed: int = 0) -> np.ndarray:
    """A smooth texture that tiles: low frequencies of periodic noise, float RGB in [0, 1]."""
    rng = np.random.default_rng(seed)
    f = np.fft.fft2(rng.standard_normal((n, n, 3)), axes=(0, 1))
    k = np.fft.fftfreq(n)[:, None] ** 2 + np.fft.fftfreq(n)[None, :] ** 2
    t = np.real(np.fft.ifft2(f * np.exp(-k * 150)[..., None], axes=(0, 1)))
    return ((t - t.min()) / (t.max() - t.min())).astype(np.float32)


@pytest.fixture(scope="module")
def span():
    return TorchUpscaler(load_model(find_model("texpack-span-x4")), EngineOptions(device="cpu", precision="fp32"))


@pytest.mark.parametrize(("modes", "mode"), [((W, W), "circular"), ((M, M), "replicate"), ((C, C), "replicate"), ((M, C), "replicate"),
                                              ((W, M), None), ((C, W), None)])
def test_one_mode_for_both_axes_or_none(modes, mode):
    assert seams.net_mode(modes) == mode


def test_circular_padding_is_the_network_on_the_endless_tiling(span):
    x = periodic(16)
    net = span.run(x[None], seam="circular")[0]
    # 32 texels of the repeat on every side put the zero border beyond the network's reach.
    far = span.run(seams.pad(x, (W, W), 32)[None])[0][128:192, 128:192]
    assert np.abs(net - far).max() < 1e-4
    # ...and the copies meet without a seam: the result itself tiles.
    tiled = np.tile(net, (2, 2, 1))
    across = np.abs(np.diff(tiled, axis=1))[:, 63].mean()
    inside = np.abs(np.diff(tiled, axis=1))[:, 30:34].mean()
    assert across < 1.5 * inside


def test_zero_padding_is_untouched_outside_a_seamed_call(span):
    x = periodic(16, 1)
    before = span.run(x[None])
    span.run(x[None], seam="circular")
    assert np.array_equal(span.run(x[None]), before)
    assert all(c.padding_mode == "zeros" for c in span._padding.convs)


def test_who_can_pad_in_the_network(span):
    assert span.seam_padding(16, 16) and not span.seam_padding(span.tile + 1, 16)
    assert seams_in_net(span, 32, 32, 4) and not seams_in_net(span, 1024, 1024, 4)  # bands: texels
    bicubic = ResampleUpscaler("bicubic")
    assert not bicubic.seam_padding(16, 16)
    with pytest.raises(ValueError, match="cannot pad seams"):
        bicubic.run(periodic(8)[None], seam="circular")


def rgba_of(rgb: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    a = np.full(rgb.shape[:2], 255, np.uint8) if alpha is None else alpha
    return np.dstack([np.round(rgb * 255).astype(np.uint8), a])


@pytest.mark.parametrize("seam", [W, M, C])
def test_prepared_for_the_network_holds_only_the_texture(span, seam):
    px = rgba_of(periodic(16))
    p = prepare(px, AlphaMode.AUTO, AlphaMode.OPAQUE, seam, in_net=True)
    assert p.pad == 0 and p.shape == (16, 16) and p.seam == seams.net_mode((seam, seam))
    texels = prepare(px, AlphaMode.AUTO, AlphaMode.OPAQUE, seam)
    assert texels.seam is None and texels.shape == (24, 24)
    a, b = (upscale_group(span, [q], 4)[0] for q in (p, texels))
    assert a.shape == b.shape == (64, 64, 4)
    assert np.abs(a.astype(int) - b.astype(int)).mean() < 1.0  # the same picture, within rounding at the edges


def test_mixed_axes_keep_texel_padding():
    p = prepare(rgba_of(periodic(16)), AlphaMode.AUTO, AlphaMode.OPAQUE, SeamMode.AUTO, in_net=True)
    rows, cols = seams.resolve(SeamMode.AUTO, p.rgb)
    assert (p.seam is None) == (seams.net_mode((rows, cols)) is None)
    striped = rgba_of(np.concatenate([periodic(16)[:, :8], np.zeros((16, 8, 3), np.float32)], axis=1))
    q = prepare(striped, AlphaMode.AUTO, AlphaMode.OPAQUE, SeamMode.AUTO, in_net=True)
    assert seams.resolve(SeamMode.AUTO, q.rgb[4:20, 4:20]) == (W, M) and q.seam is None and q.pad == 4


@pytest.mark.parametrize("mode", [AlphaMode.BINARY, AlphaMode.GRADED])
def test_alpha_is_the_same_either_way(span, mode):
    rng = np.random.default_rng(3)
    smooth = np.round(periodic(16, 5)[..., 0] * 255).astype(np.uint8)  # graded alpha goes through the network, like colour
    alpha = np.where(rng.random((16, 16)) > 0.5, 255, 0).astype(np.uint8) if mode is AlphaMode.BINARY else smooth
    px = rgba_of(periodic(16, 2), alpha)
    net = upscale_group(span, [prepare(px, mode, mode, W, in_net=True)], 4)[0]
    texels = upscale_group(span, [prepare(px, mode, mode, W)], 4)[0]
    if mode is AlphaMode.BINARY:  # resized, not a network output: identical
        assert np.array_equal(net[..., 3], texels[..., 3])
    else:
        assert np.abs(net[..., 3].astype(int) - texels[..., 3].astype(int)).mean() < 1.0


def test_a_wrapping_texture_tiles_without_a_seam_in_the_pack(tmp_path):
    """A whole build of a tiling dump: the pack texture's opposite edges meet like neighbours."""
    dump = tmp_path / "dump" / "GAME" / "GLideNHQ"
    dump.mkdir(parents=True)
    Image.fromarray(rgba_of(periodic(32, 4))).save(dump / "GAME#1A2B3C4D#3#2_all.png")
    for how in ("network", "texels"):
        run_build(dump, tmp_path / how, engine=EngineOptions(precision="fp32", seam_context=how))
    net, tex = (np.asarray(Image.open(tmp_path / h / "hires_texture" / "GAME" / "GAME#1A2B3C4D#3#2_all.png"), np.float64) for h in ("network", "texels"))
    assert net.shape == tex.shape == (128, 128, 4)
    for img in (net, tex):
        tiled = np.tile(img[..., :3], (2, 2, 1))
        across = np.abs(np.diff(tiled, axis=1))[:, 127].mean()
        inside = np.abs(np.diff(tiled, axis=1))[:, 60:68].mean()
        assert across < 1.5 * inside + 1
    assert np.abs(net - tex).mean() < 1.0


def test_calls_on_other_threads_never_see_another_padding(span):
    """A zero-padded call (a review preview) while a seamed call holds the network (the watch)
    waits for it, and gets its own result."""
    import threading

    y = periodic(24, 7)
    want = span.run(y[None])
    got = []
    th = threading.Thread(target=lambda: got.append(span.run(y[None])))
    with span._padding.mode("circular"):  # what a seamed run holds while its batch runs
        th.start()
        th.join(1.0)
        assert th.is_alive() and not got  # it waits instead of running with circular padding
    th.join(30)
    assert len(got) == 1 and np.array_equal(got[0], want)
