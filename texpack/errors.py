"""One error hierarchy for the whole library; the CLI turns these into one-line messages.

Errors about one file carry the file's name and the reason separately (``name``,
``reason``), so a report can show the reason beside the file without parsing the message.
"""

from __future__ import annotations


class TexpackError(Exception):
    """Base of every error texpack raises on purpose."""


class FileError(TexpackError):
    """Something wrong with one named file: ``str(e)`` is ``"<name>: <reason>"``."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class DumpNameError(TexpackError, ValueError):
    """A file name that does not follow the emulator's grammar.

    ``suggestions`` holds corrected names when they can be offered (for example a
    zero-padded DuckStation ``vram-write`` name).
    """

    def __init__(self, name: str, reason: str, suggestions: tuple[str, ...] = ()) -> None:
        self.name = name
        self.reason = reason
        self.suggestions = suggestions
        msg = f"{name!r}: {reason}"
        if suggestions:
            msg += "; rename to " + " or ".join(repr(s) for s in suggestions)
        super().__init__(msg)


class ImageError(FileError):
    """A dump file that cannot be decoded into an RGBA image."""


class ProfileError(TexpackError):
    """A profile with one or more problems; ``problems`` lists every one of them."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class LayoutError(TexpackError):
    """A dump folder whose emulator or game cannot be told from its layout."""


class UsageError(TexpackError):
    """A request that cannot work at all (unknown model, no such device, a scale the
    target cannot load): refused before any work starts."""


class ModelError(UsageError):
    """A model file that cannot be loaded, recognised or verified."""


class EngineError(TexpackError):
    """The upscaling engine failed on a texture."""


class PackError(FileError):
    """Writing the pack failed (disk full, read-only, a path outside the pack)."""


class PackStateError(PackError):
    """The pack's own state folder (``.texpack/``) cannot be used: no game of the pack can be built."""


class StateError(TexpackError):
    """The build state cannot be used (corrupt, unreadable, locked by another run)."""
