"""One error hierarchy for the whole library; the CLI turns these into one-line messages.

Errors about one file carry the file's name and the reason separately (``name``,
``reason``), so a report can show the reason beside the file without parsing the message.
"""

from __future__ import annotations


class TexpackError(Exception):
    """Base of every error texpack raises on purpose.

    Every one has a ``reason`` (the message without the file it concerns) and ``problems``
    (every problem, one per line; a single one for most errors), so callers read these
    fields instead of probing for them or parsing the message.
    """

    @property
    def reason(self) -> str:
        return getattr(self, "_reason", None) or str(self)

    @property
    def problems(self) -> list[str]:
        return list(getattr(self, "_problems", None) or [self.reason])


def first_line(e: BaseException, lines: int = 1) -> str:
    """The first ``lines`` lines of an outside library's error, or its type's name: for one-line messages."""
    text = str(e).strip()
    return " ".join(text.splitlines()[:lines]) if text else type(e).__name__


def rename_hint(suggestions: tuple[str, ...] | list[str]) -> str:
    """"; rename to 'a' or 'b'" for names an emulator would accept instead, or ""."""
    return "; rename to " + " or ".join(repr(s) for s in suggestions) if suggestions else ""


class FileError(TexpackError):
    """Something wrong with one named file: ``str(e)`` is ``"<name>: <reason>"``."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name, self._reason = name, reason


class DumpNameError(TexpackError, ValueError):
    """A file name that does not follow the emulator's grammar.

    ``suggestions`` holds corrected names when they can be offered (for example a
    zero-padded DuckStation ``vram-write`` name).
    """

    def __init__(self, name: str, reason: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(f"{name!r}: {reason}{rename_hint(suggestions)}")
        self.name, self._reason, self.suggestions = name, reason, suggestions


class ImageError(FileError):
    """A dump file that cannot be decoded into an RGBA image."""


class ProfileError(TexpackError):
    """A profile with one or more problems; ``problems`` lists every one of them."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source, self._problems = source, list(problems)


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
