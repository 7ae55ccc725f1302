"""Pack targets: one module per emulator loader, in an explicit registry.

``TARGETS`` maps a target id to its :class:`~texpack.targets.base.Target`; CLI choices,
profile checks, builds, archives, ``check`` and live output all go through it.
"""

from __future__ import annotations

from texpack.errors import UsageError
from texpack.targets import duckstation, gliden64, rice
from texpack.targets.base import CheckResult, Finding, SizeDecision, Target

TARGETS: dict[str, Target] = {}


def _register(t: Target) -> None:
    if t.id in TARGETS:
        raise ValueError(f"target {t.id!r} registered twice")
    TARGETS[t.id] = t


for _mod in (gliden64, rice, duckstation):
    _register(_mod.TARGET)

TARGET_IDS = tuple(TARGETS)


def get_target(target_id: str) -> Target:
    try:
        return TARGETS[target_id]
    except KeyError:
        raise UsageError(f"unknown target {target_id!r} (known: {', '.join(TARGETS)})") from None


__all__ = ["TARGETS", "TARGET_IDS", "CheckResult", "Finding", "SizeDecision", "Target", "get_target"]
