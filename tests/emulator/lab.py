"""The emulator tests' bench: the ROM, the plugins, dumps, packs and runs, each made once.

A `Lab` runs mupen64plus only when a test first asks for a result and keeps it, so the
whole three-plugin loop is about a dozen short emulator runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from texpack.imageio import encode_png, load_rgba

from . import emu, gliden64
from .rom import MIRROR, NAME, WRAP, Rom, Texture, build_rom

PLUGINS = ("rice", "glide64mk2", "gliden64")
# Which plugin's dump a pack is built from, and for which texpack target. Glide64mk2 has no
# dump of its own in Rice's layout: it reads Rice packs (GlideHQ's "Rice format").
DUMP_FROM = {"rice": "rice", "glide64mk2": "rice", "gliden64": "gliden64"}
TARGET = {"rice": "rice", "glide64mk2": "rice", "gliden64": "gliden64"}
SCALE = emu.RESOLUTION[0] // 320  # screen pixels per ROM pixel
FRAME = 8  # the frame the checks look at: the ROM draws the same list every frame


@dataclass
class Runs:
    base: np.ndarray  # hi-res loading on, no pack
    base_again: np.ndarray
    probe: np.ndarray  # the pack's names and sizes, checkerboard pixels
    pack: np.ndarray  # texpack's pack
    pack_run: emu.Run


def texpack(*args: str) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, "-m", "texpack", *args], capture_output=True, text=True, check=False)
    if res.returncode:
        raise AssertionError(f"texpack {' '.join(args)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res


def checkerboard(w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    on = ((xx // 2 + yy // 2) & 1).astype(bool)
    px = np.zeros((h, w, 4), np.uint8)
    px[on] = (255, 0, 255, 255)
    px[~on] = (0, 255, 0, 255)
    return px


def screenshot(run: emu.Run, frame: int = FRAME) -> np.ndarray:
    if frame not in run.shots:
        raise AssertionError(f"no screenshot at frame {frame} in {run.home} (exit {run.returncode}); "
                             f"log tail:\n{run.log[-2000:]}")
    return np.asarray(Image.open(run.shots[frame]).convert("RGB"))


class Lab:
    def __init__(self, root: Path, display: emu.Display):
        self.root = root
        self.display = display
        self.rom: Rom = build_rom()
        self.rom_file = root / f"{NAME.lower()}.z64"
        self.rom_file.write_bytes(self.rom.data)
        self._plugins: dict[str, emu.Plugin] = {}
        self._dumps: dict[str, emu.Run] = {}
        self._packs: dict[str, Path] = {}
        self._probes: dict[str, Path] = {}
        self._runs: dict[str, Runs] = {}

    def plugin(self, name: str) -> emu.Plugin:
        if name not in self._plugins:
            if name == "rice":
                p = emu.Plugin("rice", "mupen64plus-video-rice")
            elif name == "glide64mk2":
                p = emu.Plugin("glide64mk2", "mupen64plus-video-glide64mk2", preload=emu.build_shim(self.root))
            else:
                archive = gliden64.source_archive()
                if archive is None:
                    raise LookupError("no GLideN64 source archive (../shared/emu/GLideN64-*.tar.xz or TEXPACK_GLIDEN64_SRC)")
                with open(self.root / "gliden64-build.log", "wb") as log:
                    p = emu.Plugin("gliden64", str(gliden64.build(archive, log=log)))
            self._plugins[name] = p
        return self._plugins[name]

    def run(self, plugin: str, label: str, pack: Path | None = None, dump=False, hires=True,
            frames=(FRAME,)) -> emu.Run:
        home = emu.new_home(self.root, f"{plugin}-{label}")
        if pack is not None:
            texpack("install", str(pack), "--into", str(home / "data" / "mupen64plus"))
        return emu.run(self.rom_file, self.plugin(plugin), home, self.display, frames=frames, dump=dump, hires=hires)

    def dump(self, plugin: str) -> emu.Run:
        """A run with the plugin's texture dumping on."""
        if plugin not in self._dumps:
            self._dumps[plugin] = self.run(plugin, "dump", dump=True, hires=False)
        return self._dumps[plugin]

    def dump_folder(self, plugin: str) -> Path:
        return self.dump(plugin).data / "texture_dump" / NAME

    def pack(self, plugin: str) -> Path:
        """texpack's pack for this plugin, built from the right dump with the default model."""
        source, target = DUMP_FROM[plugin], TARGET[plugin]
        if target not in self._packs:
            out = self.root / f"pack-{target}"
            texpack("build", str(self.dump_folder(source)), "--target", target, "--out", str(out))
            self._packs[target] = out
        return self._packs[target]

    def probe(self, plugin: str) -> Path:
        """The pack's names and sizes with checkerboard pixels: shows every name loads."""
        target = TARGET[plugin]
        if target not in self._probes:
            pack = self.pack(plugin)
            out = self.root / f"probe-{target}"
            shutil.rmtree(out, ignore_errors=True)
            for f in pack_files(pack):
                rel = f.relative_to(pack)
                h, w = load_rgba(f).shape[:2]
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                (out / rel).write_bytes(encode_png(checkerboard(w, h)))
            self._probes[target] = out
        return self._probes[target]

    def runs(self, plugin: str) -> Runs:
        if plugin not in self._runs:
            base = screenshot(self.run(plugin, "base"))
            again = screenshot(self.run(plugin, "base-again"))
            probe = screenshot(self.run(plugin, "probe", pack=self.probe(plugin)))
            pack_run = self.run(plugin, "pack", pack=self.pack(plugin))
            self._runs[plugin] = Runs(base, again, probe, screenshot(pack_run), pack_run)
        return self._runs[plugin]

    def background(self, plugin: str) -> np.ndarray:
        """The fill colour as this plugin shows it: the commonest colour of the base frame."""
        px = self.runs(plugin).base.reshape(-1, 3)
        colours, counts = np.unique(px, axis=0, return_counts=True)
        return colours[counts.argmax()]

    def texture_file(self, plugin: str, t: Texture) -> Path:
        """The pack file the plugin draws for ROM texture ``t`` (matched by the dump's pixels).
        Rice keeps one file per CRC and palette whatever the format, so texpack leaves the
        second format out of a Rice pack and Rice draws the first one's file for both."""
        if TARGET[plugin] == "rice" and t.same_bytes_as:
            t = next(o for o in self.rom.textures if o.label == t.same_bytes_as)
        return match_dump(self.dump_folder(DUMP_FROM[plugin]), t, self.pack(plugin))


