"""Shared by the benchmark scripts: print a result table and write it to its file atomically."""

from __future__ import annotations

import os
from pathlib import Path


def publish(table: str, path: Path) -> None:
    """Print ``table`` and write it to ``path`` (a temporary file, then a rename: never half-written)."""
    print(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".tmp_" + path.name)
    tmp.write_text(table)
    os.replace(tmp, path)
    print(f"written to {path}")
