"""Pack targets: one module per emulator loader, in an explicit registry.

``TARGETS`` maps a target id to its :class:`~texpack.targets.base.Target`; CLI choices,
profile checks, builds, archives, ``check`` and live output all go through it.
"""

from __future__ import annotations

from texpack.emulators import get_emulator
from texpack.errors import UsageError
from texpack.registry import Registry
from texpack.targets import duckstation, gliden64, rice
from texpack.targets.base import CheckResult, Finding, SizeDecision, Target

TARGETS: Registry[Target] = Registry("target")
# GLideN64 before Rice: the first target of a family is the one its packs default to.
for _mod in (gliden64, rice, duckstation):
    TARGETS.add(_mod.TARGET)


def get_target(target_id: str) -> Target:
    try:
        return TARGETS[target_id]
    except KeyError:
        raise UsageError(f"unknown target {target_id!r} (known: {', '.join(TARGETS)})") from None


def family_defaults() -> list[Target]:
    """The first target registered for each family, in registration order."""
    first: dict[str, Target] = {}
    for t in TARGETS.values():
        first.setdefault(t.family, t)
    return list(first.values())


def default_target(emulator_id: str) -> Target:
    """The target an emulator's dumps become unless one is asked for: the target of the same
    id (GLideN64, Rice, DuckStation), else the first of the emulator's family."""
    if emulator_id in TARGETS:
        return TARGETS[emulator_id]
    family = get_emulator(emulator_id).family
    for t in family_defaults():
        if t.family == family:
            return t
    raise UsageError(f"no pack target takes {emulator_id} dumps (family {family!r})")


def load_roots() -> dict[str, str]:
    """Each load folder packs go into, and its family (hires_texture/: N64, textures/: PS1)."""
    return {t.load_root: t.family for t in TARGETS.values()}


__all__ = ["TARGETS", "default_target", "family_defaults", "load_roots", "CheckResult", "Finding", "SizeDecision", "Target", "get_target"]
