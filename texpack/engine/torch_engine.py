"""The ESRGAN engine: a loaded network on a device, with batching, tiling and OOM back-off."""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from texpack.engine.netpad import CONV_ONLY_ARCHS, ConvPadding
from texpack.engine.options import DEVICES, PRECISIONS, EngineOptions
from texpack.engine.threads import set_torch_threads
from texpack.engine.tiling import MIN_TILE, TILE_OVERLAP, ram_bytes, run_tiled, tile_for
from texpack.errors import EngineError, UsageError
from texpack.models.load import LoadedModel

log = logging.getLogger(__name__)

CPU_BATCH_PX = 65536


def resolve_device(device: str = "auto") -> torch.device:
    if device not in DEVICES and not device.startswith("cuda:"):
        raise UsageError(f"unknown device {device!r} (expected one of {', '.join(DEVICES)} or cuda:N)")
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("--device cuda asked for, but PyTorch sees no CUDA device")
    return torch.device(device)


def cpu_has_native_bf16() -> bool:
    check = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    amx = getattr(torch.cpu, "_is_amx_tile_supported", None)
    try:
        return bool((check and check()) or (amx and amx()))
    except Exception:  # noqa: BLE001 - a probe that fails means "no"
        return False


def resolve_precision(precision: str, device: torch.device) -> str:
    if precision not in PRECISIONS:
        raise UsageError(f"unknown precision {precision!r} (expected one of {', '.join(PRECISIONS)})")
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "fp16"
    if device.type == "cpu" and cpu_has_native_bf16():
        return "bf16"
    return "fp32"


def supported_precision(precision: str, model: LoadedModel) -> str:
    """``precision``, or fp32 where the architecture does not run in that half type."""
    if precision == "fp16" and not model.info.fp16 or precision == "bf16" and not model.info.bf16:
        log.info("%s does not support %s; using fp32", model.entry.name, precision)
        return "fp32"
    return precision


TRANSFORMERS = ("SwinIR", "Swin2SR", "HAT", "DAT", "ATD", "DRCT", "GRL", "RGT", "OmniSR", "SRFormer", "IPT")


def bytes_per_px(model: LoadedModel, precision: str) -> int:
    """Peak activation bytes per source pixel, roughly: a few feature maps in flight at
    the input size, the upsampling stages at the output size, and the output itself.
    Measured for the compact net on CPU fp32: about 1,050 bytes (this gives 960)."""
    convs = [p.shape[0] for p in model.module.parameters() if p.ndim == 4]
    nf = min(256, max(convs)) if convs else 64
    elem = 2 if precision in ("fp16", "bf16") else 4
    s2 = model.scale**2
    hr = 0 if model.info.arch == "Compact" else s2 * nf  # convs at the output size (RRDBNet, SPAN…)
    per = elem * (3 * nf + hr) + s2 * 3 * 4
    return per * (8 if model.info.arch in TRANSFORMERS else 1)


def _is_oom(e: BaseException) -> bool:
    # torch.OutOfMemoryError is what CUDA and MPS raise; the type says it, not the message.
    return isinstance(e, (torch.OutOfMemoryError, MemoryError))


