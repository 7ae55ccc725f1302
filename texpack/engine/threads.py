"""How many CPU threads the network gets.

PyTorch's CPU convolutions split each op over their threads and wait for the slowest; when
another busy process (the emulator) holds one of the cores, every op waits for a thread
that is not scheduled. Measured on the 2-core development machine with one core kept busy
by another process: 2 threads fell from about 600k to 84k source px/s, 1 thread kept its
single-core rate. So ``build`` (nothing else competing) uses every core, and ``watch``
(beside a running emulator) leaves one core free.
"""

from __future__ import annotations

import os


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def live_thread_count(requested: int | None = None) -> int:
    return requested or max(1, cores() - 1)


def set_torch_threads(n: int | None) -> None:
    """Use ``n`` threads for intra-op work (None: every core)."""
    import torch

    n = n or cores()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
