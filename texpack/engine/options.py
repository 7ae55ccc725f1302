"""How the user asked the engine to run; plain values, no PyTorch needed to hold them."""

from __future__ import annotations

from dataclasses import dataclass

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "fp16", "bf16")
CPU_ENGINES = ("auto", "torch", "ncnn")
QUALITIES = ("fast", "max")
SEAM_CONTEXTS = ("network", "texels")


@dataclass(frozen=True, slots=True)
class EngineOptions:
    device: str = "auto"
    precision: str = "auto"
    tile: int | None = None  # LR pixels per tile side; None picks from memory
    max_batch: int = 64
    threads: int | None = None  # CPU threads for the network; None: every core
    cpu_engine: str = "auto"  # on the CPU: ncnn for Compact and SPAN nets in fp32, else PyTorch (texpack/engine/select.py)
    quality: str = "fast"  # "max": every network output averaged over 8 flips and rotations (texpack/engine/ensemble.py)
    # "network": convolutions pad the way a texture repeats, where the network allows it
    # (texpack/engine/netpad.py); "texels": always pad the input with texels of the repeat
    seam_context: str = "network"