def pack_files(pack: Path) -> list[Path]:
    return sorted(p for p in (pack / "hires_texture").rglob("*.png") if p.is_file())


def dump_files(folder: Path) -> list[Path]:
    """The dump's full-colour pictures (Rice's bmp and rgb/a splits are copies of these)."""
    return sorted(p for p in folder.rglob("*.png")
                  if p.name.endswith(("_all.png", "_ciByRGBA.png")))


def texture_name_parts(t: Texture) -> str:
    """The #F#S part of a dump name for this texture."""
    return f"#{t.fmt}#{t.size}"


def match_dump(folder: Path, t: Texture, pack: Path | None = None) -> Path:
    """The dump file holding ROM texture ``t``: its format and size in the name and the
    picture closest to what the ROM encoded; with ``pack``, the pack file of that name."""
    want = np.array(t.rgba, np.int16).reshape(t.h, t.w, 4)
    best, best_err = None, None
    for f in dump_files(folder):
        if texture_name_parts(t) not in f.name:
            continue
        px = load_rgba(f).astype(np.int16)
        if px.shape != want.shape:
            continue
        err = int(np.abs(px - want).max())
        if best_err is None or err < best_err:
            best, best_err = f, err
    if best is None:
        raise AssertionError(f"no dump of {t.label} ({t.w}x{t.h}, #{t.fmt}#{t.size}) in {folder}")
    if pack is None:
        return best
    found = [p for p in pack_files(pack) if p.name == best.name]
    if not found:
        raise AssertionError(f"texpack's pack has no {best.name} (for {t.label})")
    return found[0]


def rect(t: Texture) -> tuple[slice, slice]:
    x0, y0, x1, y1 = t.rect
    return slice(y0 * SCALE, y1 * SCALE), slice(x0 * SCALE, x1 * SCALE)


def expected_region(t: Texture, pack_rgba: np.ndarray, background: np.ndarray) -> np.ndarray:
    """What the plugin should draw in ``t``'s rectangle from the pack image: the image at one
    texel per screen pixel, repeated (wrapped or mirrored) over a larger rectangle, blended
    over the background by its alpha (the ROM's G_RM_XLU_SURF)."""
    img = pack_rgba.astype(np.float64)
    if t.repeat > 1:
        rows = []
        for j in range(t.repeat):
            row = []
            for i in range(t.repeat):
                tile = img
                if t.wrap == MIRROR:
                    tile = tile[:, ::-1] if i % 2 else tile
                    tile = tile[::-1] if j % 2 else tile
                elif t.wrap != WRAP:
                    raise ValueError(t.wrap)
                row.append(tile)
            rows.append(np.concatenate(row, axis=1))
        img = np.concatenate(rows, axis=0)
    a = img[..., 3:4] / 255.0
    return img[..., :3] * a + background.astype(np.float64) * (1 - a)


def four_panel(dest: Path, emulator: np.ndarray, expected: np.ndarray, probe: np.ndarray) -> Path:
    """emulator | pack (as expected) | difference (x4) | probe, side by side."""
    diff = np.clip(np.abs(emulator.astype(np.int16) - expected.astype(np.int16)) * 4, 0, 255)
    panels = [emulator, expected, diff, probe]
    h = max(p.shape[0] for p in panels)
    out = np.zeros((h, sum(p.shape[1] + 4 for p in panels), 3), np.uint8)
    x = 0
    for p in panels:
        out[: p.shape[0], x: x + p.shape[1]] = np.clip(p, 0, 255).astype(np.uint8)
        x += p.shape[1] + 4
    dest.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(out).save(dest)
    return dest
