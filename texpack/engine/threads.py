"""How many CPU threads the network gets.

PyTorch's CPU convolutions split each op over their threads and wait for the slowest; when
another busy process (the emulator) holds one of the cores, every op waits for a thread
that is not scheduled. ``python benchmarks/threads.py`` on a 2-core AMD EPYC, compact x4
fp32, 64 px textures, source px/s:

==========  ===========  ========  =========
engine      other busy   1 thread  2 threads
==========  ===========  ========  =========
PyTorch     none         68k       131k
PyTorch     one process  71k       57k
ncnn        none         100k      182k
ncnn        one process  125k      138k
==========  ===========  ========  =========

So ``build`` (nothing else competing) uses every core, and ``watch`` (beside a running
emulator) leaves it one: PyTorch with both threads falls below its one-thread rate, and
ncnn gains only 10% from taking the emulator's core.
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
