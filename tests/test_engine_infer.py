import numpy as np
import pytest
import torch
from PIL import Image

from texpack.alpha_modes import AlphaMode, SeamMode
from texpack.engine.torch_engine import EngineOptions, TorchUpscaler, auto_tile, resolve_precision
from texpack.errors import EngineError, UsageError
from texpack.imagesteps import prepare, upscale_group
from texpack.models import find_model
from texpack.models.load import load_model

from .conftest import DATA, EXAMPLES


@pytest.fixture(scope="module")
def compact():
    return load_model(find_model("texpack-textures-x4"))


def engine(model, precision="fp32", tile=None):
    return TorchUpscaler(model, EngineOptions("cpu", precision, tile))


def psnr(a, b):
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 10 * np.log10(1.0 / mse)


@pytest.mark.parametrize("name, golden", [("realesr-animevideov3-x4", "golden_out.png"), ("texpack-textures-x4", "golden_out_textures.png"),
                                         ("texpack-span-x4", "golden_out_span.png")])
def test_bundled_weights_reproduce_the_golden_output(name, golden):
    # Goldens written by this engine in fp32; they pin the weights files and the engine.
    x = np.asarray(Image.open(DATA / "golden_in.png").convert("RGB"), np.float32) / 255
    want = np.asarray(Image.open(DATA / golden).convert("RGB"), np.int16)
    got = (engine(load_model(find_model(name))).run(x[None])[0] * 255 + 0.5).clip(0, 255).astype(np.int16)
    assert np.abs(got - want).max() <= 1


def test_tiled_equals_untiled_on_a_real_image(compact):
    bg = next((EXAMPLES / "duckstation").rglob("vram-write-*.png"))
    x = np.asarray(Image.open(bg).convert("RGB"), np.float32)[:160, :200] / 255
    whole = engine(compact, tile=1024).run(x[None])[0]
    tiled = engine(compact, tile=64).run(x[None])[0]
    assert whole.shape == tiled.shape == (640, 800, 3)
    assert np.abs(whole - tiled).max() <= 1 / 255


def test_bf16_is_close_to_fp32(compact):
    x = np.asarray(Image.open(DATA / "golden_in.png").convert("RGB"), np.float32)[None] / 255
    a = engine(compact, "fp32").run(x)
    b = engine(compact, "bf16").run(x)
    assert psnr(a, b) > 40


def test_batched_equals_one_by_one(compact):
    rng = np.random.default_rng(0)
    xs = rng.random((5, 16, 16, 3), dtype=np.float32)
    e = engine(compact)
    batch = e.run(xs)
    single = np.concatenate([e.run(xs[i : i + 1]) for i in range(5)])
    assert np.abs(batch - single).max() < 1e-5


def test_wrap_padded_tileable_texture_has_no_seam(compact):
    y, x = np.mgrid[0:32, 0:32]
    px = np.zeros((32, 32, 4), np.uint8)
    px[..., 0] = (127 + 100 * np.sin(2 * np.pi * x / 32) * np.cos(2 * np.pi * 2 * y / 32)).astype(np.uint8)
    px[..., 1] = (127 + 120 * np.cos(2 * np.pi * 3 * x / 32)).astype(np.uint8)
    px[..., 2] = (127 + 120 * np.sin(2 * np.pi * (x + y) / 32)).astype(np.uint8)
    px[..., 3] = 255
    out = {}
    for seam in (SeamMode.WRAP, SeamMode.CLAMP):
        p = prepare(px, AlphaMode.AUTO, AlphaMode.GRADED, seam)
        tile = upscale_group(engine(compact), [p], 4)[0][..., :3].astype(np.float32)
        big = np.concatenate([tile, tile], axis=1)
        seam_diff = np.abs(big[:, 127] - big[:, 128]).mean()
        interior = np.abs(np.diff(tile, axis=1)).mean(axis=(0, 2))
        out[seam] = (seam_diff, interior.mean(), interior.max())
    wrap, clamp = out[SeamMode.WRAP], out[SeamMode.CLAMP]
    assert wrap[0] <= wrap[2]  # the seam is no larger than the interior's steps
    assert clamp[0] > wrap[0]


