"""`texpack profile check|schema`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from texpack.cli.exits import fail
from texpack.cli.options import target_choice
from texpack.errors import ProfileError
from texpack.profile import json_schema, load_profile
from texpack.targets import default_target, get_target


@click.group("profile")
def command() -> None:
    """Check profiles, or print their JSON Schema for editors."""


@command.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--target", type=target_choice(), help="Also check the rules a pack target adds.")
def check(file: Path, target: str | None) -> None:
    """Validate FILE and every profile it extends; list every problem with its line."""
    try:
        p = load_profile(file)
        t = get_target(target) if target else default_target(p.emulator) if p.emulator else None
        problems = t.profile_problems(p) if t else []
        if problems:
            raise ProfileError(str(file), problems)
    except ProfileError as e:
        raise fail(e) from e
    click.echo(f"{file}: ok ({len(p.rules)} rules)")


@command.command("schema")
def schema() -> None:
    """Print the profile JSON Schema."""
    click.echo(json.dumps(json_schema(), indent=1))
