"""`make student`: copies of the lessons with every exercise solution replaced by a stub.

The marker convention (scripts/make_student.py): ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines
in a code cell; the copy has ``# YOUR CODE HERE`` + ``raise NotImplementedError()`` instead. The
solution notebooks themselves are checked by nbval in `make test` (their solution cells are never
skipped); here the student copies are checked: no solution code left, and they run from a fresh
kernel (quick profile) up to the first exercise, which stops with NotImplementedError.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import make_student  # noqa: E402
from make_student import BEGIN, END, SolutionMarkerError, strip_solutions  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _solution_lines(source: str) -> list[str]:
    """The non-blank lines between the markers (the code a student must not see)."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student")
    assert NOTEBOOKS, "no notebooks under notebooks/"
    assert make_student.main(["--output-dir", str(out), *map(str, NOTEBOOKS)]) == 0
    return out


def test_a_solution_becomes_a_stub_at_its_indentation():
    source = "\n".join([
        "def add(a, b):",
        "    ### BEGIN SOLUTION",
        "    return a + b",
        "    ### END SOLUTION",
        "",
        "### BEGIN SOLUTION",
        "total = add(1, 2)",
        "### END SOLUTION",
        "print(total)",
    ])
    stripped, blocks = strip_solutions(source, "nb: cell 3")
    assert blocks == 2
    assert stripped.splitlines() == [
        "def add(a, b):",
        "    # YOUR CODE HERE",
        "    raise NotImplementedError()",
        "",
        "# YOUR CODE HERE",
        "raise NotImplementedError()",
        "print(total)",
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1", "line 1 has no '### END SOLUTION' after it"),
        ("x = 1\n### END SOLUTION", "line 2 has '### END SOLUTION' without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "do not nest"),
    ],
)
def test_unbalanced_markers_are_named(source, message):
    with pytest.raises(SolutionMarkerError, match="nb: cell 3") as error:
        strip_solutions(source, "nb: cell 3")
    assert message in str(error.value)


def test_a_bad_notebook_stops_the_build_before_any_copy_is_written(tmp_path):
    solved = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(solved)])
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nthe answer")])
    nbformat.write(good, tmp_path / "01_good.ipynb")
    nbformat.write(bad, tmp_path / "02_bad.ipynb")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_student.py"), "--output-dir", str(tmp_path / "out"),
         str(tmp_path / "01_good.ipynb"), str(tmp_path / "02_bad.ipynb")],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert "02_bad.ipynb: cell 0 is a markdown cell with a solution marker" in result.stderr
    assert not (tmp_path / "out" / "01_good.ipynb").exists()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_student_copy_has_stubs_and_no_solution_code(copies, notebook):
    solution = nbformat.read(notebook, as_version=4)
    student = nbformat.read(copies / notebook.name, as_version=4)
    assert len(student.cells) == len(solution.cells)
    stubs = 0
    for index, (ours, theirs) in enumerate(zip(solution.cells, student.cells, strict=True)):
        assert theirs.metadata.get("slideshow") == ours.metadata.get("slideshow"), f"cell {index}"
        assert BEGIN not in theirs.source and END not in theirs.source, f"cell {index} keeps a marker"
        if theirs.cell_type == "code":
            assert theirs.outputs == [] and theirs.execution_count is None, f"cell {index} keeps outputs"
        hidden = _solution_lines(ours.source)
        if not hidden:
            assert theirs.source == ours.source, f"cell {index} changed without a solution in it"
            continue
        stubs += 1
        assert "# YOUR CODE HERE" in theirs.source and "raise NotImplementedError()" in theirs.source
        kept = {line.strip() for line in ours.source.splitlines()} - set(hidden)
        leaked = [line for line in hidden if line in {s.strip() for s in theirs.source.splitlines()} - kept]
        assert not leaked, f"cell {index} still shows solution code: {leaked}"
    assert stubs >= 1, f"{notebook.name} has no exercise with a marked solution"
    assert "widgets" not in student.metadata


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_solution_cells_are_checked_by_nbval(notebook):
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        if BEGIN in cell.source:
            tags = cell.metadata.get("tags", [])
            assert cell.cell_type == "code"
            assert "nbval-skip" not in tags and "skip-execution" not in tags, f"cell {index} is never run"
            assert "raises-exception" not in tags, f"solution cell {index} may fail unnoticed"


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_student_copy_runs_up_to_the_first_exercise(copies, notebook, monkeypatch):
    monkeypatch.setenv("LESSONS_PROFILE", "quick")
    nb = nbformat.read(copies / notebook.name, as_version=4)
    first_stub = next(i for i, c in enumerate(nb.cells) if "# YOUR CODE HERE" in c.source)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(copies)}},
    )
    with pytest.raises(CellExecutionError) as error:
        client.execute()
    assert "NotImplementedError" in str(error.value)
    errors = [i for i, c in enumerate(nb.cells)
              if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
    raising = {i for i, c in enumerate(nb.cells) if "raises-exception" in c.metadata.get("tags", [])}
    assert [i for i in errors if i not in raising] == [first_stub], (
        f"expected the first error at the first exercise (cell {first_stub}), got errors in cells {errors}"
    )
    for index, cell in enumerate(nb.cells[:first_stub]):
        if cell.cell_type == "code":
            assert cell.execution_count is not None, f"cell {index} before the first exercise did not run"
    assert os.environ["LESSONS_PROFILE"] == "quick"
