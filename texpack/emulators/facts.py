"""What generic code needs to know of a parsed dump name, whatever the emulator.

Every name type (``N64Name``, ``PsxTextureName``, ``VramWriteName``, and any a new emulator
adds) answers :meth:`facts`, so profiles, the review page and reports read these fields
instead of asking which type a name is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class MatchKey:
    """A profile ``match:`` key an emulator's names answer (NameFacts.match), for the schema."""

    values: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class NameFacts:
    group: str  # the texture group in reports and on the review page: N64 format label, PS1 mode
    kind: str  # the name's own type: an N64 suffix (all, ciByRGBA, ...), a PS1 name type
    hashes: tuple[str, ...]  # texture and palette hashes a profile's ``hash:`` can match
    match: dict[str, str] = field(default_factory=dict)  # values for the profile ``match:`` keys it has (format, mode, type)
    fields: dict[str, Any] = field(default_factory=dict)  # every field of the name, for the review page
