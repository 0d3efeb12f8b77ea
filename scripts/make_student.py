"""Write student copies of the lessons, without the exercise solutions: ``make student`` -> student/.

    python scripts/make_student.py [--output-dir student] [NB ...]   (default: notebooks/NN_*.ipynb)

The exercise conventions (nbgrader's; the only ones this script knows):

- in a CODE cell, the solution is wrapped in two comment lines of their own,

      ### BEGIN SOLUTION
      ...solution code...
      ### END SOLUTION

  and the student copy gets, at the indentation of the BEGIN line,

      # YOUR CODE HERE
      raise NotImplementedError()

  Code before and after the markers stays (e.g. a plotting call that shows the student's result).
  Several blocks may share a cell; blocks do not nest.
- a MARKDOWN cell tagged ``solution`` (the written answer to an "explain why") is left out;
- a CODE cell tagged ``check`` (plain ``assert``s with a helpful message) is kept as it is.

A marker in a markdown cell, an END without a BEGIN, a BEGIN without an END, a code cell tagged
``solution``, a markdown cell tagged ``check``, a check cell holding a solution and a notebook
without any solution are errors naming the notebook and cell, and nothing is written then. Student
copies have no outputs, execution counts or saved widget state (outputs of the solution cells would
give the answers away); everything else, slide metadata and tags included, is kept.

Nothing a student typed is overwritten. The copies live in ``student/`` at the top of the
repository (ignored by git; ``make clean`` does not touch it), and ``student/.written.json`` records a
hash of every file this script wrote. A copy is replaced only when it is still exactly what was
written last time; a copy the student changed (or one without a record) is kept, and a newer
version of the lesson goes beside it as ``NN_name.new.ipynb`` (``.new-2``, ... when the student
works in that one too). One line per notebook says which.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import sys
from pathlib import Path

import nbformat
from lesson_args import ROOT, add_notebook_arguments, lesson_notebooks

from lessons_lib.files import atomic_write_text

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
ANSWER_TAG = "solution"  # a markdown cell holding a written answer: left out of the student copy
CHECK_TAG = "check"  # a code cell of asserts checking an exercise: kept
RECORD = ".written.json"  # in the output folder: {file name: sha256 of what this script wrote there}
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


def student_copy(nb: nbformat.NotebookNode, name: str) -> tuple[nbformat.NotebookNode, int, int]:
    """Return the student version of ``nb`` (a new object), the solutions replaced and the answers removed."""
    copy = nbformat.from_dict(nb)
    blocks_total = answers = 0
    cells = []
    for index, cell in enumerate(copy.cells):
        where = f"{name}: cell {index}"
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "markdown" and ANSWER_TAG in tags:
            answers += 1
            continue
        if cell.cell_type != "code":
            if CHECK_TAG in tags:
                raise SolutionMarkerError(
                    f"{where} is a markdown cell tagged {CHECK_TAG!r}; check cells are code cells of asserts"
                )
            if any(_MARKER.match(line) for line in cell.source.splitlines()):
                raise SolutionMarkerError(
                    f"{where} is a {cell.cell_type} cell with a solution marker; markers belong in code "
                    f"cells (a written answer is a markdown cell tagged {ANSWER_TAG!r})"
                )
            cells.append(cell)
            continue
        if ANSWER_TAG in tags:
            raise SolutionMarkerError(
                f"{where} is a code cell tagged {ANSWER_TAG!r}; only written answers (markdown) carry "
                f"that tag, solution code goes between {BEGIN!r} and {END!r}"
            )
        cell.source, blocks = strip_solutions(cell.source, where)
        if blocks and CHECK_TAG in tags:
            raise SolutionMarkerError(
                f"{where} is tagged {CHECK_TAG!r} but holds a solution; the check cell is kept in the "
                "student copy, so put the solution in the exercise cell before it"
            )
        blocks_total += blocks
        cell.outputs = []
        cell.execution_count = None
        cells.append(cell)
    if blocks_total + answers == 0:
        raise SolutionMarkerError(
            f"{name}: no {BEGIN!r} ... {END!r} block and no markdown cell tagged {ANSWER_TAG!r} found; "
            "every lesson ends with exercises and their solutions"
        )
    copy.cells = cells
    copy.metadata.pop("widgets", None)
    return copy, blocks_total, answers


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_record(folder: Path) -> dict[str, str]:
    """What this script wrote into ``folder`` last time; empty when the record is missing or damaged."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no record (or a damaged one): every existing copy counts as the student's
        return {}
    if not isinstance(record, dict):
        return {}
    return {name: digest for name, digest in record.items() if isinstance(digest, str)}


def place_copy(folder: Path, name: str, text: str, record: dict[str, str]) -> tuple[Path, str]:
    """Write the student copy ``text`` of lesson ``name`` into ``folder`` without losing a student's work.

    Returns where it went and a few words saying what happened. ``record`` (file name -> hash of
    what was written) is updated; the caller saves it.
    """
    new = _digest(text.encode("utf-8"))
    target = folder / name
    if not target.exists():
        atomic_write_text(target, text)
        record[name] = new
        return target, "written"
    current = _digest(target.read_bytes())
    if current == new:
        record[name] = new
        return target, "up to date"
    if record.get(name) == current:  # still exactly what we wrote: the student has not touched it
        atomic_write_text(target, text)
        record[name] = new
        return target, "updated (you had not changed it)"
    if record.get(name) == new:  # the student's copy started from this very version
        return target, "has your changes: kept it (the lesson has not changed since)"
    stem = Path(name).stem
    for number in itertools.count(1):
        beside = folder / f"{stem}.new{'' if number == 1 else f'-{number}'}.ipynb"
        if beside.exists():
            there = _digest(beside.read_bytes())
            if there != new and record.get(beside.name) != there:  # the student works in this one too
                continue
        atomic_write_text(beside, text)
        record[beside.name] = new
        return target, f"has your changes: kept it; the new version is {_display(beside)}"
    raise AssertionError("unreachable")


def _display(path: Path) -> Path:
    """``path`` relative to the working folder when it is inside it (student/01_x.ipynb), else as given."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_notebook_arguments(parser)
    parser.add_argument("--output-dir", type=Path, default=ROOT / "student")
    args = parser.parse_args(argv)
    notebooks = lesson_notebooks(parser, args.notebooks)

    copies = []
    for path in notebooks:  # check every notebook before writing any copy
        try:
            copies.append((path, *student_copy(nbformat.read(path, as_version=4), path.name)))
        except SolutionMarkerError as error:
            print(f"make_student: {error}", file=sys.stderr)
            return 1
    out = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    record = read_record(out)
    for i, (path, copy, blocks, answers) in enumerate(copies, 1):
        text = nbformat.writes(copy)
        target, what = place_copy(out, path.name, text if text.endswith("\n") else text + "\n", record)
        atomic_write_text(out / RECORD, json.dumps(record, indent=1, sort_keys=True) + "\n")
        if what == "written":
            what = (f"written ({blocks} solution(s) replaced by '{STUB[0]}', "
                    f"{answers} written answer(s) removed)")
        separator = " " if what.startswith("has your changes") else ": "
        print(f"[{i}/{len(copies)}] {_display(target)}{separator}{what}", flush=True)
    print(f"{len(copies)} student notebook(s) in {_display(out)}; "
          f"open them with `make lab LAB_DIR={_display(out)}`")
    old = out.parent / "build" / "student"
    if old.resolve() != out.resolve() and any(old.glob("*.ipynb")):
        print(f"make_student: your earlier copies in {_display(old)} are kept (make clean no longer deletes "
              f"them); carry your work over into {_display(out)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
