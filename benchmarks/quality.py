"""How good the packs look: PSNR and sharpness against the truth, on textures never trained on.

    python benchmarks/quality.py [--colobot DIR] [--grid docs/images/quality-grid.png] [--by-format] [--format F]

Evaluation sets (both kept out of every training run):
- game textures from Debian's `colobot-common-textures` (`apt-get download
  colobot-common-textures && dpkg -x colobot-common-textures_*.deb DIR`), GPL-3+;
- the sample photographs bundled with scikit-image (`pip install scikit-image`).

Each image is reduced to at most 256 px (the detail of a whole texture), then degraded the
way a dump is (texpack/train/degrade.py: downscale and a console format, chosen per image
from a fixed seed) and written as a GLideN64 dump named for that format. Every method
builds the same dump with `texpack build`; the pack files are compared with the truth:
RGB PSNR over visible texels, and sharpness = mean gradient magnitude of the output over
the truth's (median over textures; 1.0 = as detailed as the truth), and grid = the RMS of
the error averaged per position modulo 4 in 8-bit levels (median over textures): the fine
fixed pattern an x4 network's pixel shuffle can leave, which the eye picks up on flat
areas. Same machine, same run; build time is reported too. Prints a Markdown table and can draw a grid of
dump / methods / truth for twelve textures.

Per-texture PSNR is capped at 50 dB before averaging: beyond it differences are invisible,
and a texture one method reproduces exactly (a hard-edged pattern on the 4-texel grid)
would otherwise count 99 dB and outweigh dozens of others.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from texpack.imageio import encode_png, load_rgba  # noqa: E402
from texpack.train.data import make_pair  # noqa: E402
from texpack.train.degrade import pick_recipe  # noqa: E402
from texpack.train.metrics import grid_artifact, psnr, sharpness, summarise  # noqa: E402

IDENT = "EVAL"
DOWNSCALE_KERNELS = ("area", "bilinear", "bicubic")  # texpack/train/degrade.py downscale()
PSNR_CAP = 50.0
SIDE = 256
# dump format of each degradation, as (N64 format, size) codes
CODES = {"rgba16": (0, 2), "rgba32": (0, 3), "ia16": (3, 2), "ia8": (3, 1), "ia4": (3, 0), "i8": (4, 1), "i4": (4, 0),
         "ci4": (2, 0), "ci8": (2, 1), "psx-c16": (0, 2), "psx-p4": (2, 0), "psx-p8": (2, 1)}


@dataclass
class Case:
    name: str
    set: str
    hr: np.ndarray  # target RGB float
    weight: np.ndarray
    lr: np.ndarray
    fmt: str  # the console format the dump was stored in (texpack/train/degrade.py names)


def load_images(colobot: Path | None) -> list[tuple[str, str, np.ndarray]]:
    out = []
    if colobot is not None and colobot.is_dir():
        for p in sorted(colobot.rglob("*.png")):
            out.append(("colobot", p.stem, np.asarray(Image.open(p).convert("RGBA"))))
    try:
        import skimage

        folder = Path(skimage.__file__).parent / "data"
        for p in sorted(folder.iterdir()):
            if p.suffix in (".png", ".jpg") and "GRAY" not in p.name:
                im = Image.open(p)
                if im.mode in ("RGB", "RGBA", "P"):
                    out.append(("scikit-image", p.stem, np.asarray(im.convert("RGBA"))))
    except ImportError:
        print("(scikit-image not installed: photographs left out)")
    return out


def make_cases(images, seed: int = 2026, kernel: str | None = None, dump_format: str | None = None) -> list[Case]:
    """One case per usable image; ``kernel`` forces every case's downscale and ``dump_format`` every
    case's dump format (the rest stays as the seed picks it), else each is picked per case."""
    rng = np.random.default_rng(seed)
    cases = []
    for i, (set_name, _stem, img) in enumerate(images):
        h, w = img.shape[:2]
        f = max(h, w) / SIDE
        if f > 1:
            img = np.asarray(Image.fromarray(img).resize((max(4, round(w / f)), max(4, round(h / f))), Image.Resampling.BOX))
        h, w = img.shape[:2]
        img = img[: h - h % 4, : w - w % 4]
        if min(img.shape[:2]) < 16 or img[..., :3].std() < 4:
            continue
        recipe = pick_recipe(rng)
        if kernel is not None:
            recipe = replace(recipe, downscale=kernel)
        if dump_format is not None:
            recipe = replace(recipe, fmt=dump_format)
        pair = make_pair(img, 4, recipe)
        fmt, siz = CODES[recipe.fmt]
        crc = f"{((i + 1) * 2654435761) & 0xFFFFFFFF:08X}"  # never 0: GLideN64 skips CRC 0
        if fmt == 2:
            name = f"{IDENT}#{crc}#{fmt}#{siz}#{(i * 40503) & 0xFFFFFFFF:08X}_ciByRGBA.png"
        else:
            name = f"{IDENT}#{crc}#{fmt}#{siz}_all.png"
        cases.append(Case(name, set_name, pair.hr, pair.weight, pair.lr, recipe.fmt))
    return cases


