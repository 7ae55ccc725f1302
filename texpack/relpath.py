"""The one rule for relative paths and names that come from outside texpack.

Pack members (``install``), rows of the pack state (``pipeline/ledger.py``), the review
page's file requests (``review/files.py``), static file names (``review/server.py``) and
game ids made into folders (``targets/base.py``) all pass through here, so a path that one
of them refuses is refused by all of them. The rule works on the text alone; callers that
open the path also check where its real path leads (symlinks).
"""

from __future__ import annotations


def rel_problem(rel: str) -> str | None:
    """Why ``rel`` is not a plain relative POSIX path, or None.

    Refused: the empty string, absolute paths, a drive (``C:``) in the first part,
    backslashes (a separator on Windows), NUL, and empty, ``.`` or ``..`` parts.
    """
    if not rel:
        return "an empty path"
    if rel.startswith("/"):
        return "an absolute path"
    if "\0" in rel:
        return "a path with a NUL character"
    if "\\" in rel:
        return "a path with a backslash"
    parts = rel.split("/")
    if ":" in parts[0]:
        return "a path that starts with a drive"
    if any(p in ("", ".", "..") for p in parts):
        return "a path with an empty, '.' or '..' part"
    return None


def name_problem(name: str) -> str | None:
    """Why ``name`` is not one plain path part (a file or folder name), or None."""
    if "/" in name:
        return "a name with a '/'"
    return rel_problem(name)
