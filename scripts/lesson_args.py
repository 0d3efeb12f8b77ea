"""What the course scripts share (make slides / student / course / outputs / korean): the paths and
the notebook arguments.

``ROOT`` is the repository (defined here only: the other scripts import it). ``add_notebook_arguments``
declares the positional notebooks; ``lesson_notebooks`` turns them into paths: the ones given, else
every ``notebooks/NN_*.ipynb`` in order, each of which must exist.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def add_notebook_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/NN_*.ipynb")


def lesson_notebooks(parser: argparse.ArgumentParser, given: list[Path]) -> list[Path]:
    """The notebooks to work on; a missing one is a usage error naming it (exit code 2)."""
    notebooks = list(given) or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        parser.error("no notebooks given and none found under notebooks/")
    for path in notebooks:
        if not path.is_file():
            parser.error(f"notebook {str(path)!r} does not exist")
    return notebooks
