"""Shared by the benchmark scripts: the repository's ``ROOT``, their command-line checks
(:func:`parse_checked`), the full MNIST, the common header of a results file (:func:`results_header`),
and printing a result table and writing it to its file atomically (:func:`publish`)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lessons_lib.checks import check_positive_int, check_seed
from lessons_lib.files import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]


def parse_checked(
    parser: argparse.ArgumentParser,
    argv: list[str] | None,
    *,
    positive: Sequence[str] = (),
    seeds: Sequence[str] = (),
) -> argparse.Namespace:
    """``parser.parse_args(argv)``, then each option checked with :mod:`lessons_lib.checks`.

    ``positive``: options (``"steps"`` for ``--steps``) that hold a positive int, a list of them, or
    ``None`` (not given); ``seeds``: options that hold one seed or a list of distinct seeds. A bad
    value is ``parser.error`` (exit code 2) naming the option, e.g. "--steps must be a positive
    int, got 0".
    """
    args = parser.parse_args(argv)

    def given(name: str) -> tuple[str, list]:  # the option as typed, and its values (none if unset)
        value = getattr(args, name)
        values = [] if value is None else list(value) if isinstance(value, list) else [value]
        return f"--{name.replace('_', '-')}", values

    try:
        for option, values in map(given, positive):
            for value in values:
                check_positive_int(value, option)
        for option, values in map(given, seeds):
            for value in values:
                check_seed(value, option)
            if len(set(values)) != len(values):
                raise ValueError(f"{option} must be distinct, got {values}")
    except ValueError as error:
        parser.error(str(error))
    return args


def results_header(name: str, started: str) -> dict[str, Any]:
    """The fields every results file of ``benchmarks/<name>.py`` starts with: where, when, on what."""
    return {
        "source": f"benchmarks/{name}.py run of {started}, {os.cpu_count()} CPU cores",
        "benchmark": f"benchmarks/{name}.py",
        "measured": started,
        "cpu_cores": os.cpu_count(),
    }


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
