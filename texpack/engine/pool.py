"""Engines shared by every game in a process, built only when a texture needs one.

An :class:`EngineKey` names what an engine would produce: the weights' identity (sha256,
and the detail blend), the device type and the precision asked for, or a resampler and
its scale. Keys are known without reading weights into a network, so a dry run and an
unchanged rebuild build no network at all; ``built`` counts the networks made.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from texpack.engine.base import RESAMPLE_MODES, ResampleUpscaler, Upscaler
from texpack.engine.options import EngineOptions


@dataclass(frozen=True, slots=True)
class EngineKey:
    model: str  # a model name or path, or a resampler
    identity: str  # what changes whenever the output would
    detail: float = 0.0
    scale: int = 0  # resamplers only: their factor


class EnginePool:
    def __init__(self, options: EngineOptions = EngineOptions()) -> None:
        self.options = options
        self._engines: dict[EngineKey, Upscaler] = {}
        self._lock = threading.Lock()
        self._device: tuple[str, str] | None = None
        self.built = 0

    def _device_precision(self) -> tuple[str, str]:
        if self._device is None:
            from texpack.engine.torch_engine import resolve_device, resolve_precision

            dev = resolve_device(self.options.device)
            self._device = (dev.type, resolve_precision(self.options.precision, dev))
        return self._device

    def key(self, model: str, scale: int, detail: float = 0.0) -> EngineKey:
        """The key of the engine for ``model``; reads the model file's checksum, builds nothing."""
        if model in RESAMPLE_MODES:
            return EngineKey(model, f"resample:{model}:x{scale}", 0.0, scale)
        from texpack.models import find_model
        from texpack.models.load import identity

        entry = find_model(model)
        device, precision = self._device_precision()
        return EngineKey(model, f"{identity(entry, detail)[:40]}:{device}:{precision}", detail)

    def get(self, key: EngineKey) -> Upscaler:
        with self._lock:
            eng = self._engines.get(key)
            if eng is None:
                if key.model in RESAMPLE_MODES:
                    eng = ResampleUpscaler(key.model, key.scale)
                else:
                    from texpack.engine.torch_engine import TorchUpscaler
                    from texpack.models import find_model
                    from texpack.models.load import load_model

                    eng = TorchUpscaler(load_model(find_model(key.model), key.detail), self.options)
                    self.built += 1
                self._engines[key] = eng
            return eng
