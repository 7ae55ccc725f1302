"""Waiting for what a test observes, instead of sleeping for a guessed time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable


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


def leaked_threads(before: Iterable[threading.Thread], timeout: float = 10.0) -> list[threading.Thread]:
    """Threads started since ``before`` that are still running after ``timeout`` seconds
    (time for threads already told to stop to end)."""
    old = set(before)

    def running() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in old and t.is_alive()]

    eventually(lambda: not running(), timeout)
    return running()
