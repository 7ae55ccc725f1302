"""Engines shared by every game in a process, built only when a texture needs one.

An :class:`EngineKey` names what an engine would produce: the weights' identity (sha256,
and the detail blend), the device type and the precision asked for, or a resampler and
its scale. Keys are known without reading weights into a network, so a dry run and an
unchanged rebuild build no network at all; ``built`` counts the networks made.

Importing PyTorch takes seconds; :meth:`EnginePool.warm_up` does it on a thread while the
caller reads the dump, and the first key that needs the device waits for it.
"""

from __future__ import annotations

import importlib
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
        self._device_lock = threading.Lock()  # held while PyTorch imports and the device is probed
        self._device: tuple[str, str] | None = None
        self.built = 0

    def warm_up(self) -> None:
        """Import PyTorch and the model loader and probe the device on a background thread."""

        def work() -> None:
            try:
                self._device_precision()
                for name in ("spandrel", "texpack.models.load"):  # so the first model loads at once
                    importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the same call in the caller's thread reports it
                pass

        threading.Thread(target=work, name="texpack-warm-up", daemon=True).start()

    def _device_precision(self) -> tuple[str, str]:
        with self._device_lock:
            if self._device is None:
                from texpack.engine.torch_engine import resolve_device, resolve_precision

                dev = resolve_device(self.options.device)
                self._device = (dev.type, resolve_precision(self.options.precision, dev))
            return self._device

    def check(self, model: str, detail: float = 0.0) -> None:
        """``model`` exists, its card's checksum matches, its detail partner is there; no PyTorch."""
        if model in RESAMPLE_MODES:
            return
        from texpack.models.catalog import find_model, identity

        identity(find_model(model), detail)

    def key(self, model: str, scale: int, detail: float = 0.0) -> EngineKey:
        """The key of the engine for ``model``; reads the model file's checksum, builds nothing."""
        if model in RESAMPLE_MODES:
            return EngineKey(model, f"resample:{model}:x{scale}", 0.0, scale)
        from texpack.models.catalog import find_model, identity

        entry = find_model(model)
        device, precision = self._device_precision()
        ensemble = ":x8" if self.options.quality == "max" else ""  # a different output: other files
        texels = ":texels" if self.options.seam_context == "texels" else ""
        return EngineKey(model, f"{identity(entry, detail)[:40]}:{device}:{precision}{ensemble}{texels}", detail)

    def get(self, key: EngineKey) -> Upscaler:
        with self._lock:
            eng = self._engines.get(key)
            if eng is None:
                if key.model in RESAMPLE_MODES:
                    eng = ResampleUpscaler(key.model, key.scale)
                else:
                    from texpack.engine.select import make_engine
                    from texpack.models import find_model
                    from texpack.models.catalog import blends_outputs, detail_pair
                    from texpack.models.load import load_model

                    entry = find_model(key.model)
                    if key.detail > 0 and blends_outputs(entry):
                        from texpack.engine.blend import BlendUpscaler

                        eng = BlendUpscaler(make_engine(load_model(entry), self.options),
                                            make_engine(load_model(detail_pair(entry)), self.options), key.detail)
                    else:
                        eng = make_engine(load_model(entry, key.detail), self.options)
                    if self.options.quality == "max":
                        from texpack.engine.ensemble import EnsembleUpscaler

                        eng = EnsembleUpscaler(eng)
                    self.built += 1
                self._engines[key] = eng
            return eng
