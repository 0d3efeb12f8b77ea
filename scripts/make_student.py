"""Write student copies of the lessons, without the exercise solutions: ``make student`` -> build/student/.

    python scripts/make_student.py [--output-dir build/student] [NB ...]   (default: notebooks/NN_*.ipynb)

The marker convention (the one nbgrader uses; the only one this script knows): in a CODE cell, the
solution is wrapped in two comment lines of their own,

    ### BEGIN SOLUTION
    ...solution code...
    ### END SOLUTION

and the student copy gets, at the indentation of the BEGIN line,

    # YOUR CODE HERE
    raise NotImplementedError()

Code before and after the markers stays (e.g. a plotting call that shows the student's result).
Several blocks may share a cell; blocks do not nest. A marker in a markdown cell, an END without a
BEGIN, a BEGIN without an END and a notebook without any solution are errors naming the notebook and
cell, and nothing is written then. Student copies have no outputs, execution counts or saved widget
state (outputs of the solution cells would give the answers away); everything else, slide metadata
and tags included, is kept.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lesson_args import add_notebook_arguments, lesson_notebooks  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>### (?:BEGIN|END) SOLUTION)[ \t]*$")


class SolutionMarkerError(ValueError):
    """Unbalanced or misplaced ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers."""


def strip_solutions(source: str, where: str) -> tuple[str, int]:
    """Replace every marked block in one code cell's ``source``; return the new source and the block count."""
    out: list[str] = []
    inside_since: int | None = None
    blocks = 0
    for number, line in enumerate(source.splitlines(), 1):
        match = _MARKER.match(line)
        if match and match["marker"] == BEGIN:
            if inside_since is not None:
                raise SolutionMarkerError(
                    f"{where}: line {number} opens a solution inside the one opened on line {inside_since}; "
                    f"close it with {END!r} first (blocks do not nest)"
                )
            inside_since = number
            indent = match["indent"]
            out.extend(indent + stub for stub in STUB)
        elif match:
            if inside_since is None:
                raise SolutionMarkerError(f"{where}: line {number} has {END!r} without a {BEGIN!r} before it")
            inside_since = None
            blocks += 1
        elif inside_since is None:
            out.append(line)
    if inside_since is not None:
        raise SolutionMarkerError(f"{where}: the {BEGIN!r} on line {inside_since} has no {END!r} after it")
    return "\n".join(out), blocks


def student_copy(nb: nbformat.NotebookNode, name: str) -> tuple[nbformat.NotebookNode, int]:
    """Return the student version of ``nb`` (a new object) and how many solutions were removed."""
    copy = nbformat.from_dict(nb)
    total = 0
    for index, cell in enumerate(copy.cells):
        where = f"{name}: cell {index}"
        if cell.cell_type != "code":
            if any(_MARKER.match(line) for line in cell.source.splitlines()):
                raise SolutionMarkerError(
                    f"{where} is a {cell.cell_type} cell with a solution marker; markers belong in code cells"
                )
            continue
        cell.source, blocks = strip_solutions(cell.source, where)
        total += blocks
        cell.outputs = []
        cell.execution_count = None
    if total == 0:
        raise SolutionMarkerError(
            f"{name}: no {BEGIN!r} ... {END!r} block found; "
            "every lesson ends with exercises and their solutions"
        )
    copy.metadata.pop("widgets", None)
    return copy, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_notebook_arguments(parser)
    parser.add_argument("--output-dir", type=Path, default=ROOT / "build" / "student")
    args = parser.parse_args(argv)
    notebooks = lesson_notebooks(parser, args.notebooks)

    copies = []
    for path in notebooks:  # check every notebook before writing any copy
        try:
            copies.append((path, *student_copy(nbformat.read(path, as_version=4), path.name)))
        except SolutionMarkerError as error:
            print(f"make_student: {error}", file=sys.stderr)
            return 1
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for i, (path, copy, count) in enumerate(copies, 1):
        target = args.output_dir / path.name
        tmp = target.with_name(f".{target.name}.tmp")
        nbformat.write(copy, tmp)
        tmp.replace(target)
        print(f"[{i}/{len(copies)}] {target}: {count} solution(s) replaced by '{STUB[0]}'", flush=True)
    print(f"{len(copies)} student notebook(s) in {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
