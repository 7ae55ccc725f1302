"""Network architectures, written here with parameter names that match published checkpoints."""

from texpack.engine.archs.rrdb import RRDBNet
from texpack.engine.archs.srvgg import SRVGGNetCompact

__all__ = ["RRDBNet", "SRVGGNetCompact"]
