"""Per-game profiles: YAML files that pick model, scale, alpha and seam handling per texture group.

A profile may ``extends:`` another (a shipped name such as ``defaults/gliden64`` or a path
relative to the file). Rules are applied in order, parent's first; every matching rule
overrides the fields it sets, so later rules win.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from texpack import yamlsafe
from texpack.alpha_modes import AlphaMode, SeamMode
from texpack.emulators import EMULATORS, TextureName
from texpack.emulators.facts import MatchKey, NameFacts
from texpack.errors import ProfileError
from texpack.models.catalog import DEFAULT_MODEL
from texpack.resources import data_dir
from texpack.schema import Bool, Ctx, Enum, Float, Int, List, Map, OneOrMany, Range, Str

EMULATOR_IDS = EMULATORS.ids()
MAX_PROFILE_BYTES = 1 << 20
ALPHA_VALUES = tuple(m.value for m in AlphaMode)
SEAM_VALUES = tuple(m.value for m in SeamMode)

_SETTINGS = {
    "model": Str("model name from `texpack models list`, a resampler (nearest, bilinear, bicubic) or a path"),
    "scale": Int(1, 16, "integer upscale factor; a power of two for Rice"),
    "alpha": Enum(ALPHA_VALUES, "alpha handling; auto follows the texture's format"),
    "seam": Enum(SEAM_VALUES, "edge padding before upscaling; auto wraps textures that tile"),
    "color_fix": Bool("shift the upscaled colours so their average matches the dump's"),
    "detail": Float(0.0, 1.0, "0 faithful .. 1 sharp: blends the model with its sharp partner (texture models)"),
}
# What a rule may set, in the order Settings lists them.
RULE_SETTINGS = ("skip", *_SETTINGS)


def fact_keys() -> dict[str, MatchKey]:
    """The ``match:`` keys the registered emulators' names answer (format, mode, type, …),
    each with the values any of them allows."""
    keys: dict[str, MatchKey] = {}
    for emu in EMULATORS.values():
        for k, mk in emu.match_keys.items():
            have = keys.get(k)
            keys[k] = mk if have is None else MatchKey(tuple(dict.fromkeys(have.values + mk.values)), have.description)
    return keys


def top_schema() -> Map:
    """The profile schema; its ``match:`` keys come from the emulator registry as it is now."""
    match = Map(
        {
            "name": OneOrMany(Str(), "file-name glob(s), e.g. '*#0#2_all.png'"),
            "hash": OneOrMany(Str("", r"[0-9A-Fa-f]{8}|[0-9A-Fa-f]{16}|[0-9A-Fa-f]{32}"), "texture or palette hash(es)"),
            **{k: OneOrMany(Enum(mk.values), mk.description) for k, mk in fact_keys().items()},
            "width": Range("dumped width in pixels, exact or {min, max}"),
            "height": Range("dumped height in pixels, exact or {min, max}"),
        },
        "which textures the rule applies to; every given key must match",
    )
    rule = Map({"name": Str("a label shown in reports"), "match": match, "skip": Bool("leave these textures out of the pack"), **_SETTINGS})
    return Map(
        {
            "description": Str("what this profile is for"),
            "extends": Str("profile this one builds on: a shipped name (defaults/gliden64) or a relative path"),
            "emulator": Enum(EMULATOR_IDS, "emulator this profile is written for"),
            "game": Str("game IDENT (N64) or serial (PS1)"),
            **_SETTINGS,
            "rules": List(rule, "rules applied in order; later matches override earlier ones"),
        },
        "texpack profile",
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """What to do with one texture, after every rule has been applied."""

    skip: bool = False
    model: str = DEFAULT_MODEL
    scale: int = 4
    alpha: AlphaMode = AlphaMode.AUTO
    seam: SeamMode = SeamMode.AUTO
    color_fix: bool = False
    detail: float = 0.0
    rules: tuple[str, ...] = ()  # labels of the rules that applied, in order
    notes: tuple[str, ...] = ()  # what the pack target changed (a capped scale)


@dataclass(frozen=True, slots=True)
class Rule:
    label: str
    match: dict[str, Any]
    set: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Profile:
    source: str
    base: Settings = field(default_factory=Settings)
    rules: tuple[Rule, ...] = ()
    emulator: str | None = None
    scale_lines: tuple[tuple[str, int], ...] = ()  # (key path, line) of every scale setting

    def settings_for(self, name: str, key: TextureName | None, width: int, height: int) -> Settings:
        s = self.base
        for rule in self.rules:
            if matches(rule.match, name, key, width, height):
                s = replace(s, **rule.set, rules=s.rules + (rule.label,))
        return s

    def explain(self, name: str, key: TextureName | None, width: int, height: int) -> dict[str, str]:
        """For each setting, the label of the rule that set it last ("profile" when none did)."""
        src = {k: "profile" for k in RULE_SETTINGS}
        for rule in self.rules:
            if matches(rule.match, name, key, width, height):
                for k in rule.set:
                    src[k] = rule.label
        return src

    def scales(self) -> list[tuple[str, int, int]]:
        """(key path, line, value) of the base scale and of every rule that sets one."""
        vals = [self.base.scale] + [r.set["scale"] for r in self.rules if "scale" in r.set]
        return [(p, ln, v) for (p, ln), v in zip(self.scale_lines, vals, strict=True)]

    def without_scales(self) -> Profile:
        """The profile with every scale setting dropped (a ``--scale`` override replaces them)."""
        rules = tuple(Rule(r.label, r.match, {k: v for k, v in r.set.items() if k != "scale"}) for r in self.rules)
        return replace(self, rules=rules, scale_lines=self.scale_lines[:1])


# The ``match:`` keys every name answers; any other key the schema let through is one a name
# answers through NameFacts.match (texpack/emulators/facts.py, the registry's MatchKeys).
NAME_KEYS = frozenset({"name", "hash", "width", "height"})


def matches(m: dict[str, Any], name: str, key: TextureName | None, width: int, height: int) -> bool:
    facts = key.facts() if key is not None else NameFacts("", "", ())
    if "name" in m and not any(fnmatch.fnmatchcase(name, g) for g in m["name"]):
        return False
    if "hash" in m and not {h.upper() for h in m["hash"]} & {h.upper() for h in facts.hashes}:
        return False
    if any(facts.match.get(k) not in m[k] for k in m.keys() - NAME_KEYS):
        return False
    if "width" in m and not m["width"][0] <= width <= m["width"][1]:
        return False
    if "height" in m and not m["height"][0] <= height <= m["height"][1]:
        return False
    return True


def _to_setting(k: str, v: Any) -> Any:
    if k == "alpha":
        return AlphaMode(v)
    if k == "seam":
        return SeamMode(v)
    return v


def find_profile(name: str, relative_to: Path | None = None) -> Path:
    """A profile by path, or by name among the shipped profiles (``defaults/gliden64``)."""
    cands = []
    p = Path(name)
    if relative_to is not None:
        cands.append(relative_to / p)
    cands += [p, data_dir("profiles") / p, data_dir("profiles") / f"{name}.yaml"]
    for c in cands:
        if c.is_file():
            return c
    raise ProfileError(name, ["profile not found (a path, or a shipped name such as defaults/gliden64)"])


def load_profile(path: Path, _seen: tuple[Path, ...] = ()) -> Profile:
    """Load and validate a profile (and what it extends); raises :class:`ProfileError` listing every problem."""
    path = Path(path)
    src = str(path)
    if path.resolve() in _seen:
        raise ProfileError(src, ["extends: profiles extend each other in a loop"])
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_PROFILE_BYTES:
            raise ProfileError(src, [f"{len(raw)} bytes is more than any profile needs ({MAX_PROFILE_BYTES} at most)"])
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(src, [f"cannot read ({e})"]) from e
    return parse_profile(text, path, _seen + (path.resolve(),))


def parse_profile(text: str, path: Path, _seen: tuple[Path, ...] = ()) -> Profile:
    """A profile from ``text``, as if read from ``path`` (``extends`` is relative to its folder)."""
    src = str(path)
    if len(text) > MAX_PROFILE_BYTES:
        raise ProfileError(src, [f"{len(text)} characters is more than any profile needs ({MAX_PROFILE_BYTES} at most)"])
    try:
        node = yamlsafe.compose(text, src)
    except yamlsafe.YamlError as e:
        raise ProfileError(src, [str(e).split(": ", 1)[-1]]) from e
    ctx = Ctx()
    data = top_schema().check(node, "", ctx) if node is not None else {}
    if data is None:
        raise ProfileError(src, ctx.problems)
    parent: Profile | None = None
    if "extends" in data:
        try:
            parent = load_profile(find_profile(data["extends"], path.parent), _seen)
        except ProfileError as e:
            ctx.problems.append(f"extends: {data['extends']!r}: {'; '.join(e.problems)} (line {ctx.lines.get('extends', 0)})")
    if ctx.problems:
        raise ProfileError(src, ctx.problems)
    base = parent.base if parent else Settings()
    base = replace(base, **{k: _to_setting(k, v) for k, v in data.items() if k in _SETTINGS})
    rules = list(parent.rules) if parent else []
    scale_lines = list(parent.scale_lines) if parent else [("scale", 0)]
    if "scale" in data:
        scale_lines[0] = ("scale", ctx.lines["scale"])
    for i, r in enumerate(data.get("rules", [])):
        if r is None:
            continue
        label = r.get("name", f"{path.stem}:rules[{i}]")
        sets = {k: _to_setting(k, v) for k, v in r.items() if k in RULE_SETTINGS}
        rules.append(Rule(label, r.get("match", {}), sets))
        if "scale" in r:
            scale_lines.append((f"rules[{i}].scale", ctx.lines[f"rules[{i}].scale"]))
    return Profile(src, base, tuple(rules), data.get("emulator", parent.emulator if parent else None), tuple(scale_lines))


def user_profile_path(out: Path, game: str) -> Path:
    """The pack's own profile for a game: ``<out>/profiles/<game>.yaml`` (written by ``texpack review``)."""
    return Path(out) / "profiles" / f"{game}.yaml"


def shipped_profile_for(emulator: str, game: str) -> Path:
    """The shipped per-game profile when there is one, else the emulator's defaults, else the
    generic ones (an emulator registered without shipped profiles)."""
    root = data_dir("profiles")
    for path in (root / emulator / f"{game}.yaml", root / "defaults" / f"{emulator}.yaml"):
        if path.is_file():
            return path
    return root / "defaults" / "generic.yaml"


def default_profile_for(emulator: str, game: str, out: Path | None = None) -> Path:
    """The pack's own profile for the game when it has one, else the shipped one."""
    if out is not None and user_profile_path(out, game).is_file():
        return user_profile_path(out, game)
    return shipped_profile_for(emulator, game)


def json_schema() -> dict[str, Any]:
    s = top_schema().json()
    s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    s["title"] = "texpack profile"
    return s
