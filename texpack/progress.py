"""How the library tells a caller how far a build has got, without printing anything."""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    """Counts of dumps read and of pack files produced; totals may grow during a run."""

    def reading(self, total: int) -> None:
        """``total`` more dumps will be read."""

    def read(self, n: int = 1) -> None: ...

    def producing(self, total: int) -> None:
        """``total`` more textures will be produced (upscaled, copied or aliased)."""

    def produced(self, n: int = 1) -> None: ...


class NoProgress:
    def reading(self, total: int) -> None:
        pass

    def read(self, n: int = 1) -> None:
        pass

    def producing(self, total: int) -> None:
        pass

    def produced(self, n: int = 1) -> None:
        pass


NO_PROGRESS: ProgressSink = NoProgress()