def write_dump(cases: list[Case], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for c in cases:
        lr = np.clip(c.lr * 255 + 0.5, 0, 255).astype(np.uint8)
        a = np.full(lr.shape[:2], 255, np.uint8)
        vis = c.weight[::4, ::4] > 0.5
        a[~vis] = 0
        fmt = int(c.name.split("#")[2])
        if fmt == 4:
            a = lr[..., 0]  # I formats dump as (I,I,I,I)
        (folder / c.name).write_bytes(encode_png(np.dstack([lr, a])))


def build(dump: Path, out: Path, args: list[str]) -> float:
    start = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "texpack", "build", str(dump), "--out", str(out), *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"texpack build {' '.join(args)} failed:\n{p.stdout}\n{p.stderr[-2000:]}")
    return time.perf_counter() - start


def measure(cases: list[Case], pack: Path) -> list[tuple[float, float, float]]:
    """(PSNR, sharpness, grid) of each case's pack file, in the order of ``cases``."""
    out = []
    for c in cases:
        img = load_rgba(pack / "hires_texture" / IDENT / c.name)[..., :3].astype(np.float32) / 255
        out.append((psnr(img, c.hr, c.weight, cap=PSNR_CAP), sharpness(img, c.hr, c.weight), grid_artifact(img, c.hr, c.weight)))
    return out


def score(cases: list[Case], values: list[tuple[float, float, float]], key=lambda c: c.set) -> dict:
    """Mean PSNR, median sharpness and median grid per group of cases (by set unless ``key``)."""
    groups: dict = {}
    for c, v in zip(cases, values, strict=True):
        groups.setdefault(key(c), []).append(v)
    res = {}
    for k, vs in groups.items():
        ps, ss, gs = zip(*vs, strict=True)
        res[k] = summarise(list(ps), list(ss))
        res[k]["grid"] = float(np.nanmedian(gs))
    return res


