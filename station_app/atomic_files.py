"""Every file the app writes (evidence, PDFs, backups) goes to disk whole or not at all.

The one recipe: write a temporary file in the target's folder, fsync it, rename it over the
target, fsync the folder. After a power cut a reader finds either the old file or the new one,
never a torn one, and a file the app reported as written is still there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

TEMPORARY_PREFIX = ".incoming-"


def fsync_directory(folder: Path) -> None:
    """Make the names in `folder` (a rename, a new file) durable.

    Windows cannot open a folder for fsync; NTFS journals its metadata, so there is nothing to do.
    """
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFile:
    """A temporary file being written; `commit(target)` puts it in place durably."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=TEMPORARY_PREFIX)
        self.path = Path(name)
        self.file: BinaryIO = os.fdopen(fd, "wb")
        self._done = False

    def commit(self, target: Path) -> None:
        """fsync, rename over `target` (same file system), fsync the folder(s)."""
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path, target)
        self._done = True
        fsync_directory(target.parent)
        if target.parent != self.path.parent:
            fsync_directory(self.path.parent)

    def discard(self) -> None:
        if not self.file.closed:
            self.file.close()
        if not self._done:
            self.path.unlink(missing_ok=True)
            self._done = True


@contextmanager
def atomic_file(folder: Path) -> Iterator[AtomicFile]:
    """Write into `.file`, then call `.commit(target)`; without a commit nothing is left behind."""
    pending = AtomicFile(folder)
    try:
        yield pending
    finally:
        pending.discard()


def _is_special(target: Path) -> bool:
    """A device, pipe or socket (e.g. /dev/stdout): written in place, never renamed over."""
    try:
        return target.exists() and not target.is_file()
    except OSError:
        return False


def write_bytes_atomically(target: Path, data: bytes) -> None:
    """`data` durably at `target`; a half-written file never carries the name."""
    if _is_special(target):
        with target.open("wb") as out:
            out.write(data)
        return
    with atomic_file(target.parent) as pending:
        pending.file.write(data)
        pending.commit(target)


def copy_file_atomically(source: Path, target: Path) -> None:
    """A durable copy of `source` at `target` (a half-written copy never carries the name)."""
    if _is_special(target):
        with source.open("rb") as src, target.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        return
    with atomic_file(target.parent) as pending, source.open("rb") as src:
        shutil.copyfileobj(src, pending.file, 1 << 20)
        pending.commit(target)


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files a power cut left behind in `folder`."""
    for leftover in folder.glob(TEMPORARY_PREFIX + "*"):
        leftover.unlink(missing_ok=True)
