"""`texpack profile check|schema`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from texpack.cli.exits import fail
from texpack.errors import ProfileError
from texpack.profile import json_schema, load_profile
from texpack.targets import TARGET_IDS, get_target


@click.group("profile")
def command() -> None:
    """Check profiles, or print their JSON Schema for editors."""


@command.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--target", type=click.Choice(TARGET_IDS), help="Also check the rules a pack target adds.")
def check(file: Path, target: str | None) -> None:
    """Validate FILE and every profile it extends; list every problem with its line."""
    try:
        p = load_profile(file)
        t = target or p.emulator
        problems = get_target(t).profile_problems(p) if t else []
        if problems:
            raise ProfileError(str(file), problems)
    except ProfileError as e:
        raise fail(e) from e
    click.echo(f"{file}: ok ({len(p.rules)} rules)")


@command.command("schema")
def schema() -> None:
    """Print the profile JSON Schema."""
    click.echo(json.dumps(json_schema(), indent=1))
