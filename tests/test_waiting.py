"""The test helpers that wait: they must see a thread that is left running, and a condition
that comes true late."""

from __future__ import annotations

import threading
import time

from .waiting import eventually, leaked_threads


def test_a_thread_left_running_is_seen_and_one_that_ends_is_not():
    before = set(threading.enumerate())
    release = threading.Event()
    t = threading.Thread(target=release.wait, name="left-running")
    t.start()
    try:
        assert [x.name for x in leaked_threads(before, timeout=0.2)] == ["left-running"]
    finally:
        release.set()
        t.join()
    assert leaked_threads(before, timeout=0.2) == []


def test_eventually_waits_for_a_late_condition_and_gives_up_on_a_false_one():
    start = time.monotonic()
    assert eventually(lambda: time.monotonic() - start > 0.2, timeout=5)
    assert not eventually(lambda: False, timeout=0.2)
