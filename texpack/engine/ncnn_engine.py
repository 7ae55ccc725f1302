"""The CPU engine for Compact and SPAN networks: the same weights run by ncnn.

On CPUs without native bf16 (AVX2 desktops and laptops, most CI machines) PyTorch's CPU
convolutions are direct and run near the cores' FMA peak; ncnn computes 3x3 convolutions
with Winograd transforms and does about 4x fewer multiplies. Measured on a 2-core AMD
EPYC (AVX2), compact x4 in fp32: ncnn 211-261k source px/s, PyTorch batched 111-141k
(``benchmarks/engine.py``). Outputs agree with PyTorch fp32 to within 0.001/255
(tests/test_ncnn_engine.py), so the choice does not change what a pack holds.

Small textures run one per core, each on a one-thread network (no thread waits for
another); large ones run on all threads, in tiles like the PyTorch engine's.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import torch

from texpack.engine.base import no_seam
from texpack.engine.options import EngineOptions
from texpack.engine.threads import cores
from texpack.engine.tiling import TILE_OVERLAP, ram_bytes, run_tiled, tile_for
from texpack.errors import EngineError, ModelError
from texpack.models.load import LoadedModel
from texpack.models.ncnn_export import GRAPHS

# Textures up to this many source pixels run one per thread; larger ones use every thread.
SMALL_PX = 96 * 96
# Output pixels of one run of images (float32 RGB: 12 bytes each, so ~200 MB).
RUN_OUTPUT_PX = 16 << 20
# Peak bytes per source pixel of one image in ncnn (feature maps and Winograd workspace):
# measured 2.8 GB for a 1040x1040 texture in one piece.
BYTES_PER_PX = 2600
TILE_BUDGET = 4 << 30


def ncnn_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("ncnn") is not None


def supports(model: LoadedModel) -> str | None:
    """None when ncnn can run ``model``, else why not."""
    if not ncnn_available():
        return "the ncnn package is not installed"
    if model.info.arch not in GRAPHS:
        return f"{model.info.arch} networks run on PyTorch (ncnn here runs {' and '.join(GRAPHS)} networks)"
    return None


class NcnnUpscaler:
    """Runs a Compact or SPAN :class:`LoadedModel` through ncnn on the CPU, in fp32."""

    backend = "ncnn"
    device = "cpu"
    precision = "fp32"

    def __init__(self, model: LoadedModel, options: EngineOptions = EngineOptions()) -> None:
        why = supports(model)
        if why:
            raise ModelError(f"{model.entry.name}: {why}")
        write, prepare = GRAPHS[model.info.arch]
        graph, out = write(model.module)
        self._prepare = prepare(model.module) if prepare else None
        self._param, self._bin = graph.param(out), graph.bin()
        self.name, self.scale = model.entry.name, model.scale
        self.threads = max(1, options.threads or cores())
        self._wide = self._net(self.threads)
        self._narrow = self._net(1) if self.threads > 1 else self._wide
        self._workers = ThreadPoolExecutor(self.threads, thread_name_prefix="texpack-ncnn") if self.threads > 1 else None
        self.tile = options.tile or _auto_tile()

    def _net(self, threads: int) -> Any:
        import ncnn

        net = ncnn.Net()
        opt = net.opt
        opt.use_vulkan_compute = False
        opt.num_threads = threads
        # fp32 throughout: on ARM ncnn would otherwise store and compute in fp16.
        opt.use_fp16_storage = opt.use_fp16_packed = opt.use_fp16_arithmetic = False
        opt.use_bf16_storage = False
        if net.load_param_mem(self._param) != 0:
            raise EngineError(f"{self.name}: ncnn could not load the converted network")
        net.load_model_mem(self._bin)  # may point into self._bin rather than copy it: kept alive with self
        return net

    def _one(self, net: Any, chw: np.ndarray) -> np.ndarray:
        import ncnn

        arr = np.ascontiguousarray(chw if self._prepare is None else self._prepare(chw), dtype=np.float32)
        mat = ncnn.Mat(arr)  # wraps arr without copying: keep arr alive until extract returns
        ex = net.create_extractor()
        ex.input("data", mat)
        rc, out = ex.extract("output")
        if rc != 0:
            raise EngineError(f"{self.name}: ncnn inference failed (code {rc})")
        y = np.array(out)
        del ex, mat, arr
        return y

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        """NCHW float in, NCHW float out (clamped to [0, 1])."""
        imgs = x.float().numpy()
        if self._workers is not None and x.shape[-1] * x.shape[-2] <= SMALL_PX and len(imgs) > 1:
            outs = list(self._workers.map(lambda im: self._one(self._narrow, im), imgs))
        else:
            outs = [self._one(self._wide, im) for im in imgs]
        return torch.from_numpy(np.stack(outs)).clamp_(0, 1)

    def seam_padding(self, h: int, w: int) -> bool:
        return False  # the converted graph's padding is fixed: seams come as texels

    def run(self, batch: np.ndarray, as_uint8: bool = False, seam: str | None = None) -> np.ndarray:
        """Same contract as :meth:`texpack.engine.torch_engine.TorchUpscaler.run`.

        Images go through in runs of at most :data:`RUN_OUTPUT_PX` output pixels, each
        written into the result before the next, so float copies stay bounded.
        """
        no_seam(self, seam)
        n, h, w, _ = batch.shape
        s = self.scale
        out = np.empty((n, h * s, w * s, 3), np.uint8 if as_uint8 else np.float32)
        per = max(self.threads, RUN_OUTPUT_PX // max(1, h * w * s * s))
        for i in range(0, n, per):
            x = torch.from_numpy(np.ascontiguousarray(batch[i : i + per], dtype=np.float32)).permute(0, 3, 1, 2)
            try:
                y = run_tiled(self._forward, x, s, self.tile, TILE_OVERLAP)
            except EngineError:
                raise
            except Exception as e:  # noqa: BLE001 - ncnn raises plain RuntimeErrors
                raise EngineError(f"{self.name}: inference failed ({type(e).__name__}: {e})") from e
            if not bool(torch.isfinite(y.sum())):  # outputs are clamped: only NaN makes the sum non-finite
                raise EngineError(f"{self.name}: the network produced NaN or infinite values")
            y = y.permute(0, 2, 3, 1)
            if as_uint8:
                y = y.mul_(255.0).add_(0.5).floor_().clamp_(0, 255).to(torch.uint8)
            out[i : i + per] = y.numpy()
            del x, y
        return out

    def close(self) -> None:
        if self._workers is not None:
            self._workers.shutdown(wait=False)


def _auto_tile() -> int:
    """The largest tile whose working memory fits in an eighth of RAM, at most 4 GiB.

    Tiles cost their overlaps (a 1040 px texture in 640 px tiles is 1.5x the work), so
    they are only as small as memory needs: whole on a 24 GiB machine, 640 px on 8 GiB.
    """
    return tile_for(min(TILE_BUDGET, ram_bytes() // 8), BYTES_PER_PX, 2048, floor=64)