class _OomNet(torch.nn.Module):
    """Nearest x2 upscale that runs out of memory above a pixel budget, like a small GPU."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget
        self.calls: list[tuple[int, ...]] = []
        self.w = torch.nn.Parameter(torch.ones(1))

    def forward(self, x):
        self.calls.append(tuple(x.shape))
        if x.shape[0] * x.shape[2] * x.shape[3] > self.budget:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return torch.nn.functional.interpolate(x, scale_factor=2, mode="nearest") * self.w


def test_out_of_memory_halves_batch_then_tile(compact):
    e = engine(compact, tile=128)
    fake = _OomNet(budget=40 * 40)
    e.net, e.scale = fake, 2
    x = np.random.default_rng(0).random((4, 100, 100, 3), dtype=np.float32)
    y = e.run(x)
    assert y.shape == (4, 200, 200, 3)
    assert np.allclose(y, x.repeat(2, 1).repeat(2, 2))
    assert e.tile < 128  # it backed off
    assert any(c[0] == 1 for c in fake.calls)


def test_real_errors_are_not_mistaken_for_oom(compact):
    e = engine(compact)

    def broken(x):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    e.net = broken
    with pytest.raises(EngineError, match="inference failed"):
        e.run(np.zeros((1, 8, 8, 3), np.float32))


def test_precision_auto():
    assert resolve_precision("auto", torch.device("cuda")) == "fp16"
    assert resolve_precision("fp32", torch.device("cpu")) == "fp32"
    assert resolve_precision("auto", torch.device("mps")) == "fp32"
    with pytest.raises(UsageError):
        resolve_precision("int8", torch.device("cpu"))


@pytest.mark.gpu
def test_cuda_fp16_tiles_and_matches_fp32(compact):
    x = np.random.default_rng(0).random((1, 200, 180, 3), dtype=np.float32)
    a = TorchUpscaler(compact, EngineOptions("cuda", "fp32")).run(x)
    b = TorchUpscaler(compact, EngineOptions("cuda", "fp16", 64)).run(x)
    assert psnr(a, b) > 40


@pytest.mark.gpu
def test_cuda_eight_bit_chunks_queue_without_waiting_and_match_the_cpu(compact):
    """Chunks are uploaded from pinned memory and copied back without a wait per chunk;
    after ``run`` returns every chunk must have landed, in order."""
    x = np.random.default_rng(1).random((9, 24, 20, 3), dtype=np.float32)
    gpu = TorchUpscaler(compact, EngineOptions("cuda", "fp32", max_batch=2)).run(x, as_uint8=True)
    cpu = TorchUpscaler(compact, EngineOptions("cpu", "fp32")).run(x, as_uint8=True)
    assert gpu.dtype == np.uint8 and gpu.shape == cpu.shape
    # cuDNN may run fp32 convolutions in TF32: allow the odd level beyond one.
    diff = np.abs(gpu.astype(int) - cpu.astype(int))
    assert (diff <= 1).mean() > 0.99 and diff.max() <= 4


def test_pixel_unshuffle_models_take_odd_sizes(tmp_path):
    from safetensors.torch import save_file

    from .reference_archs import RRDBNet

    net = RRDBNet(scale=2, num_feat=8, num_block=1, num_grow_ch=32).eval()
    save_file(net.state_dict(), str(tmp_path / "x2.safetensors"))
    m = load_model(find_model(str(tmp_path / "x2.safetensors")))
    assert m.info.size_multiple == 4 and m.info.size_minimum == 4  # spandrel pads x2 to multiples of 4
    y = TorchUpscaler(m, EngineOptions("cpu", "fp32")).run(np.random.default_rng(0).random((2, 13, 7, 3), dtype=np.float32))
    assert y.shape == (2, 26, 14, 3)


def test_cuda_tile_follows_free_memory(monkeypatch, compact):
    per_px = 2 * (64 * 8 + 16 * 64)  # compact net, fp16
    tiles = []
    for free_gib in (0.05, 1, 8):
        monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None, f=free_gib: (int(f * 2**30), 80 * 2**30))
        tiles.append(auto_tile(torch.device("cuda"), per_px))
    assert tiles[0] < tiles[1] <= tiles[2] <= 1024 and tiles[0] >= 32


@pytest.mark.parametrize("mode", [AlphaMode.OPAQUE, AlphaMode.BINARY, AlphaMode.GRADED, AlphaMode.TERNARY, AlphaMode.INTENSITY])
def test_eight_bit_engine_output_matches_the_float_path(compact, mode):
    """The engine rounds to 8 bits itself (on the device) when nothing needs float output:
    the pack may differ from the float path by at most one level."""
    from texpack.imagesteps import _finish

    rng = np.random.default_rng(5)
    rgba = (rng.random((3, 24, 20, 4)) * 255).astype(np.uint8)
    rgba[..., 3] = np.where(rng.random((3, 24, 20)) > 0.4, 255, np.where(rng.random((3, 24, 20)) > 0.5, 0x8F, 0))
    items = [prepare(r, mode, AlphaMode.AUTO, SeamMode.MIRROR) for r in rgba]
    eng = engine(compact)
    got = upscale_group(eng, items, 4)  # takes the 8-bit path
    batch = [p.rgb for p in items] + [np.repeat(p.alpha[..., None], 3, axis=2) for p in items if p.net_alpha]
    out = eng.run(np.stack(batch))
    extra = len(items)
    for i, p in enumerate(items):
        a = None
        if p.net_alpha:
            a, extra = out[extra], extra + 1
        want = _finish(out[i], a, p, 4, 4)
        assert got[i].dtype == np.uint8 and np.abs(got[i].astype(int) - want.astype(int)).max() <= 1