def draw_grid(cases: list[Case], packs: dict[str, Path], dest: Path, n: int = 12, cell: int = 128) -> None:
    """Rows of texture: dump (nearest), each method, truth."""
    picks = cases[:: max(1, len(cases) // n)][:n]
    cols = ["dump"] + list(packs) + ["truth"]
    label_h = 18
    grid = np.full((label_h + len(picks) * (cell + 4), len(cols) * (cell + 4), 3), 24, np.uint8)
    for r, c in enumerate(picks):
        y = label_h + r * (cell + 4)
        lr8 = np.clip(c.lr * 255 + 0.5, 0, 255).astype(np.uint8)
        tiles = [lr8.repeat(4, 0).repeat(4, 1)]
        tiles += [load_rgba(p / "hires_texture" / IDENT / c.name)[..., :3] for p in packs.values()]
        tiles.append(np.clip(c.hr * 255 + 0.5, 0, 255).astype(np.uint8))
        for k, t in enumerate(tiles):
            # the middle cell x cell crop at full size: detail is what matters, not the whole texture
            h, w = t.shape[:2]
            y0, x0 = max(0, (h - cell) // 2), max(0, (w - cell) // 2)
            crop = t[y0 : y0 + cell, x0 : x0 + cell]
            grid[y : y + crop.shape[0], k * (cell + 4) : k * (cell + 4) + crop.shape[1]] = crop
    img = Image.fromarray(grid)
    try:
        from PIL import ImageDraw

        d = ImageDraw.Draw(img)
        for k, name in enumerate(cols):
            d.text((k * (cell + 4) + 3, 3), name, fill=(230, 230, 230))
    except Exception:  # noqa: BLE001 - labels are a nicety
        pass
    dest.parent.mkdir(parents=True, exist_ok=True)
    img.save(dest)


def run_methods(cases: list[Case], methods: dict[str, list[str]], grid: Path | None = None) -> tuple[list, dict]:
    """Build the cases' dump with every method: ([(label, score by set, seconds)], {label: score by (set, format)})."""
    rows, packs, per_format = [], {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        dump = tmp / "dump" / "texture_dump" / IDENT / "GLideNHQ"
        write_dump(cases, dump)
        for k, (label, margs) in enumerate(methods.items()):
            out = tmp / f"pack{k}"
            seconds = build(dump.parent, out, margs)
            values = measure(cases, out)
            rows.append((label, score(cases, values), seconds))
            per_format[label] = score(cases, values, key=lambda c: (c.set, c.fmt))
            packs[label.split(" (")[0]] = out  # the grid's column title: the label without its remark
        if grid:
            draw_grid(cases, packs, grid)
    return rows, per_format


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--colobot", type=Path, help="colobot-common-textures unpacked with dpkg -x")
    ap.add_argument("--method", action="append", default=[], metavar="LABEL=ARGS",
                    help="extra method: a label and texpack build arguments, e.g. 'sharp=--model texpack-textures-x4 --detail 1'")
    ap.add_argument("--grid", type=Path)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N textures")
    ap.add_argument("--by-format", action="store_true",
                    help="also print PSNR per set and dump format, as the gain over bicubic (where a model helps)")
    ap.add_argument("--kernel", choices=DOWNSCALE_KERNELS, default=None,
                    help="downscale every texture with this kernel (default: area or bilinear, picked per texture)")
    ap.add_argument("--format", choices=(*CODES, "each"), default=None,
                    help="store every texture in this dump format (default: one picked per texture), so a format is "
                    "measured on every texture; 'each': every format in turn, printed as the --by-format table")
    ap.add_argument("--brief", action="store_true", help="of the built-in methods run bicubic only (beside the --method ones)")
    args = ap.parse_args()
    methods = {"bicubic": ["--model", "bicubic"], "nearest": ["--model", "nearest"], "realesr-animevideov3-x4 (old default)": ["--model", "realesr-animevideov3-x4"]}
    if args.brief:
        methods = {"bicubic": methods["bicubic"]}
    for m in args.method:
        label, _, rest = m.partition("=")
        methods[label] = rest.split()
    images = load_images(args.colobot)
    rows: list = []
    per_format: dict[str, dict] = {label: {} for label in methods}
    for fmt in CODES if args.format == "each" else (args.format,):
        cases = make_cases(images, kernel=args.kernel, dump_format=fmt)
        if args.limit:
            cases = cases[: args.limit]
        rows, by_fmt = run_methods(cases, methods, None if args.format == "each" else args.grid)
        for label, res in by_fmt.items():
            per_format[label].update(res)
    sets = sorted({c.set for c in cases})
    counts = {s: sum(1 for c in cases if c.set == s) for s in sets}
    flags = next((ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo") if ln.startswith("flags")), []) if Path("/proc/cpuinfo").exists() else []
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"avx512_bf16 {'avx512_bf16' in flags}, amx {'amx_bf16' in flags}; "
          + ", ".join(f"{s}: {n} textures" for s, n in counts.items())
          + f"; x4, dump-like degradation, downscale {args.kernel or 'area or bilinear per texture'}"
          + f", format {args.format or 'picked per texture'}")
    if args.format != "each":
        print()
        head = " | ".join(f"{s} PSNR | {s} sharpness | {s} grid" for s in sets)
        print(f"| method | {head} | build s | textures/s |")
        print("|---|" + "---|" * (3 * len(sets)) + "---|---|")
        for label, res, seconds in rows:
            cells = " | ".join(f"{res[s]['psnr']:.2f} dB | {res[s]['sharpness']:.2f} | {res[s]['grid']:.2f}" for s in sets)
            print(f"| {label} | {cells} | {seconds:.1f} | {len(cases) / seconds:.1f} |")
    if args.by_format or args.format == "each":
        print_by_format(per_format)


def print_by_format(per_format: dict[str, dict]) -> None:
    """PSNR per (set, format): bicubic's, then each other method's gain over it."""
    base = per_format["bicubic"]
    others = [m for m in per_format if m != "bicubic"]
    print()
    print("| set | format | textures | bicubic PSNR | " + " | ".join(others) + " |")
    print("|---|---|---|---|" + "---|" * len(others))
    for key in sorted(base):
        gains = " | ".join(f"{per_format[m][key]['psnr'] - base[key]['psnr']:+.2f} dB" for m in others)
        print(f"| {key[0]} | {key[1]} | {base[key]['n']} | {base[key]['psnr']:.2f} dB | {gains} |")


if __name__ == "__main__":
    main()
