"""A progress bar on terminals for the library's :class:`~texpack.progress.ProgressSink`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class _Bars:
    def __init__(self, progress: Progress) -> None:
        self.p = progress
        self.read_task = progress.add_task("reading dumps", total=0)
        self.make_task = progress.add_task("upscaling", total=0)
        self.totals = {self.read_task: 0, self.make_task: 0}

    def _grow(self, task: TaskID, n: int) -> None:
        self.totals[task] += n
        self.p.update(task, total=self.totals[task])

    def reading(self, total: int) -> None:
        self._grow(self.read_task, total)

    def read(self, n: int = 1) -> None:
        self.p.advance(self.read_task, n)

    def producing(self, total: int) -> None:
        self._grow(self.make_task, total)

    def produced(self, n: int = 1) -> None:
        self.p.advance(self.make_task, n)


@contextlib.contextmanager
def build_progress() -> Iterator[_Bars]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), disable=not sys.stderr.isatty(), transient=True)
    with progress:
        yield _Bars(progress)
