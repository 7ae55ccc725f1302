"""Writing the review page's choices into the game's profile, as named rules.

The profile is edited with a round-trip YAML library (ruamel.yaml), so the user's comments,
order and formatting stay; the new text is validated by the same schema as any profile
(:func:`texpack.profile.load_profile`) before it replaces the file, atomically. Each
change first saves the previous text, so it can be undone.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from texpack import yamlsafe
from texpack.atomic import remove_dead_temps, write_atomic
from texpack.errors import ProfileError
from texpack.profile import MAX_PROFILE_BYTES, Profile, parse_profile
from texpack.profile import RULE_SETTINGS as SETTINGS
from texpack.safefs import own_dir, read_bounded

_GLOB_CHARS = re.compile(r"([*?\[])")
# An undo step that puts back "no profile file" (the first rule created it).
NO_PROFILE = "# texpack: the profile did not exist\n"


def _yaml() -> Any:
    y = yamlsafe.roundtrip()
    y.indent(mapping=2, sequence=4, offset=2)  # the layout of the shipped profiles
    return y


def exact_glob(name: str) -> str:
    """A glob that matches exactly ``name`` (its own ``*``, ``?`` and ``[`` escaped)."""
    return _GLOB_CHARS.sub(r"[\1]", name)


def new_profile_text(extends: str, game: str) -> str:
    return (
        f"# Profile for {game}, tuned with `texpack review`.\n"
        f"# Rules below are applied in order after those of {extends}.\n"
        f"extends: {extends}\n"
    )


MAX_RULE_NAME = 200


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be a rule name in a YAML profile, or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "holds characters that are not text (lone surrogates)"
    if len(text) > MAX_RULE_NAME:
        return f"longer than {MAX_RULE_NAME} characters"
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text):
        return "holds control characters"
    return None


class ProfileEditor:
    """Adds rules to one profile file and keeps the texts needed to undo them."""

    def __init__(self, path: Path, undo_dir: Path, create_from: str | None = None, game: str = "",
                 check: Callable[[Profile], None] | None = None) -> None:
        """``check`` runs a build's own checks on a changed profile (models exist, scales the
        target loads) and raises when a build would refuse it; nothing is saved then."""
        self.path, self.undo_dir = Path(path), Path(undo_dir)
        self.create_from, self.game = create_from, game
        self.check = check

    def text(self) -> str:
        if self.path.is_file():
            return self._read(self.path)
        if self.create_from is None:
            raise ProfileError(str(self.path), ["profile not found"])
        return new_profile_text(self.create_from, self.game)

    def _read(self, path: Path) -> str:
        """A profile or undo step, bounded, as text; anything else is a ProfileError naming it."""
        try:
            return read_bounded(path, MAX_PROFILE_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ProfileError(str(path), [f"cannot read ({getattr(e, 'strerror', None) or e})"]) from e

    def load(self) -> Profile:
        return self._validated(self.text())

    def _validated(self, text: str) -> Profile:
        """The profile ``text`` would be, checked by the profile schema (every problem at once)."""
        return parse_profile(text, self.path)

    def add_rule(self, label: str, names: list[str], settings: dict[str, Any], save: bool = True) -> Profile:
        """Append a rule named ``label`` matching exactly ``names``, setting ``settings``;
        with ``save`` False, only the profile it would make (checked the same way) is returned."""
        bad = [k for k in settings if k not in SETTINGS]
        if bad:
            raise ProfileError(str(self.path), [f"{k}: not a setting a rule can make (one of {', '.join(SETTINGS)})" for k in bad])
        if not names:
            raise ProfileError(str(self.path), ["no textures chosen"])
        why = text_problem(label)
        if why:
            raise ProfileError(str(self.path), [f"rule name: {why}"])
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        old = self.text()
        y = _yaml()
        doc = y.load(old) or CommentedMap()
        rules = doc.get("rules")
        if rules is None:
            rules = CommentedSeq()
            doc["rules"] = rules
        rule = CommentedMap()
        rule["name"] = label
        match = CommentedMap()
        globs = CommentedSeq(exact_glob(n) for n in sorted(set(names)))
        if len(globs) <= 3:
            globs.fa.set_flow_style()  # a short list stays on one line
        match["name"] = globs
        rule["match"] = match
        for k in SETTINGS:
            if k in settings:
                rule[k] = settings[k]
        rules.append(rule)
        buf = io.StringIO()
        y.dump(doc, buf)
        new = buf.getvalue()
        profile = self._validated(new)
        if self.check is not None:
            self.check(profile)
        if not save:
            return profile
        self._save_undo(old if self.path.is_file() else None)
        remove_dead_temps(self.path.parent)  # a write-back killed half-way left one here
        write_atomic(self.path, new.encode("utf-8"))
        return profile

    def _save_undo(self, text: str | None) -> None:
        own_dir(self.undo_dir, self.undo_dir.parent.parent.parent)  # <pack>/.texpack/review-undo/<game>
        n = len(list(self.undo_dir.glob("*.yaml")))
        body = text if text is not None else NO_PROFILE
        write_atomic(self.undo_dir / f"{n:05d}-{int(time.time())}.yaml", body.encode("utf-8"))

    def undo(self) -> Profile | None:
        """Put back the text before the last change; returns the profile now (None: no profile)."""
        steps = sorted(self.undo_dir.glob("*.yaml")) if self.undo_dir.is_dir() else []
        if not steps:
            raise ProfileError(str(self.path), ["nothing to undo"])
        last = steps[-1]
        text = self._read(last)
        if text.startswith(NO_PROFILE):
            self.path.unlink(missing_ok=True)
            last.unlink()
            return None
        profile = self._validated(text)
        write_atomic(self.path, text.encode("utf-8"))
        last.unlink()
        return profile

    def can_undo(self) -> int:
        return len(list(self.undo_dir.glob("*.yaml"))) if self.undo_dir.is_dir() else 0
