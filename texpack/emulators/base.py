"""What an emulator adapter is: how to find, list, parse and pair one emulator's dumps.

Adding an emulator is one module that builds an :class:`Emulator` and registers it in
:mod:`texpack.emulators`; generic code (scan, profiles, review, reports) sees its names only
through :class:`TextureName`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from texpack.alpha_modes import AlphaMode
from texpack.emulators.facts import MatchKey, NameFacts
from texpack.fswalk import Listing


class TextureName(Protocol):
    """A parsed dump name, as generic code sees it (N64Name, PsxTextureName, VramWriteName
    and any name type an emulator module adds): its facts, alpha rule and file name."""

    def facts(self) -> NameFacts: ...

    def alpha_mode(self) -> AlphaMode: ...

    def format(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DumpRoot:
    """One game's dump folder for one emulator."""

    emulator: str
    game: str
    path: Path


def whole(key: TextureName) -> tuple[str, str] | None:
    del key
    return None


def no_partner(file_name: str) -> str | None:
    del file_name
    return None


def as_given(path: Path, suggestions: tuple[str, ...]) -> tuple[str, ...]:
    del path
    return suggestions


@dataclass(frozen=True, slots=True)
class Emulator:
    """A registry record: how to find, list and parse one emulator's dumps."""

    id: str
    family: str  # which pack targets take its dumps ("n64", "ps1", ...)
    layout: str  # its dump folder, for errors: "GLideN64 (GLideNHQ/)"
    root_at: Callable[[Path], list[tuple[str, Path]]]  # (game, dump path) roots at this folder
    list_files: Callable[[Path], Listing]
    parse: Callable[[str, str], TextureName]  # (file name, game) -> name, or DumpNameError
    # Textures dumped as two files (Rice's ``_rgb`` colour and ``_a`` alpha): which half a name
    # is ("rgb" or "a") and the texture both halves share, or None for a whole texture.
    half_of: Callable[[TextureName], tuple[str, str] | None] = whole
    partner_name: Callable[[str], str | None] = no_partner  # the other half's file name
    # Rename suggestions for a bad name, narrowed by what the file holds (DuckStation's old
    # vram-write names, whose hash the pixels rebuild).
    refine_suggestions: Callable[[Path, tuple[str, ...]], tuple[str, ...]] = as_given
    # Profile ``match:`` keys its names answer in NameFacts.match (N64: format; PS1: mode, type).
    match_keys: dict[str, MatchKey] = field(default_factory=dict)
