"""Seams as the network's own padding: each padded convolution pads the way the texture repeats.

A texture that wraps needs its opposite edges as context when it is upscaled, or a seam
shows where copies meet in the game. Padding the input with a few texels of the repeat
(texpack/seams.py) gives that, at the price of running the network on 1.5 to 4 times the
texels of a small texture. Setting every padded convolution's own ``padding_mode``
instead gives the same context at no extra texels: circular padding in every layer is
exactly the network run on the endlessly tiled texture (convolutions commute with shifts),
and one-texel mirror padding, all a 3x3 convolution needs, repeats the edge texel, which is
replicate padding (texpack/seams.py net_mode picks the mode). Only networks built of convolutions and per-texel operations qualify
(SPAN, Compact, ESRGAN); a window-attention network pads to its window size instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from torch import nn

# Architectures (spandrel's names) whose every operation is a convolution, a per-texel
# function, a pixel shuffle or a nearest-neighbour upsample.
CONV_ONLY_ARCHS = frozenset({"SPAN", "Compact", "ESRGAN"})

PadMode = Literal["circular", "replicate", "reflect"]
_PAD_MODES: dict[str, PadMode] = {"circular": "circular", "replicate": "replicate", "reflect": "reflect"}


class ConvPadding:
    """Switches every padded convolution of ``net`` to a padding mode for the length of a call."""

    def __init__(self, net: nn.Module) -> None:
        self.convs = [m for m in net.modules() if isinstance(m, nn.Conv2d) and m.padding_mode == "zeros" and m.padding != (0, 0)]
        self._lock = threading.Lock()  # the mode is the modules' state: one call at a time

    @contextmanager
    def mode(self, mode: str | None) -> Iterator[None]:
        """The convolutions pad in ``mode`` (None: zeros, as built) inside the block. Calls on one
        network take turns, so a zero-padded call on another thread never sees another mode."""
        pad_mode: PadMode | None = None
        if mode is not None:
            if mode not in _PAD_MODES:
                raise ValueError(f"unknown padding mode {mode!r}")
            pad_mode = _PAD_MODES[mode]
        with self._lock:
            if pad_mode is None:
                yield
                return
            for c in self.convs:
                c.padding_mode = pad_mode
            try:
                yield
            finally:
                for c in self.convs:
                    c.padding_mode = "zeros"
