"""How the command line ends: exit codes, and the one-line message of a library error.

Its own module, so the command modules and the group in ``texpack/cli/__init__.py`` import
it without importing each other.
"""

from __future__ import annotations

import click

from texpack.errors import PackError, ProfileError, TexpackError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ABORTED = 0, 1, 2, 3


class CliError(click.ClickException):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = code  # type: ignore[misc]  # click declares it on the class; each error sets its own


def fail(e: TexpackError) -> CliError:
    """The one-line (or one-block) message and exit code of a library error."""
    if isinstance(e, ProfileError):
        return CliError(f"{e.source}:\n  " + "\n  ".join(e.problems))
    if isinstance(e, PackError):
        return CliError(str(e), EXIT_ABORTED)
    return CliError(str(e))
