"""Ctrl-C before a command has started: a quiet exit 130 instead of a traceback.

Kept apart from `texpack.cli` (stdlib only) so `python -m texpack` can install it before
click and the command modules are imported (about 0.2 s here, longer on a cold disk).
Only the command line installs it; the library never touches signals.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

EXIT_INTERRUPTED = 130


def _interrupted(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("interrupted\n")
    raise SystemExit(EXIT_INTERRUPTED)


def install() -> None:
    signal.signal(signal.SIGINT, _interrupted)
