"""A small typed schema over YAML nodes: validates with key paths and line numbers, and emits JSON Schema.

Validation collects every problem instead of stopping at the first, so one run of
``texpack profile check`` shows them all.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

Problems = list[str]


def where(node: yaml.Node) -> str:
    return f"(line {node.start_mark.line + 1})"


@dataclass
class Ctx:
    problems: Problems = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)

    def add(self, path: str, msg: str, node: yaml.Node) -> None:
        self.problems.append(f"{path}: {msg} {where(node)}")


class Type:
    description = ""

    def check(self, node: yaml.Node, path: str, ctx: Ctx) -> Any:
        raise NotImplementedError

    def json(self) -> dict[str, Any]:
        raise NotImplementedError


def _scalar(node: yaml.Node) -> Any:
    return yaml.safe_load(yaml.serialize(node)) if isinstance(node, yaml.ScalarNode) else None


@dataclass
class Str(Type):
    description: str = ""
    pattern: str | None = None

    def check(self, node: yaml.Node, path: str, ctx: Ctx) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            ctx.add(path, "must be a string", node)
            return None
        if self.pattern and not re.fullmatch(self.pattern, node.value):
            ctx.add(path, f"{node.value!r} does not match {self.pattern}", node)
            return None
        return node.value

    def json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": "string", "description": self.description}
        if self.pattern:
            d["pattern"] = f"^(?:{self.pattern})$"
        return d


@dataclass
class Int(Type):
    lo: int = 0
    hi: int = 1 << 30
    description: str = ""

    def check(self, node: yaml.Node, path: str, ctx: Ctx) -> Any:
        v = _scalar(node)
        if not isinstance(v, int) or isinstance(v, bool):
            ctx.add(path, "must be an integer", node)
            return None
        if not self.lo <= v <= self.hi:
            ctx.add(path, f"must be between {self.lo} and {self.hi}, not {v}", node)
            return None
        return v

    def json(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.lo, "maximum": self.hi, "description": self.description}


@dataclass
class Float(Type):
    lo: float = 0.0
    hi: float = 1.0
    description: str = ""

    def check(self, node: yaml.Node, path: str, ctx: Ctx) -> Any:
        v = _scalar(node)
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            ctx.add(path, "must be a number", node)
            return None
        if not self.lo <= v <= self.hi:
            ctx.add(path, f"must be between {self.lo:g} and {self.hi:g}, not {v}", node)
            return None
        return float(v)

    def json(self) -> dict[str, Any]:
        return {"type": "number", "minimum": self.lo, "maximum": self.hi, "description": self.description}


@dataclass
class Bool(Type):
    description: str = ""

    def check(self, node: yaml.Node, path: str, ctx: Ctx) -> Any:
        v = _scalar(node)
        if not isinstance(v, bool):
            ctx.add(path, "must be true or false", node)
            return None
        return v

    def json(self) -> dict[str, Any]:
        return {"type": "boolean", "description": self.description}


@dataclass
class Enum(Type):
    values: Sequence[str] = ()  # a registry's ids (texpack/registry.py) are read at each check
    description: str = ""

    def check(self, node: yaml.Node, path: str, ctx: Ctx) -> Any:
        v = _scalar(node)
        v = str(v) if isinstance(v, (str, int)) and not isinstance(v, bool) else v
        if v not in self.values:
            near = difflib.get_close_matches(str(v), self.values, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else f" (one of {', '.join(self.values)})"
            ctx.add(path, f"{v!r} is not allowed{hint}", node)
            return None
        return v

    def json(self) -> dict[str, Any]:
        return {"enum": list(self.values), "description": self.description}


@dataclass
class OneOrMany(Type):
    item: Type = field(default_factory=Str)
    description: str = ""

    def check(self, node: yaml.Node, path: str, ctx: Ctx) -> Any:
        if isinstance(node, yaml.SequenceNode):
            vals = [self.item.check(n, f"{path}[{i}]", ctx) for i, n in enumerate(node.value)]
            return tuple(v for v in vals if v is not None)
        v = self.item.check(node, path, ctx)
        return () if v is None else (v,)

    def json(self) -> dict[str, Any]:
        one = self.item.json()
        return {"anyOf": [one, {"type": "array", "items": one}], "description": self.description}


@dataclass
class Range(Type):
    description: str = ""

    def check(self, node: yaml.Node, path: str, ctx: Ctx) -> Any:
        if isinstance(node, yaml.MappingNode):
            sub = Map({"min": Int(1, 65536), "max": Int(1, 65536)})
            d = sub.check(node, path, ctx) or {}
            return (d.get("min", 1), d.get("max", 65536))
        v = Int(1, 65536).check(node, path, ctx)
        return None if v is None else (v, v)

    def json(self) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "object", "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}, "additionalProperties": False},
            ],
            "description": self.description,
        }


@dataclass
class Map(Type):
    fields: dict[str, Type] = field(default_factory=dict)
    description: str = ""

    def check(self, node: yaml.Node, path: str, ctx: Ctx) -> Any:
        if not isinstance(node, yaml.MappingNode):
            ctx.add(path or "(top)", "must be a mapping of keys to values", node)
            return None
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            key = knode.value if isinstance(knode, yaml.ScalarNode) else str(knode)
            sub = f"{path}.{key}" if path else key
            if key in out:
                ctx.add(sub, "appears twice", knode)
                continue
            typ = self.fields.get(key)
            if typ is None:
                near = difflib.get_close_matches(key, list(self.fields), n=1)
                hint = f"; did you mean {near[0]!r}?" if near else f" (known: {', '.join(self.fields)})"
                ctx.add(sub, f"unknown key{hint}", knode)
                continue
            ctx.lines[sub] = vnode.start_mark.line + 1
            val = typ.check(vnode, sub, ctx)
            if val is not None:
                out[key] = val
        return out

    def json(self) -> dict[str, Any]:
        return {
            "type": "object",
            "description": self.description,
            "properties": {k: v.json() for k, v in self.fields.items()},
            "additionalProperties": False,
        }


@dataclass
class List(Type):
    item: Type = field(default_factory=Str)
    description: str = ""

    def check(self, node: yaml.Node, path: str, ctx: Ctx) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            ctx.add(path, "must be a list", node)
            return None
        out: list[Any] = []
        for i, n in enumerate(node.value):
            sub = f"{path}[{i}]"
            ctx.lines[sub] = n.start_mark.line + 1
            out.append(self.item.check(n, sub, ctx))
        return out

    def json(self) -> dict[str, Any]:
        return {"type": "array", "items": self.item.json(), "description": self.description}
