"""Build the GLideN64 mupen64plus plugin once, from the source archive the workplace keeps.

GLideN64 is not in Debian, so the emulator tests build it (1.5-4 minutes on 2 cores) into a
cache folder and reuse it while the archive is unchanged. Only build commands are run here;
no GLideN64 code is in this repository. Build facts: ../shared/emu/README.md.

    python -m tests.emulator.gliden64      # build now and print the plugin's path
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "mupen64plus-video-GLideN64.so"

# GLideNHQ links the CMake target zstd::libzstd_static, and Debian's libzstd.a is not built
# position-independent, so a shared plugin cannot link it: point the target at libzstd.so.
ZSTD_CONFIG = """\
find_library(TEXPACK_ZSTD_SO NAMES libzstd.so zstd REQUIRED)
if(NOT TARGET zstd::libzstd_static)
  add_library(zstd::libzstd_static SHARED IMPORTED)
  set_target_properties(zstd::libzstd_static PROPERTIES IMPORTED_LOCATION "${TEXPACK_ZSTD_SO}")
endif()
set(ZSTD_FOUND TRUE)
"""


class BuildError(RuntimeError):
    pass


def source_archive() -> Path | None:
    """TEXPACK_GLIDEN64_SRC, or the archive in the workplace's shared/emu folder."""
    env = os.environ.get("TEXPACK_GLIDEN64_SRC")
    if env:
        return Path(env)
    for folder in (ROOT.parent / "shared" / "emu", ROOT / "shared" / "emu"):
        found = sorted(folder.glob("GLideN64-*.tar.xz")) if folder.is_dir() else []
        if found:
            return found[-1]
    return None


def cache_root() -> Path:
    env = os.environ.get("TEXPACK_EMU_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "texpack-tests"


def build(archive: Path, cache: Path | None = None, log=None) -> Path:
    """The built plugin for this archive, building it first if the cache lacks it."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    folder = (cache or cache_root()) / f"gliden64-{digest}"
    plugin = folder / PLUGIN
    if plugin.is_file():
        return plugin
    work = folder.with_name(folder.name + ".work")
    shutil.rmtree(work, ignore_errors=True)
    (work / "src").mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(work / "src", filter="data")
    (work / "zstd").mkdir()
    (work / "zstd" / "ZSTDConfig.cmake").write_text(ZSTD_CONFIG)
    (work / "zstd" / "zstdConfig.cmake").write_text(ZSTD_CONFIG)
    out = log or subprocess.DEVNULL
    configure = ["cmake", "-S", str(work / "src" / "src"), "-B", str(work / "build"),
                 "-DCMAKE_BUILD_TYPE=Release", "-DMUPENPLUSAPI=On", "-DNOHQ=Off", "-DNO_OSD=On",
                 "-DUSE_SYSTEM_LIBS=On", "-DUSE_IPO=Off", f"-DZSTD_DIR={work / 'zstd'}",
                 f"-Dzstd_DIR={work / 'zstd'}"]
    for cmd in (configure, ["cmake", "--build", str(work / "build"), "-j", str(os.cpu_count() or 2)]):
        res = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
        if res.returncode:
            raise BuildError(f"GLideN64 build failed ({' '.join(cmd[:3])}...): exit {res.returncode}")
    built = next(iter(sorted((work / "build").rglob(PLUGIN))), None)
    if built is None:
        raise BuildError(f"GLideN64 build made no {PLUGIN}")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = plugin.with_suffix(".part")
    shutil.copy2(built, tmp)
    os.replace(tmp, plugin)
    shutil.rmtree(work, ignore_errors=True)
    return plugin


if __name__ == "__main__":
    src = source_archive()
    if src is None:
        sys.exit("no GLideN64 source archive: set TEXPACK_GLIDEN64_SRC")
    print(build(src, log=None if "-q" in sys.argv else sys.stderr))
