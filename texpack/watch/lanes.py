"""The games a watch serves: one lane per dump root, opened when its first dump appears."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from texpack.emulators import EMULATORS, DumpRoot, get_emulator
from texpack.errors import TexpackError
from texpack.session import GameSession


@dataclass(frozen=True, slots=True)
class Lane:
    root: DumpRoot
    session: GameSession


class Lanes:
    """Finds the game of a dump path under ``top`` and opens its session once.

    A folder whose session cannot be opened (a bad profile, a locked pack) is remembered
    and reported once through ``on_bad``, not retried for every dump in it.
    """

    def __init__(self, top: Path, open_lane: Callable[[DumpRoot], GameSession], emulator: str | None, game: str | None,
                 on_lane: Callable[[Lane], None], on_bad: Callable[[Path, TexpackError], None]) -> None:
        self.top, self.open_lane, self.emulator, self.game = Path(top), open_lane, emulator, game
        self.on_lane, self.on_bad = on_lane, on_bad
        self.by_path: dict[Path, Lane] = {}
        self.bad: set[Path] = set()

    def add(self, root: DumpRoot) -> Lane:
        lane = Lane(root, self.open_lane(root))
        self.by_path[Path(root.path)] = lane
        self.on_lane(lane)
        return lane

    def all(self) -> tuple[Lane, ...]:
        return tuple(self.by_path.values())

    def known(self, path: Path) -> Lane | None:
        return next((lane for d, lane in tuple(self.by_path.items()) if d in path.parents), None)

    def find(self, path: Path) -> Lane | None:
        """The game a dump belongs to; a new game folder gets its lane here."""
        lane = self.known(path)
        if lane is not None:
            return lane
        emus = [get_emulator(self.emulator)] if self.emulator else list(EMULATORS.values())
        for d in path.parents:
            if d != self.top and self.top not in d.parents:
                break
            for e in emus:
                for g, dump_path in e.root_at(d):
                    if dump_path not in path.parents or dump_path in self.bad:
                        continue
                    try:
                        return self.add(DumpRoot(e.id, self.game or g, dump_path))
                    except TexpackError as err:
                        self.bad.add(dump_path)
                        self.on_bad(dump_path, err)
                        return None
        return None

    def is_output(self, path: Path) -> bool:
        """A file one of the lanes wrote (its pack folder may lie under the watched folder)."""
        return any(lane.session.game_dir in path.parents for lane in self.all())
