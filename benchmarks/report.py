"""Shared by the benchmark scripts: print a result table and write it to its file atomically."""

from __future__ import annotations

from pathlib import Path

from lessons_lib.files import atomic_write_text


def publish(table: str, path: Path) -> None:
    """Print ``table`` and write it to ``path`` (a temporary file, then a rename: never half-written)."""
    print(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, table)
    print(f"written to {path}")
