"""Files texpack keeps inside a pack or profile folder, opened so that no planted link is followed.

A pack may come from someone else. A symbolic link where texpack expects its own file
(``.texpack/lock``, ``.texpack/state.sqlite``, ``review-seen-*``) or its own folder
(``.texpack/``) would otherwise send texpack's writes to whatever file the link names: a
truncated lock file could be a user's notes. So texpack's own files are opened with
``O_NOFOLLOW`` (or replaced by rename, which replaces a link itself), its own folders are
checked with ``lstat``, and a link there is an error naming the file, never followed.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from texpack.errors import PackError

O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # 0 on Windows, where creating links needs privileges
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_LINK_ERRNOS = {errno.ELOOP, getattr(errno, "EMLINK", -1), getattr(errno, "EFTYPE", -1)}
LINK_REASON = "is a symbolic link where texpack keeps its own file; texpack never follows links in a pack (remove it)"


def refuse_link(path: Path) -> None:
    """:class:`PackError` if ``path`` exists and is a symbolic link."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as e:
        raise PackError(str(path), f"cannot be checked ({e.strerror or e})") from e
    if stat.S_ISLNK(st.st_mode):
        raise PackError(str(path), LINK_REASON)


def own_dir(path: Path, base: Path | None = None) -> Path:
    """Make ``path`` (a folder texpack owns) if needed; it must be a real folder, not a link,
    and so must every folder between ``base`` (when given) and it."""
    path = Path(path)
    if base is not None:
        parts = path.relative_to(base).parts[:-1]
        for i in range(len(parts)):
            own_dir(Path(base, *parts[: i + 1]))
    refuse_link(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError as e:
        raise PackError(str(path), "is not a folder") from e
    except OSError as e:
        raise PackError(str(path), f"cannot create ({e.strerror or e})") from e
    refuse_link(path)  # made by someone else between the check and mkdir
    if not path.is_dir():
        raise PackError(str(path), "is not a folder")
    return path


def open_own(path: Path, flags: int, mode: int = 0o644) -> int:
    """``os.open`` that refuses a link at ``path`` and anything but a regular file."""
    try:
        fd = os.open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode)
    except OSError as e:
        if e.errno in _LINK_ERRNOS:
            raise PackError(str(path), LINK_REASON) from e
        if e.errno == errno.EISDIR:
            raise PackError(str(path), "is a folder where texpack keeps a file (remove it)") from e
        raise PackError(str(path), f"cannot open ({e.strerror or e})") from e
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise PackError(str(path), "is not a regular file where texpack keeps a file (remove it)")
    return fd


def read_own_bytes(path: Path, limit: int) -> bytes | None:
    """The bytes of a file texpack keeps in a pack, or None when it is missing, unreadable,
    not a regular file (a link, a FIFO, a device) or longer than ``limit``."""
    try:
        fd = open_own(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except PackError:
        return None
    try:
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        return None
    except OSError:
        return None
    finally:
        os.close(fd)


def read_bounded(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most ``limit`` of them (links are followed: callers check
    where the path leads). OSError for a FIFO, device or folder, and for a longer file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
    return data


def read_own_text(path: Path, limit: int = 4096) -> str | None:
    """At most ``limit`` bytes of texpack's own small file as text, or None (see :func:`read_own_bytes`)."""
    data = read_own_bytes(path, limit)
    return None if data is None else data.decode("utf-8", "replace")
