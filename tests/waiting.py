"""Waiting for what a test observes, instead of sleeping for a guessed time."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(cond: Callable[[], object], timeout: float = 10.0, every: float = 0.05) -> bool:
    """True as soon as ``cond()`` is true; False if it is still false after ``timeout`` seconds.

    ``cond`` is asked once more at the deadline, so a slow machine that gets there just in
    time still passes.
    """
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(every)
    return bool(cond())
