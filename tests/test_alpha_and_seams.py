import numpy as np
import pytest

from texpack import alpha, seams
from texpack.alpha_modes import AlphaMode, SeamMode
from texpack.engine.base import ResampleUpscaler
from texpack.imagesteps import prepare, upscale_group


def cutout(h=16, w=16, colour=(200, 40, 40)):
    px = np.zeros((h, w, 4), np.uint8)
    y, x = np.mgrid[0:h, 0:w]
    inside = (y - h / 2) ** 2 + (x - w / 2) ** 2 < (min(h, w) / 3) ** 2
    px[inside, :3] = colour
    px[inside, 3] = 255
    return px  # black junk RGB under transparent texels, as dumps have


def test_bleed_fills_hidden_texels_from_visible_ones():
    px = cutout()
    rgb = px[..., :3].astype(np.float32) / 255
    out = alpha.bleed(rgb, px[..., 3] == 0)
    assert np.allclose(out, np.array([200, 40, 40]) / 255, atol=1e-5)


def test_bleed_leaves_visible_texels_alone():
    rgb = np.random.default_rng(0).random((9, 7, 3)).astype(np.float32)
    hidden = np.zeros((9, 7), bool)
    hidden[2:5, 1:3] = True
    out = alpha.bleed(rgb, hidden)
    assert np.array_equal(out[~hidden], rgb[~hidden])


@pytest.mark.parametrize("bleed", [True, False])
def test_no_dark_rim_at_cutout_edges(bleed):
    px = cutout(32, 32)
    mode = AlphaMode.BINARY
    p = prepare(px, mode, mode, SeamMode.CLAMP)
    if not bleed:  # the same pipeline without bleeding shows the rim the bleed removes
        raw = seams.pad(px[..., :3].astype(np.float32) / 255, (SeamMode.CLAMP, SeamMode.CLAMP), 8)
        p = type(p)(raw, p.alpha, p.mode, p.levels, p.size, p.pad)
    out = upscale_group(ResampleUpscaler("bicubic", 4), [p], 4)[0]
    visible = out[..., 3] == 255
    darkest = out[visible, 0].min()
    if bleed:
        assert darkest >= 190  # every visible texel keeps the red it had
    else:
        assert darkest < 150


@pytest.mark.parametrize(
    "mode,levels", [(AlphaMode.BINARY, {0, 255}), (AlphaMode.BINARY_CLEAR, {0, 255}), (AlphaMode.TERNARY, {0, 0x8F, 255})]
)
def test_snap_levels(mode, levels):
    a = np.linspace(0, 1, 101, dtype=np.float32)
    assert set(np.unique(alpha.snap(a, mode)).tolist()) == levels


def test_ternary_transparent_is_exact_zero():
    rgb = np.full((4, 4, 3), 0.5, np.float32)
    a = np.array([[0.0, 0.5, 1.0, 0.1]] * 4, np.float32)
    out = alpha.finish(rgb, a, AlphaMode.TERNARY)
    assert out[0, 0].tolist() == [0, 0, 0, 0] and out[0, 3].tolist() == [0, 0, 0, 0]
    assert out[0, 1, 3] == 0x8F and out[0, 2, 3] == 255


def test_binary_clear_zeroes_rgb():
    out = alpha.finish(np.full((1, 2, 3), 0.7, np.float32), np.array([[0.2, 0.9]], np.float32), AlphaMode.BINARY_CLEAR)
    assert out[0, 0].tolist() == [0, 0, 0, 0] and out[0, 1, 3] == 255


def test_intensity_alpha_follows_the_image():
    rgb = np.array([[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.5, 0.5, 0.5]]], np.float32)
    out = alpha.finish(rgb, None, AlphaMode.INTENSITY)
    assert out[0, :, 3].tolist() == [0, 255, 128]


