"""Run Debian's mupen64plus headless on a ROM, with one video plugin, and collect what it made.

Facts this relies on (../shared/specs/n64-free-test-rom.md, issue notes):
- our own Xvfb on a free display (`-displayfd`), and `timeout -s KILL` on mupen64plus itself;
- separate XDG_DATA_HOME / XDG_CACHE_HOME / XDG_CONFIG_HOME per run, so dumps, packs and
  configuration never leak between runs or into the user's folders;
- `--testshots` frames count once per graphics task (core `new_frame()` in `do_SP_Task`);
- Glide64mk2 needs `wrpAnisotropic=False` under llvmpipe and reads GL_FRONT for screenshots,
  which is black under Xvfb: a small LD_PRELOAD shim (built here, from our own 10 lines of C)
  turns `glReadBuffer(GL_FRONT)` into `GL_BACK`;
- GLideN64 dumps only with `txHiresEnable` as well as `txDump`, and wants absolute paths.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MUPEN = shutil.which("mupen64plus") or "/usr/games/mupen64plus"
PLUGIN_DIR = Path("/usr/lib/x86_64-linux-gnu/mupen64plus")
RESOLUTION = (1280, 960)  # 4x the ROM's 320x240: a 4x pack texel is one screen pixel

SHIM_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
/* Screenshots read GL_FRONT, which Xvfb leaves black; the frame is still in GL_BACK. */
void glReadBuffer(unsigned int mode) {
  static void (*real)(unsigned int);
  if (!real) real = (void (*)(unsigned int))dlsym(RTLD_NEXT, "glReadBuffer");
  real(mode == 0x0404u ? 0x0405u : mode);
}
"""


def missing_tools() -> list[str]:
    """What a machine lacks to run these tests (empty when it has everything)."""
    need = {"mupen64plus (mupen64plus-ui-console)": Path(MUPEN).is_file(),
            "Xvfb (xvfb)": shutil.which("Xvfb") is not None,
            "cc (gcc)": shutil.which("cc") is not None}
    for name in ("rsp-hle", "video-rice", "video-glide64mk2"):
        need[f"mupen64plus-{name}"] = (PLUGIN_DIR / f"mupen64plus-{name}.so").is_file()
    return [k for k, ok in need.items() if not ok]


class Display:
    """A private Xvfb server; the display number is the one it picked."""

    def __init__(self) -> None:
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", "1600x1200x24", "-nolisten", "tcp"],
            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            number = f.readline().strip()
        if not number:
            self.proc.kill()
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def build_shim(folder: Path) -> Path:
    lib = folder / "readbuffer-shim.so"
    if not lib.is_file():
        src = folder / "readbuffer-shim.c"
        src.write_text(SHIM_C)
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(lib), str(src), "-ldl"], check=True)
    return lib


@dataclass
class Plugin:
    name: str  # rice, glide64mk2, gliden64
    gfx: str  # what --gfx takes: a name in the plugin folder or a path
    settings: dict[str, str] = field(default_factory=dict)
    preload: Path | None = None

    def options(self, home: Path, dump: bool, hires: bool) -> dict[str, str]:
        data = home / "data" / "mupen64plus"
        if self.name == "rice":
            return {"Video-Rice[DumpTexturesToFiles]": str(dump), "Video-Rice[LoadHiResTextures]": str(hires),
                    "Video-Rice[ScreenUpdateSetting]": "4", **self.settings}
        if self.name == "glide64mk2":
            return {"Video-Glide64mk2[wrpAnisotropic]": "False", "Video-Glide64mk2[ghq_hirs]": "1" if hires else "0",
                    "Video-Glide64mk2[ghq_cache_save]": "False",
                    # full colour (not 16-bit) and point sampling, as the ROM asks for
                    "Video-Glide64mk2[ghq_hirs_f16bpp]": "False", "Video-Glide64mk2[filtering]": "2",
                    **self.settings}
        if self.name == "gliden64":
            return {"Video-GLideN64[txHiresEnable]": str(hires or dump), "Video-GLideN64[txDump]": str(dump),
                    "Video-GLideN64[txPath]": str(data / "hires_texture"),
                    "Video-GLideN64[txDumpPath]": str(data / "texture_dump"),
                    "Video-GLideN64[txCachePath]": str(home / "cache" / "mupen64plus" / "cache"),
                    "Video-GLideN64[txSaveCache]": "True", "Video-GLideN64[txHresAltCRC]": "False",
                    **self.settings}
        raise ValueError(self.name)


@dataclass
class Run:
    home: Path
    shots: dict[int, Path]
    log: str
    returncode: int

    @property
    def data(self) -> Path:
        """mupen64plus' user data folder: texture_dump/ and hires_texture/ live here."""
        return self.home / "data" / "mupen64plus"


def new_home(parent: Path, name: str) -> Path:
    home = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=parent))
    for sub in ("data/mupen64plus", "cache", "config", "shots"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    return home


def run(rom: Path, plugin: Plugin, home: Path, display: Display, frames=(8,), dump=False,
        hires=False, timeout=90) -> Run:
    """One emulator run in ``home`` (made by new_home); screenshots at ``frames``."""
    env = {**os.environ, "DISPLAY": display.name, "XDG_DATA_HOME": str(home / "data"),
           "XDG_CACHE_HOME": str(home / "cache"), "XDG_CONFIG_HOME": str(home / "config"),
           "SDL_AUDIODRIVER": "dummy", "LIBGL_ALWAYS_SOFTWARE": "1", "HOME": str(home)}
    if plugin.preload:
        env["LD_PRELOAD"] = str(plugin.preload)
    cmd = ["timeout", "-s", "KILL", str(timeout), MUPEN, "--noosd", "--windowed", "--nosaveoptions",
           "--resolution", f"{RESOLUTION[0]}x{RESOLUTION[1]}", "--gfx", plugin.gfx,
           "--rsp", "mupen64plus-rsp-hle", "--audio", "dummy", "--input", "dummy",
           "--configdir", str(home / "config"), "--sshotdir", str(home / "shots"),
           "--testshots", ",".join(str(f) for f in frames), "--verbose"]
    for key, value in plugin.options(home, dump, hires).items():
        cmd += ["--set", f"{key}={value}"]
    cmd.append(str(rom))
    res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    log = res.stdout.decode("utf-8", "replace")
    (home / "emulator.log").write_text(log)
    found = sorted((home / "shots").glob("*.png"))
    shots = dict(zip(frames, found, strict=False)) if len(found) == len(frames) else {}
    return Run(home, shots, log, res.returncode)
