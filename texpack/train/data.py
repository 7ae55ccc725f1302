"""Training images: find them in folders and game archives, hold them small, cut training pairs.

Sources are folders or zip-format game archives (``.pk3``, ``.zip``, ``.wz``), read in place.
Material maps that are not pictures of the surface (normal, gloss, glow, bump, specular,
team-colour masks) are left out by name.

Each image is held at most ``BANK_SIDE`` pixels on a side. A dump texture is usually a
whole surface at 32-64 px, so its 4x upscale shows the whole surface at 128-256 px; a crop
of a texture held at that size has the detail density the network should learn to
produce, where a crop of the full-size file would show only a small magnified corner.
"""

from __future__ import annotations

import fnmatch
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from texpack.errors import TexpackError
from texpack.train.degrade import TRAIN_DOWNSCALES, Recipe, degrade, pick_recipe

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".tga", ".bmp", ".webp")
# Warzone 2100 packs its data as zip files named .wz.
ARCHIVE_EXTS = (".pk3", ".zip", ".wz")
# Suffixes of material maps that are not the surface's colour.
NOT_COLOUR = re.compile(r"_(norm|normal|nm|n|bump|gloss|spec|specular|sm|s|glow|gm|g|luma|height|hm|pants|shirt|mask|mq|ao|rough)$", re.I)
BANK_SIDE = 320
MIN_SIDE = 64
# The largest training file read: a 8192x8192 RGBA PNG rarely compresses above this. Game
# archives come from elsewhere; a member declaring more is left out, never read.
MAX_SOURCE_BYTES = 128 << 20


class TrainDataError(TexpackError):
    """No usable training images, or a source that cannot be read."""


@dataclass(frozen=True, slots=True)
class ImageRef:
    """One image: a file, or a member of a zip-format archive."""

    container: Path
    member: str | None = None

    @property
    def label(self) -> str:
        return f"{self.container}:{self.member}" if self.member else str(self.container)

    def read(self) -> bytes:
        if self.member is None:
            return self.container.read_bytes()
        with zipfile.ZipFile(self.container) as z:
            return z.read(self.member)


def _wanted(name: str, exclude: tuple[str, ...]) -> bool:
    stem, dot, ext = name.rpartition(".")
    if not dot or "." + ext.lower() not in IMAGE_EXTS:
        return False
    if NOT_COLOUR.search(stem.rsplit("/", 1)[-1]):
        return False
    return not any(fnmatch.fnmatchcase(name, g) for g in exclude)


def find_images(sources: list[Path], exclude: tuple[str, ...] = ()) -> list[ImageRef]:
    """Every colour image in ``sources`` (folders, archives or image files), sorted.

    ``exclude`` holds globs matched against the path inside the source (``textures/x/*``).
    """
    refs: list[ImageRef] = []
    for src in sources:
        src = Path(src)
        if src.is_dir():
            for p in sorted(src.rglob("*")):
                rel = p.relative_to(src).as_posix()
                if p.is_file() and p.suffix.lower() in ARCHIVE_EXTS:
                    refs += find_images([p], exclude)
                elif p.is_file() and _wanted(rel, exclude):
                    refs.append(ImageRef(p))
        elif src.is_file() and src.suffix.lower() in ARCHIVE_EXTS:
            try:
                with zipfile.ZipFile(src) as z:
                    names = sorted(n for n in z.namelist() if not n.endswith("/"))
            except (OSError, zipfile.BadZipFile) as e:
                raise TrainDataError(f"{src}: cannot read archive ({e})") from e
            refs += [ImageRef(src, n) for n in names if _wanted(n, exclude)]
        elif src.is_file() and _wanted(src.name, exclude):
            refs.append(ImageRef(src))
        elif not src.exists():
            raise TrainDataError(f"{src}: no such file or folder")
    return refs


def decode_source(data: bytes, side: int = BANK_SIDE) -> np.ndarray | None:
    """RGBA8 at most ``side`` px on a side (area-reduced), or None when unusable.

    Unusable: unreadable, smaller than ``MIN_SIDE``, nearly flat (a solid fill teaches
    nothing), or a non-colour map that slipped past the name filter (a grey image whose
    every texel is mid-grey-ish is typically a height or gloss map; grey pictures stay).
    """
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            im = im.convert("RGBA")
    except Exception:  # noqa: BLE001 - any undecodable training file is just skipped
        return None
    w, h = im.size
    if min(w, h) < MIN_SIDE:
        return None
    f = max(w, h) / side
    if f > 1:
        im = im.resize((max(1, round(w / f)), max(1, round(h / f))), Image.Resampling.BOX)
    a = np.asarray(im, np.uint8)
    if float(a[..., :3].std()) < 4.0:
        return None
    return a


def load_bank(refs: list[ImageRef], side: int = BANK_SIDE) -> tuple[list[np.ndarray], list[str]]:
    """Decode every ref; returns the usable images and the labels of those left out."""
    bank, skipped = [], []
    archives: dict[Path, zipfile.ZipFile] = {}
    try:
        for r in refs:
            try:
                if r.member is not None:
                    z = archives.get(r.container) or archives.setdefault(r.container, zipfile.ZipFile(r.container))
                    if z.getinfo(r.member).file_size > MAX_SOURCE_BYTES:
                        skipped.append(f"{r.label} (larger than {MAX_SOURCE_BYTES >> 20} MiB)")
                        continue
                    data = z.read(r.member)
                else:
                    if r.container.stat().st_size > MAX_SOURCE_BYTES:
                        skipped.append(f"{r.label} (larger than {MAX_SOURCE_BYTES >> 20} MiB)")
                        continue
                    data = r.container.read_bytes()
            except (OSError, zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, ValueError, KeyError) as e:
                skipped.append(f"{r.label} (cannot be read: {type(e).__name__})")  # damaged, encrypted, unknown method
                continue
            img = decode_source(data, side)
            if img is None:
                skipped.append(r.label)
            else:
                bank.append(img)
    finally:
        for z in archives.values():
            z.close()
    return bank, skipped


