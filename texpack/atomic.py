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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's live process, or a platform that cannot tell: leave it
    return True


def remove_dead_temps(folder: Path) -> int:
    """Delete, in ``folder`` only, temp files of texpack processes that no longer run (a
    killed install or profile write); returns how many. A temp name carries its writer's
    pid (:func:`temp_name`), so a live writer's file is never touched, lock or no lock."""
    n = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(TMP_PREFIX):
            continue
        pid = entry.name[len(TMP_PREFIX) :].split("-", 1)[0]
        try:
            if pid.isdigit() and entry.is_file(follow_symlinks=False) and not _pid_alive(int(pid)):
                os.unlink(entry.path)
                n += 1
        except OSError:
            pass
    return n
