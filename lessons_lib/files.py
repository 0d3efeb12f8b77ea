"""Writing files so that an interruption never leaves a half-written one: the course's one atomic write.

A write goes to a hidden temporary file in the target's folder (``.<name>.<random>.tmp<suffix>``),
which is renamed over the target only once it is complete. The file gets the permissions a
plain ``open()`` would give it (``0o666`` less the user's umask), so a cache that an instructor
fills on a shared machine stays readable by the students.

Used by the model cache (:mod:`lessons_lib.cache`), the GAN's sample grids
(:mod:`lessons_lib.callbacks`), and the scripts and benchmarks that write pages and tables.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "TEMPORARY_MARK",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_npz",
    "atomic_write_text",
    "remove_stale_temporaries",
]

#: Every temporary file of :func:`atomic_write` has this in its name (``.model.x1y2.tmp.keras``).
TEMPORARY_MARK = ".tmp"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary_prefix(path: Path) -> str:
    return f".{path.stem}."


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    When ``write`` raises (an error, a full disk, a ``KeyboardInterrupt``) the temporary file is
    removed, ``path`` keeps its old content (or stays absent) and the exception propagates.
    Returns ``path`` as a :class:`~pathlib.Path`.
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    if not callable(write):
        raise TypeError(f"write must be a callable taking the temporary path, got {write!r}")
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"path must be a file name, but {path} is a folder")
    fd, tmp_name = tempfile.mkstemp(
        prefix=_temporary_prefix(path), suffix=f"{TEMPORARY_MARK}{path.suffix}", dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600: give the file a plain open()'s mode
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_npz(
    path: str | os.PathLike[str], arrays: Mapping[str, Any], *, compressed: bool = False
) -> Path:
    """Write ``arrays`` (names to NumPy arrays) to ``path`` as an ``.npz`` file atomically (see
    :func:`atomic_write`): the cache's array members, the shipped digit classifier, benchmark samples."""
    import numpy as np

    if not isinstance(arrays, Mapping):
        raise TypeError(f"arrays must be a dict of names to arrays, got {type(arrays).__name__}")
    save = np.savez_compressed if compressed else np.savez

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            save(handle, **arrays)

    return atomic_write(path, write)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write`)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def remove_stale_temporaries(path: str | os.PathLike[str], *, older_than: float = 0.0) -> list[Path]:
    """Delete the temporary files that killed writes of ``path`` left behind; return them.

    Only files named like :func:`atomic_write`'s temporaries *for this path* are touched, and only
    those last modified more than ``older_than`` seconds ago. Call it while no other process can be
    writing ``path`` (the cache holds the entry's lock).
    """
    from lessons_lib.checks import check_number

    check_number(older_than, "older_than", low=0, what="number of seconds")
    path = Path(path)
    if not path.parent.is_dir():
        return []
    now = time.time()
    removed = []
    prefix, suffix = _temporary_prefix(path), f"{TEMPORARY_MARK}{path.suffix}"
    for candidate in path.parent.glob(f"{prefix}*{suffix}"):
        middle = candidate.name[len(prefix) : -len(suffix)]
        if "." in middle:  # another entry's temporary (its name only starts like this one's)
            continue
        try:
            if now - candidate.stat().st_mtime >= older_than:
                candidate.unlink()
                removed.append(candidate)
        except OSError:  # gone already, or not ours to delete: leave it
            continue
    return removed
