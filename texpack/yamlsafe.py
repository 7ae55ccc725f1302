"""Read YAML that someone else wrote without letting it exhaust memory or the stack.

Three things make small YAML files dangerous: alias expansion (a 500-byte "billion laughs"
file expands to gigabytes when its aliases are copied out), deep nesting (the YAML
composers recurse once per level, so 100,000 nested ``[`` overflow the stack), and sheer
size. :func:`check` runs PyYAML's event parser, which does not recurse, to measure depth
and the size the document would have with every alias expanded, before anything builds
the document. Every YAML texpack reads (profiles, DuckStation config.yaml, model cards)
goes through it.
"""

from __future__ import annotations

from typing import Any

import yaml

from texpack.errors import TexpackError, first_line

MAX_BYTES = 4 << 20
MAX_DEPTH = 64
MAX_NODES = 1_000_000  # nodes after alias expansion


class YamlError(TexpackError):
    """YAML refused before it was built: too large, too deep, too many aliases, or invalid."""


def check(text: str, name: str) -> None:
    """Raise :class:`YamlError` if ``text`` is too large, too deep or expands too far."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"{name}: {len(text)} characters is more than any settings file needs ({MAX_BYTES} at most)")
    depth = 0
    # Expanded size per anchor, and a stack of [anchor, size] for the open collections.
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[None, 0]]
    try:
        for ev in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(ev, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(f"{name}: nested more than {MAX_DEPTH} levels deep")
                stack.append([ev.anchor, 1])
            elif isinstance(ev, yaml.CollectionEndEvent):
                depth -= 1
                anchor, n = stack.pop()
                if anchor is not None:
                    sizes[anchor] = n
                stack[-1][1] += n
            elif isinstance(ev, yaml.ScalarEvent):
                if ev.anchor is not None:
                    sizes[ev.anchor] = 1
                stack[-1][1] += 1
            elif isinstance(ev, yaml.AliasEvent):
                stack[-1][1] += sizes.get(ev.anchor, 1)
            else:
                continue
            if stack[-1][1] > MAX_NODES or sum(s[1] for s in stack) > MAX_NODES:
                raise YamlError(f"{name}: expands to more than {MAX_NODES} values through aliases (an alias bomb?)")
    except yaml.YAMLError as e:
        raise YamlError(f"{name}: not valid YAML: {_first_line(e)}") from e


def roundtrip() -> Any:
    """ruamel.yaml's round-trip reader/writer, set up for texpack's own edits of YAML files
    a person also edits (profiles, DuckStation's config.yaml): comments, quotes and long
    lines kept as they are. Only for files already checked by :func:`check`."""
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.allow_unicode = True
    return y


def load(text: str, name: str) -> Any:
    """``yaml.safe_load`` after :func:`check`."""
    check(text, name)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise YamlError(f"{name}: not valid YAML: {_first_line(e)}") from e


def compose(text: str, name: str) -> yaml.Node | None:
    """``yaml.compose`` (nodes with line numbers) after :func:`check`."""
    check(text, name)
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise YamlError(f"{name}: not valid YAML: {_first_line(e)}") from e


def _first_line(e: Exception) -> str:
    return first_line(e, 2)  # PyYAML puts the problem's position on its second line
