"""One way to write a file so that it is either the old one or the complete new one.

Write to a short temporary name in the same folder, fsync it, rename it over the target,
then fsync the folder so the rename itself survives a power loss. The temporary name
starts with ``.``, which GLideN64, Rice and DuckStation all skip while scanning a pack
(docs/formats/n64.md "GLideN64 load side", docs/formats/ps1.md "Discovery"), and is
short so that a target name near the file-system's length limit still fits.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from texpack.errors import PackError

TMP_PREFIX = ".texpack-tmp-"


def temp_name(path: Path) -> Path:
    return path.with_name(f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}")


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable; a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces ``path`` durably, else it vanishes.

    Disk-full, permission and other OS errors become :class:`PackError` naming the file.
    """
    path = Path(path)
    tmp = temp_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as e:
        _discard(tmp)
        raise PackError(path.name, f"cannot write ({e.strerror or e})") from e
    except BaseException:
        _discard(tmp)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    with atomic_output(path) as f:
        f.write(data)


def _discard(tmp: Path) -> None:
    try:
        tmp.unlink(missing_ok=True)
    except OSError:
        pass


def remove_temps(folder: Path) -> int:
    """Delete temp files a killed run left in ``folder``; returns how many.

    Call it only while holding the pack's lock (:class:`texpack.state.PackLock`): then no
    other run can own a temp file there.
    """
    n = 0
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    for p in folder.rglob(TMP_PREFIX + "*"):
        try:
            if p.is_file() and not p.is_symlink():
                p.unlink()
                n += 1
        except OSError:
            pass
    return n
