"""`make student`: copies of the lessons with every exercise solution replaced by a stub, in student/.

The conventions (scripts/make_student.py): ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines in a
code cell become ``# YOUR CODE HERE`` + ``raise NotImplementedError()``; a markdown cell tagged
``solution`` (a written answer) is left out; a code cell tagged ``check`` (the exercise's asserts) is
kept. The solution notebooks themselves are checked by nbval in `make test` (their solution cells
are never skipped); here the student copies are checked: no solution code or answer left, and
nothing a student typed into a copy is overwritten by `make student` or deleted by `make clean`.
That a copy runs from a fresh kernel up to its first exercise, which stops with NotImplementedError,
is checked in the kernel run of the offline survival test (tests/test_offline.py), not in one more run.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import make_student  # scripts/ (pytest's pythonpath)
import nbformat
import pytest
from make_student import BEGIN, END, SolutionMarkerError, strip_solutions
from nbtools import NOTEBOOKS, ROOT, run_make_student

ANSWER = "x = 42  # my own answer, typed in the student copy"


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def _is_written_answer(cell) -> bool:
    return cell.cell_type == "markdown" and "solution" in _tags(cell)


def _tiny_lesson(path: Path, *, intro: str = "# Tiny lesson") -> Path:
    """A lesson with one exercise in every convention: solution code, check cell, written answer."""
    cells = [
        nbformat.v4.new_markdown_cell(intro),
        nbformat.v4.new_markdown_cell("**Exercise.** Set `x` to the answer, then explain why."),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 42\n### END SOLUTION\nprint(x)"),
        nbformat.v4.new_code_cell('assert x == 42, "x should be the answer: try 6 * 7"'),
        nbformat.v4.new_markdown_cell("**Answer.** Because six times seven is 42."),
        nbformat.v4.new_markdown_cell("That is all."),
    ]
    cells[3].metadata["tags"] = ["check"]
    cells[4].metadata["tags"] = ["solution"]
    for cell in cells:
        cell.metadata["slideshow"] = {"slide_type": "-"}
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def _type_answer(copy: Path) -> None:
    """What a student does in JupyterLab: replace the stub with their code and save (edit the JSON)."""
    nb = json.loads(copy.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "# YOUR CODE HERE" in "".join(c["source"]))
    cell["source"] = ANSWER + "\nprint(x)"
    copy.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _has_answer(copy: Path) -> bool:
    return any(ANSWER in c.source for c in nbformat.read(copy, as_version=4).cells)


def _make_recipe(target: str, **variables: str) -> str:
    """The commands `make <target>` would run (make -n: printed, not run)."""
    settings = [f"{name}={value}" for name, value in variables.items()]
    result = subprocess.run(["make", "-n", "-s", target, *settings], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


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
    run_make_student(out, *NOTEBOOKS)
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


def test_a_bad_notebook_stops_the_build_before_any_copy_is_written(tmp_path, capsys):
    solved = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(solved)])
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nthe answer")])
    nbformat.write(good, tmp_path / "01_good.ipynb")
    nbformat.write(bad, tmp_path / "02_bad.ipynb")
    good_and_bad = [str(tmp_path / "01_good.ipynb"), str(tmp_path / "02_bad.ipynb")]
    assert make_student.main(["--output-dir", str(tmp_path / "out"), *good_and_bad]) == 1
    assert "02_bad.ipynb: cell 0 is a markdown cell with a solution marker" in capsys.readouterr().err
    assert not (tmp_path / "out" / "01_good.ipynb").exists()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_student_copy_has_stubs_and_no_solution_code(copies, notebook):
    solution = nbformat.read(notebook, as_version=4)
    student = nbformat.read(copies / notebook.name, as_version=4)
    kept = [cell for cell in solution.cells if not _is_written_answer(cell)]
    assert len(student.cells) == len(kept)
    assert not any("solution" in _tags(cell) for cell in student.cells), "a written answer is in the copy"
    stubs = 0
    for index, (ours, theirs) in enumerate(zip(kept, student.cells, strict=True)):
        assert theirs.metadata.get("slideshow") == ours.metadata.get("slideshow"), f"cell {index}"
        assert _tags(theirs) == _tags(ours), f"cell {index} lost its tags"
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


def test_written_answers_are_left_out_and_check_cells_kept(tmp_path):
    lesson = _tiny_lesson(tmp_path / "01_tiny.ipynb")
    result = run_make_student(tmp_path / "student", lesson)
    copy = nbformat.read(tmp_path / "student" / "01_tiny.ipynb", as_version=4)
    sources = [cell.source for cell in copy.cells]
    assert not any("six times seven" in source for source in sources), "the written answer is in the copy"
    assert sources == [
        "# Tiny lesson",
        "**Exercise.** Set `x` to the answer, then explain why.",
        "# YOUR CODE HERE\nraise NotImplementedError()\nprint(x)",
        'assert x == 42, "x should be the answer: try 6 * 7"',
        "That is all.",
    ]
    assert _tags(copy.cells[3]) == ["check"]
    assert "1 solution(s) replaced" in result and "1 written answer(s) removed" in result


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]}), "code cell tagged 'solution'"),
        (nbformat.v4.new_markdown_cell("assert x", metadata={"tags": ["check"]}),
         "markdown cell tagged 'check'"),
        (nbformat.v4.new_code_cell(f"{BEGIN}\nx = 1\n{END}", metadata={"tags": ["check"]}),
         "cell 1 is tagged 'check' but holds a solution"),
    ],
)
def test_misplaced_exercise_tags_are_named(cell, message):
    solved = nbformat.v4.new_code_cell(f"{BEGIN}\nx = 1\n{END}")
    nb = nbformat.v4.new_notebook(cells=[solved, cell])
    with pytest.raises(SolutionMarkerError, match="01_tiny.ipynb: cell 1") as error:
        make_student.student_copy(nb, "01_tiny.ipynb")
    assert message in str(error.value)


def test_make_student_never_overwrites_a_copy_the_student_changed(tmp_path):
    lessons = tmp_path / "notebooks"
    lessons.mkdir()
    first, second = _tiny_lesson(lessons / "01_tiny.ipynb"), _tiny_lesson(lessons / "02_other.ipynb")
    out = tmp_path / "student"
    written = run_make_student(out, first, second)
    copy, other = out / "01_tiny.ipynb", out / "02_other.ipynb"

    _type_answer(copy)
    result = run_make_student(out, first, second)  # the lesson did not change: nothing new to offer
    assert _has_answer(copy), "make student overwrote the student's answer"
    assert written.count(": written") == 2, written
    assert "01_tiny.ipynb has your changes: kept it (the lesson has not changed since)" in result
    assert "02_other.ipynb: up to date" in result
    assert not (out / "01_tiny.new.ipynb").exists()

    _tiny_lesson(first, intro="# Tiny lesson, corrected")  # the maintainers fix the lesson
    _tiny_lesson(second, intro="# Other lesson, corrected")
    result = run_make_student(out, first, second)
    assert _has_answer(copy), "make student overwrote the student's answer"
    new = out / "01_tiny.new.ipynb"
    assert nbformat.read(new, as_version=4).cells[0].source == "# Tiny lesson, corrected"
    lines = result.splitlines()
    assert [line for line in lines if "01_tiny" in line] == [
        "[1/2] student/01_tiny.ipynb has your changes: kept it; the new version is student/01_tiny.new.ipynb"
    ]
    # the copy nobody touched is brought up to date in place
    assert nbformat.read(other, as_version=4).cells[0].source == "# Other lesson, corrected"
    assert [line for line in lines if "02_other" in line] == [
        "[2/2] student/02_other.ipynb: updated (you had not changed it)"
    ]

    _tiny_lesson(first, intro="# Tiny lesson, corrected twice")
    _type_answer(new)  # the student started on the new version too: both are theirs now
    result = run_make_student(out, first)
    newer = out / "01_tiny.new-2.ipynb"
    assert _has_answer(copy) and _has_answer(new)
    assert nbformat.read(newer, as_version=4).cells[0].source == "# Tiny lesson, corrected twice"
    assert "the new version is student/01_tiny.new-2.ipynb" in result


def test_a_copy_make_student_has_no_record_of_is_kept(tmp_path):
    lesson = _tiny_lesson(tmp_path / "01_tiny.ipynb")
    out = tmp_path / "student"
    run_make_student(out, lesson)
    _type_answer(out / "01_tiny.ipynb")
    (out / ".written.json").write_text("not json", encoding="utf-8")  # lost or damaged: trust nothing
    result = run_make_student(out, lesson)
    assert _has_answer(out / "01_tiny.ipynb")
    assert (out / "01_tiny.new.ipynb").is_file()
    assert "the new version is" in result


@pytest.mark.slow
def test_make_student_writes_to_student_and_make_clean_leaves_student_work(tmp_path):
    student_recipe = _make_recipe("student", NOTEBOOKS="notebooks/01_tiny.ipynb")
    command = next(line for line in student_recipe.splitlines() if "make_student.py" in line)
    assert shlex.split(command)[1:] == [
        "scripts/make_student.py", "--output-dir", "student", "notebooks/01_tiny.ipynb",
    ], command
    assert "make lab LAB_DIR=student" in (ROOT / "Makefile").read_text()  # the help line students read
    assert "/student/" in (ROOT / ".gitignore").read_text().splitlines()

    # a course folder as a student has it after a while: their copy with an answer typed in, an older
    # copy in build/student/ (where make student wrote before), JupyterLab's settings, IPython's
    # history, and pages that make slides / make course regenerate
    lesson = _tiny_lesson(tmp_path / "01_tiny.ipynb")
    run_make_student(tmp_path / "student", lesson)
    _type_answer(tmp_path / "student" / "01_tiny.ipynb")
    kept = {
        "build/student/01_tiny.ipynb": "my notes from last week",
        "build/jupyter/lab-settings/@jupyterlab/apputils-extension/themes.jupyterlab-settings": "{}",
        "build/jupyter/lab-workspaces/default-37a8.jupyterlab-workspace": "{}",
        "build/ipython/profile_default/history.sqlite": "history",
    }
    regenerated = ["build/slides/01_tiny.slides.html", "build/course/index.html", "build/screenshots/a.png"]
    for relative in [*kept, *regenerated]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(kept.get(relative, "x"))
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")

    run_make_student(tmp_path / "student", lesson, process=True)
    result = subprocess.run(["make", "clean"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr

    assert _has_answer(tmp_path / "student" / "01_tiny.ipynb"), "the student's answer is gone"
    for relative, text in kept.items():
        assert (tmp_path / relative).read_text() == text, f"make clean deleted {relative}"
    for relative in regenerated:
        assert not (tmp_path / relative).exists(), f"make clean left {relative}"


def test_copies_in_the_old_place_are_pointed_out(tmp_path):
    old = tmp_path / "build" / "student"
    old.mkdir(parents=True)
    (old / "01_tiny.ipynb").write_text("{}")
    result = run_make_student(tmp_path / "student", _tiny_lesson(tmp_path / "01_tiny.ipynb"))
    assert "your earlier copies in build/student are kept" in result


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_solution_cells_are_checked_by_nbval(notebook):
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        if BEGIN in cell.source:
            tags = cell.metadata.get("tags", [])
            assert cell.cell_type == "code"
            assert "nbval-skip" not in tags and "skip-execution" not in tags, f"cell {index} is never run"
            assert "raises-exception" not in tags, f"solution cell {index} may fail unnoticed"