def test_resolve():
    opaque = np.full((2, 2), 255, np.uint8)
    cut = np.array([[0, 255], [255, 255]], np.uint8)
    soft = np.array([[0, 100], [255, 255]], np.uint8)
    assert alpha.resolve(AlphaMode.AUTO, AlphaMode.GRADED, opaque) is AlphaMode.OPAQUE
    assert alpha.resolve(AlphaMode.AUTO, AlphaMode.AUTO, cut) is AlphaMode.BINARY
    assert alpha.resolve(AlphaMode.AUTO, AlphaMode.AUTO, soft) is AlphaMode.GRADED
    assert alpha.resolve(AlphaMode.BINARY, AlphaMode.GRADED, soft) is AlphaMode.BINARY
    assert alpha.resolve(AlphaMode.AUTO, AlphaMode.INTENSITY, opaque) is AlphaMode.INTENSITY


def test_tileable_detection():
    y, x = np.mgrid[0:32, 0:32]
    periodic = np.stack([0.5 + 0.5 * np.sin(2 * np.pi * x / 32)] * 3, -1).astype(np.float32)
    ramp = np.stack([x / 31.0] * 3, -1).astype(np.float32)
    assert seams.is_tileable(periodic, 1) and seams.is_tileable(periodic, 0)
    assert not seams.is_tileable(ramp, 1)
    assert seams.resolve(SeamMode.AUTO, ramp) == (SeamMode.WRAP, SeamMode.MIRROR)


@pytest.mark.parametrize("mode", list(SeamMode)[1:])
def test_pad_modes(mode):
    img = np.arange(12, dtype=np.float32).reshape(3, 4, 1)
    out = seams.pad(img, (mode, mode), 5)  # wider than the image: padded in steps
    assert out.shape == (13, 14, 1)
    assert np.array_equal(out[5:8, 5:9], img)
    if mode is SeamMode.WRAP:
        assert np.array_equal(out[5:8, 1:5], img)


def _st_texture(with_semi: bool) -> np.ndarray:
    px = np.zeros((24, 24, 4), np.uint8)
    px[:, 12:] = (200, 60, 60, 255)  # opaque right half, transparent (0,0,0,0) left half
    if with_semi:
        px[4:10, 16:22, 3] = 0x8F
    return px


@pytest.mark.parametrize("with_semi", [False, True])
def test_ternary_alpha_invents_no_semi_band(with_semi):
    px = _st_texture(with_semi)
    p = prepare(px, AlphaMode.AUTO, AlphaMode.TERNARY, SeamMode.CLAMP)
    out = upscale_group(ResampleUpscaler("bicubic", 4), [p], 4)[0]
    a = out[..., 3]
    edge = a[:, 40:56]  # around the transparent/opaque boundary at x = 48
    assert 0x8F not in np.unique(edge)
    assert (0x8F in np.unique(a)) == with_semi
    assert set(np.unique(a).tolist()) <= {0, 0x8F, 255}
    assert (out[a == 0, :3] == 0).all()


def test_color_fix_matches_the_dump_average():
    class Brighter:
        name, scale = "brighter", 4

        def seam_padding(self, h, w):
            return False

        def run(self, batch, as_uint8=False, seam=None):  # a drifting "network": nearest x4, 20 levels too bright
            y = np.clip(batch.repeat(4, 1).repeat(4, 2) + 20 / 255, 0, 1)
            return np.floor(y * 255 + 0.5).astype(np.uint8) if as_uint8 else y

    px = cutout(16, 16, (120, 90, 60))
    for fix in (False, True):
        p = prepare(px, AlphaMode.AUTO, AlphaMode.BINARY, SeamMode.CLAMP, color_fix=fix)
        out = upscale_group(Brighter(), [p], 4)[0]
        vis = out[..., 3] == 255
        drift = out[vis, :3].astype(float).mean(axis=0) - np.array([120, 90, 60])
        assert (np.abs(drift) < 1).all() if fix else (np.abs(drift - 20) < 1).all()
