"""Shared by the benchmark scripts: the repository's ``ROOT``, the full MNIST, and printing a result
table and writing it to its file atomically."""

from __future__ import annotations

from pathlib import Path

from lessons_lib.files import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]


def publish(table: str, path: Path) -> None:
    """Print ``table`` and write it to ``path`` (a temporary file, then a rename: never half-written)."""
    print(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, table)
    print(f"written to {path}")


def full_mnist():
    """The full MNIST ``(x_train, y_train), (x_test, y_test)``, or exit with a message.

    A benchmark's numbers are quoted by the lessons, which train on the full 60,000 digits: numbers
    measured on the bundled 10,000-digit sample would be silently wrong, so a benchmark refuses it.
    """
    import sys

    from lessons_lib.data import load_mnist_with_source

    data, source = load_mnist_with_source()
    if source == "sample":
        sys.exit("benchmark: only the bundled 10,000-digit MNIST sample is available; the lessons' numbers "
                 "are measured on the full set. Set LESSONS_MNIST=/path/to/mnist.npz "
                 "(on the course machine: ../shared/data/mnist.npz).")
    return data
