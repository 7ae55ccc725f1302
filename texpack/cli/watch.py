"""`texpack watch` (placeholder until the live mode lands)."""

from __future__ import annotations

import click


@click.command("watch", hidden=True)
def command() -> None:
    """Not available yet."""
    raise click.ClickException("texpack watch is not available in this version")
