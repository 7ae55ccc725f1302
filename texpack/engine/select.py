"""Which engine runs a model: PyTorch, or ncnn for Compact networks on CPUs where it is faster.

On the CPU, ``cpu_engine="auto"`` takes ncnn when the precision comes out fp32 (no native
bf16 here, or fp32 asked for) and the network converts (texpack/engine/ncnn_engine.py);
bf16-capable CPUs keep PyTorch in bf16, which measured 3.9-6x ncnn there (README, Speed).
"""

from __future__ import annotations

import logging

from texpack.engine.base import Upscaler
from texpack.engine.options import CPU_ENGINES, EngineOptions
from texpack.errors import UsageError
from texpack.models.load import LoadedModel

log = logging.getLogger(__name__)


def make_engine(model: LoadedModel, options: EngineOptions = EngineOptions()) -> Upscaler:
    from texpack.engine.torch_engine import TorchUpscaler, resolve_device, resolve_precision

    if options.cpu_engine not in CPU_ENGINES:
        raise UsageError(f"unknown CPU engine {options.cpu_engine!r} (expected one of {', '.join(CPU_ENGINES)})")
    device = resolve_device(options.device)
    if device.type == "cpu" and options.cpu_engine != "torch":
        from texpack.engine.ncnn_engine import NcnnUpscaler, supports

        why = supports(model)
        if options.cpu_engine == "ncnn":
            if why:
                raise UsageError(f"--cpu-engine ncnn: {model.entry.name}: {why}")
            return NcnnUpscaler(model, options)
        if why is None and resolve_precision(options.precision, device) == "fp32":
            log.info("%s on the CPU through ncnn (fp32, %s threads)", model.entry.name, options.threads or "all")
            return NcnnUpscaler(model, options)
        if why:
            log.info("%s on PyTorch: %s", model.entry.name, why)
    return TorchUpscaler(model, options)