def split_val(refs: list[ImageRef], fraction: float, seed: int) -> tuple[list[ImageRef], list[ImageRef]]:
    """A fixed, seeded hold-out of ``fraction`` of the refs for validation."""
    rng = np.random.default_rng(seed + 7919)
    order = rng.permutation(len(refs))
    n_val = max(1, int(round(len(refs) * fraction))) if len(refs) > 1 else 0
    val = sorted((refs[i] for i in order[:n_val]), key=lambda r: r.label)
    train = sorted((refs[i] for i in order[n_val:]), key=lambda r: r.label)
    return train, val


@dataclass(frozen=True, slots=True)
class Pair:
    lr: np.ndarray  # (h, w, 3) float32, dump-like and bled
    hr: np.ndarray  # (h*s, w*s, 3) float32 target
    weight: np.ndarray  # (h*s, w*s) float32: 1 where the texel is visible, 0 where hidden
    recipe: Recipe


def _split_alpha(img: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    rgb = img[..., :3].astype(np.float32) / 255.0
    a = img[..., 3].astype(np.float32) / 255.0
    return rgb, (a if a.min() < 1.0 else None)


def make_pair(hr_rgba: np.ndarray, factor: int, recipe: Recipe) -> Pair:
    rgb, a = _split_alpha(hr_rgba)
    lr, hr, lr_a = degrade(rgb, a, factor, recipe)
    if lr_a is None:
        weight = np.ones(hr.shape[:2], np.float32)
    else:
        weight = np.repeat(np.repeat(lr_a, factor, axis=0), factor, axis=1)
    return Pair(lr, hr, weight, recipe)


class PairSampler:
    """Random training pairs: pick an image, rescale it, crop, flip/rotate, degrade.

    Deterministic for a seed; ``state()``/``restore()`` let a resumed run continue the
    same random stream.
    """

    def __init__(self, bank: list[np.ndarray], factor: int, lr_patch: int, seed: int, min_zoom: float = 0.5,
                 formats: tuple[str, ...] = ()) -> None:
        if not bank:
            raise TrainDataError("no usable training images")
        self.bank, self.factor, self.lr_patch, self.min_zoom = bank, factor, lr_patch, min_zoom
        self.formats = formats  # empty: every format of degrade.FORMATS
        self.rng = np.random.default_rng(seed)

    def state(self) -> dict[str, Any]:
        return dict(self.rng.bit_generator.state)

    def restore(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state

    def _crop(self) -> np.ndarray:
        hp = self.lr_patch * self.factor
        for _ in range(50):
            img = self.bank[int(self.rng.integers(len(self.bank)))]
            h, w = img.shape[:2]
            lo = max(self.min_zoom, hp / min(h, w))
            if lo > 1.0:
                continue
            zoom = float(self.rng.uniform(lo, 1.0))
            if zoom < 0.999:
                nh, nw = max(hp, round(h * zoom)), max(hp, round(w * zoom))
                img = np.asarray(Image.fromarray(img).resize((nw, nh), Image.Resampling.BOX))
                h, w = nh, nw
            y = int(self.rng.integers(h - hp + 1))
            x = int(self.rng.integers(w - hp + 1))
            crop = img[y : y + hp, x : x + hp]
            if float(crop[..., 3].max()) == 0:
                continue  # a fully transparent corner teaches nothing
            k = int(self.rng.integers(4))
            crop = np.rot90(crop, k)
            if self.rng.random() < 0.5:
                crop = crop[:, ::-1]
            return np.ascontiguousarray(crop)
        raise TrainDataError(f"no training image is at least {hp} px on a side")

    def pair(self) -> Pair:
        return make_pair(self._crop(), self.factor, pick_recipe(self.rng, TRAIN_DOWNSCALES, self.formats))

    def batch(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(N, 3, h, w) LR, (N, 3, H, W) HR and (N, 1, H, W) weights, float32."""
        pairs = [self.pair() for _ in range(n)]
        lr = np.stack([p.lr for p in pairs]).transpose(0, 3, 1, 2)
        hr = np.stack([p.hr for p in pairs]).transpose(0, 3, 1, 2)
        wt = np.stack([p.weight for p in pairs])[:, None]
        return np.ascontiguousarray(lr), np.ascontiguousarray(hr), np.ascontiguousarray(wt)


def validation_pairs(bank: list[np.ndarray], factor: int, seed: int, side: int = 192, limit: int = 48,
                     formats: tuple[str, ...] = ()) -> Iterator[Pair]:
    """A fixed set of whole-texture validation pairs, each degraded by a seeded recipe.

    Each image is reduced to at most ``side`` px and cropped to a multiple of ``factor``.
    """
    rng = np.random.default_rng(seed + 104729)
    for img in bank[:limit]:
        h, w = img.shape[:2]
        f = max(h, w) / side
        if f > 1:
            img = np.asarray(Image.fromarray(img).resize((max(factor, round(w / f)), max(factor, round(h / f))), Image.Resampling.BOX))
        h, w = img.shape[:2]
        img = img[: h - h % factor, : w - w % factor]
        yield make_pair(img, factor, pick_recipe(rng, formats=formats))
