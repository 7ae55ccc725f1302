"""Ctrl-C before a command has started: a quiet exit 130 instead of a traceback.

Kept apart from `texpack.cli` (stdlib only) so `python -m texpack` can install it before
click, the targets and PyTorch are imported; on a cold disk that import alone takes seconds.
Only the command line installs it; the library never touches signals.
"""

from __future__ import annotations

import signal
import sys

EXIT_INTERRUPTED = 130


def _interrupted(signum, frame) -> None:
    sys.stderr.write("interrupted\n")
    raise SystemExit(EXIT_INTERRUPTED)


def install() -> None:
    signal.signal(signal.SIGINT, _interrupted)
