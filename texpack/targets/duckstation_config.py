"""DuckStation's per-game ``textures/<SERIAL>/config.yaml``: the pack's aliases, and the
settings the dumps were made with (docs/formats/ps1.md "config.yaml").

The file is often DuckStation's own (written at the first dump, then edited by the user),
so it is edited through its YAML structure with a round-trip library (ruamel.yaml):
comments, key order, quoting and the user's own aliases stay; only the pack's aliases
change. Settings such as ``ConvertCopiesToWrites`` or ``MaxVRAMWriteSplits`` change how
uploads are tracked and so which hashes the names carry: the settings of the dump-side
config are carried into the pack's. The result is parsed again and compared with what
was intended before it replaces the file; a file that would not parse to exactly that
is never written.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from texpack import yamlsafe
from texpack.atomic import write_atomic
from texpack.errors import PackError

HEADER = (
    "# DuckStation texture replacement settings for this pack (written by texpack).\n"
    "# Aliases map a dump name to a replacement file that has the same pixels.\n"
)
BOM = "\ufeff"
MAX_BYTES = 1 << 20


def _read(path: Path) -> tuple[str, bool]:
    """(text without BOM, had a BOM), or PackError naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise PackError(str(path), f"cannot read ({e.strerror or e})") from e
    if len(raw) > MAX_BYTES:
        raise PackError(str(path), f"{len(raw)} bytes is more than any config.yaml needs")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PackError(str(path), "not UTF-8 text; fix or remove it, then build again") from e
    bom = text.startswith(BOM)
    return (text[1:] if bom else text), bom


def _load_doc(text: str, where: str) -> Any:
    try:
        yamlsafe.check(text, where)
    except yamlsafe.YamlError as e:
        raise PackError(where, str(e).split(": ", 1)[-1]) from e
    from ruamel.yaml.error import YAMLError

    try:
        docs = list(yamlsafe.roundtrip().load_all(text))
    except YAMLError as e:
        reason = " ".join(str(e).split())[:200]
        raise PackError(where, f"not valid YAML ({reason}); fix or remove it, then build again") from e
    if len(docs) > 1:
        raise PackError(where, f"holds {len(docs)} YAML documents; DuckStation reads only a single mapping; keep one")
    doc = docs[0] if docs else None
    if doc is not None and not isinstance(doc, Mapping):
        raise PackError(where, "its top level is not a mapping; DuckStation ignores such a file")
    return doc


def _plain(text: str, where: str) -> dict[str, Any]:
    data = yamlsafe.load(text, where)
    return dict(data) if isinstance(data, Mapping) else {}


def read_aliases(path: Path) -> dict[str, str]:
    """The ``Aliases:`` mapping of a config.yaml (empty when it has none)."""
    text, _ = _read(path)
    try:
        data = _plain(text, str(path))
    except yamlsafe.YamlError as e:
        raise PackError(str(path), str(e).split(": ", 1)[-1]) from e
    a = data.get("Aliases")
    return {str(k): str(v) for k, v in a.items()} if isinstance(a, Mapping) else {}


def update_config(path: Path, aliases: Mapping[str, str], managed: set[str], carry_from: Path | None = None) -> list[str]:
    """Make ``path`` hold the pack's ``aliases`` and the dump-side settings; returns notes.

    ``managed``: alias names the pack owns (now or from earlier runs); other aliases in the
    file are the user's and stay. ``carry_from``: the dump folder's config.yaml.
    """
    path = Path(path)
    notes: list[str] = []
    bom = False
    if path.is_file():
        text, bom = _read(path)
    elif carry_from is not None and Path(carry_from).is_file():
        text, bom = _read(Path(carry_from))
        notes.append(f"config.yaml starts from the dump folder's ({carry_from})")
    else:
        text = HEADER
    where = str(path)
    doc = _load_doc(text, where)
    before = _plain(text, where)
    carried: dict[str, Any] = {}
    carried_nodes: dict[str, Any] = {}
    if carry_from is not None and Path(carry_from).is_file() and Path(carry_from).resolve() != path.resolve():
        ctext, _ = _read(Path(carry_from))
        cdoc = _load_doc(ctext, str(carry_from))
        cplain = _plain(ctext, str(carry_from))
        for k, v in cplain.items():
            if k != "Aliases" and before.get(k, object()) != v:
                carried[k] = v
                carried_nodes[k] = cdoc[k]
                notes.append(f"config.yaml: {k}: {v!r} carried over from the dump folder's config.yaml (it changes which hashes the dumps carry)")
    old = before.get("Aliases") if isinstance(before.get("Aliases"), Mapping) else {}
    kept = {str(k): str(v) for k, v in (old or {}).items() if str(k) not in managed and str(k) not in aliases}
    merged = dict(sorted({**kept, **{str(k): str(v) for k, v in aliases.items()}}.items()))
    out = _render(text, doc, carried_nodes, merged)
    expected = {k: v for k, v in before.items() if k != "Aliases"}
    expected.update(carried)
    if merged:
        expected["Aliases"] = merged
    try:
        got = _plain(out, where)
    except yamlsafe.YamlError as e:
        raise PackError(where, f"editing it would give invalid YAML ({e}); left unchanged") from e
    if got != expected:
        raise PackError(where, "editing it would not give the intended settings and aliases; left unchanged (edit its Aliases: by hand)")
    write_atomic(path, ((BOM if bom else "") + out).encode("utf-8"))
    return notes


def _edit_in_place(m: Any, merged: dict[str, str]) -> None:
    """Make mapping ``m`` hold ``merged``, keeping its style and the comments of the entries
    that stay (a comment after the last entry moves to the new last entry)."""
    keys = list(m)
    tail = m.ca.items.get(keys[-1]) if keys else None
    for k in keys:
        if str(k) not in merged:
            del m[k]
    for k, v in merged.items():
        if k not in m or str(m[k]) != v:
            m[k] = v
    if tail is not None and len(m):
        last = list(m)[-1]
        if last != keys[-1] or last not in m.ca.items:
            m.ca.items.pop(keys[-1], None)
            m.ca.items[last] = tail


def _render(text: str, doc: Any, carried: dict[str, Any], merged: dict[str, str]) -> str:
    from ruamel.yaml.comments import CommentedMap

    y = yamlsafe.roundtrip()
    if doc is None:
        # Only comments (DuckStation's template has every key commented out): keep the
        # text as it is and add the mappings after it.
        body = text if not text or text.endswith("\n") else text + "\n"
        extra = CommentedMap(carried)
        if merged:
            extra["Aliases"] = CommentedMap(merged)
        if not extra:
            return body
        buf = io.StringIO()
        y.dump(extra, buf)
        return body + buf.getvalue()
    for k, v in carried.items():
        doc[k] = v
    key = next((k for k in doc if str(k) == "Aliases"), None)
    old = doc[key] if key is not None else None
    if merged and isinstance(old, CommentedMap) and not getattr(old.anchor, "value", None):
        _edit_in_place(old, merged)
    elif merged:
        doc["Aliases" if key is None else key] = CommentedMap(merged)
    elif key is not None:
        del doc[key]
    buf = io.StringIO()
    y.dump(doc, buf)
    return buf.getvalue()