def auto_tile(device: torch.device, bytes_per_pixel: int) -> int:
    """The largest tile whose activations fit: half the free memory on CUDA; on the CPU a
    quarter of RAM (at most 4 GiB), since there every tile's overlap is pure extra work
    (a 1024 px texture in 832 px tiles took 2.5x as long as untiled)."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        budget, top = free * 0.5, 1024
    else:
        budget, top = min(4 << 30, ram_bytes() // 4), 2048
    return tile_for(budget, bytes_per_pixel, top)


class TorchUpscaler:
    """Runs a :class:`LoadedModel` on batches of same-size images."""

    backend = "torch"

    def __init__(self, model: LoadedModel, options: EngineOptions = EngineOptions()) -> None:
        self.model = model
        self.device = resolve_device(options.device)
        if self.device.type == "cpu":
            set_torch_threads(options.threads)
        self.precision = supported_precision(resolve_precision(options.precision, self.device), model)
        self.scale = model.scale
        self.name = model.entry.name
        self.max_batch = options.max_batch
        self.multiple = max(1, model.info.size_multiple)
        self.minimum = model.info.size_minimum
        net = copy.deepcopy(model.module).to(self.device)  # engines of other precisions may share the model
        if self.device.type != "mps":
            net = net.to(memory_format=torch.channels_last)
        # Whole-network half types run every op (PReLU included) natively; autocast would
        # round-trip the element-wise ops through fp32.
        self.dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.precision, torch.float32)
        if self.precision == "fp16" and self.device.type == "cpu":
            self.dtype = torch.float32  # CPU fp16 convs are slow: autocast only the convs
        self.net = net.to(self.dtype).eval()
        conv_only = model.info.arch in CONV_ONLY_ARCHS and self.multiple == 1
        self._padding = ConvPadding(self.net) if conv_only else None
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # texture sizes repeat: tuned kernels pay
        self._bytes_per_px = bytes_per_px(model, self.precision)
        self.tile = options.tile or auto_tile(self.device, self._bytes_per_px)
        # On the CPU a batch much past ~64k source pixels spills out of cache and gets slower
        # per pixel (80x80 textures: 1.28M px/s at batch 8, 0.45M at batch 64, bf16).
        self.batch_px = CPU_BATCH_PX if self.device.type == "cpu" else self.tile * self.tile
        log.info("%s (%s x%d) on %s, %s, tiles of %d px", self.name, model.info.arch, self.scale, self.device, self.precision, self.tile)

    def seam_padding(self, h: int, w: int) -> bool:
        """Whether :meth:`run` can pad an ``h`` x ``w`` image's seams inside the network (one tile)."""
        return self._padding is not None and self.minimum <= min(h, w) and max(h, w) <= self.tile

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.precision == "fp16" and self.device.type == "cpu":
            return torch.autocast("cpu", dtype=torch.float16)
        return contextlib.nullcontext()

    def _net(self, x: torch.Tensor) -> torch.Tensor:
        """The network on an NCHW float batch (any device); returns its raw output on the device."""
        h, w = x.shape[-2:]
        # Pixel-unshuffle and window-attention models need sides divisible by a factor,
        # and some a minimum size.
        m, lo = self.multiple, self.minimum
        ph, pw = max(lo - h, 0, -h % m), max(lo - w, 0, -w % m)
        ph += -(h + ph) % m
        pw += -(w + pw) % m
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate" if ph < h and pw < w else "constant")
        x = x.to(self.device, dtype=self.dtype, non_blocking=True)
        if self.device.type != "mps":
            x = x.contiguous(memory_format=torch.channels_last)
        with self._autocast():
            y = self.net(x)
        return y[..., : h * self.scale, : w * self.scale]

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        """Float NCHW result on the host (tiles are blended in float)."""
        return self._net(x).float().clamp_(0, 1).cpu()

    def _forward_u8(self, x: torch.Tensor) -> torch.Tensor:
        """RGB8 NHWC on the host, quantised on the device: a quarter of the bytes cross the
        bus, and the host does no float work at the output size. Rounds exactly as
        :func:`texpack.alpha.finish` does (floor of x * 255 + 0.5, clamped)."""
        y = self._net(x).float().clamp_(0, 1).mul_(255.0).add_(0.5).floor_().to(torch.uint8)
        y = y.permute(0, 2, 3, 1).contiguous()
        if self.device.type != "cuda":
            return y.cpu()
        # No wait here: the copy is queued behind the network on the stream, so the host
        # prepares and enqueues the next chunk while the card works; ``run`` waits once.
        host = torch.empty(y.shape, dtype=torch.uint8, pin_memory=True)
        host.copy_(y, non_blocking=True)
        return host

    def _check_finite(self, y: torch.Tensor) -> None:
        # Outputs are clamped to [0, 1], so only a NaN makes the sum non-finite; one
        # reduction instead of a boolean copy of the whole output.
        if y.is_floating_point() and not bool(torch.isfinite(y.sum())):
            raise EngineError(f"{self.name}: the network produced NaN or infinite values")

    def run(self, batch: np.ndarray, as_uint8: bool = False, seam: str | None = None) -> np.ndarray:
        """``(N, H, W, 3)`` float32 in [0, 1] to ``(N, H*s, W*s, 3)``: float32 in [0, 1], or
        uint8 when ``as_uint8`` (rounded on the device; large images are tiled in float).
        ``seam``: the convolutions' padding mode (texpack/engine/netpad.py), for images
        :meth:`seam_padding` accepts; None pads with zeros."""
        n, h, w, _ = batch.shape
        if seam is not None and not self.seam_padding(h, w):
            raise EngineError(f"{self.name}: cannot pad the seams of {w}x{h} images inside the network")
        with self._padding.mode(seam) if self._padding is not None else contextlib.nullcontext():
            return self._run(batch, as_uint8, whole=seam is not None)

    def _run(self, batch: np.ndarray, as_uint8: bool, whole: bool) -> np.ndarray:
        n, h, w, _ = batch.shape
        src = torch.from_numpy(np.ascontiguousarray(batch))
        cuda = self.device.type == "cuda"
        if cuda:
            src = src.pin_memory()  # page-locked, so uploads are asynchronous too
        x = src.permute(0, 3, 1, 2)  # NCHW view of NHWC memory: channels_last as it stands
        per = max(1, min(self.max_batch, self.batch_px // max(1, h * w)))
        outs = []
        with torch.inference_mode():
            i = 0
            while i < n:
                chunk = x[i : i + per]
                try:
                    if whole and not as_uint8:
                        y = self._forward(chunk.to(self.device, non_blocking=True) if cuda else chunk)
                        self._check_finite(y)
                        y = y.permute(0, 2, 3, 1)
                    elif as_uint8 and (whole or h <= self.tile and w <= self.tile):
                        # A slice of the batch is one contiguous run of memory, so the
                        # upload is a plain asynchronous copy.
                        y = self._forward_u8(chunk.to(self.device, non_blocking=True) if cuda else chunk)
                    else:
                        y = run_tiled(self._forward, chunk, self.scale, self.tile, TILE_OVERLAP)
                        self._check_finite(y)
                        y = y.permute(0, 2, 3, 1)
                        if as_uint8:
                            y = y.mul(255.0).add_(0.5).floor_().clamp_(0, 255).to(torch.uint8)
                    outs.append(y)
                    i += len(chunk)
                except EngineError:
                    raise
                except Exception as e:
                    if not _is_oom(e):
                        raise EngineError(f"{self.name}: inference failed ({type(e).__name__}: {e})") from e
                    if cuda:
                        torch.cuda.empty_cache()
                    if per > 1:
                        per = max(1, per // 2)
                    elif self.tile > MIN_TILE and not whole:
                        self.tile = max(MIN_TILE, self.tile // 2)
                    else:
                        raise EngineError(f"{self.name}: out of memory even at {MIN_TILE}px tiles") from e
                    log.warning("out of memory: retrying with batch %d, tile %d", per, self.tile)
            if cuda:
                torch.cuda.current_stream(self.device).synchronize()  # the queued copies have landed
        return torch.cat(outs).numpy()
