"""lessons_lib.notebook_code: a notebook's tagged code cells, used outside the notebook as a module."""

from __future__ import annotations

import ast
import inspect
import traceback
from pathlib import Path

import nbformat
import pytest
from nbtools import NOTEBOOK_DIR

from lessons_lib.notebook_code import load_tagged_cells, tagged_cells


def _notebook(folder: Path, *cells: tuple[str, str, list[str]]) -> Path:
    nb = nbformat.v4.new_notebook()
    for kind, source, tags in cells:
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(make(source, metadata={"tags": tags}))
    path = folder / "lesson.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def lesson(tmp_path: Path) -> Path:
    return _notebook(
        tmp_path,
        ("code", "SCALE = 3", ["shared"]),
        ("code", "raise RuntimeError('an untagged cell must not run')", []),
        ("markdown", "def not_code(): pass", ["shared"]),
        ("code", "def scaled(x):\n    return SCALE * x\n\n\ndef broken():\n    return 1 / 0",
         ["shared", "other"]),
        ("code", "%matplotlib inline\nVALUE = 1", ["magic"]),
        ("code", "print(UNDEFINED)", ["needs-more"]),
        ("code", "A = 1", ["late-error"]),
        ("code", "\n\nB = A / 0", ["late-error"]),
    )


def test_tagged_cells_are_the_code_cells_with_the_tag_in_file_order(lesson):
    assert [index for index, _ in tagged_cells(lesson, "shared")] == [0, 3]
    assert tagged_cells(lesson, "other") == [(3, tagged_cells(lesson, "shared")[1][1])]


def test_loaded_module_runs_only_the_tagged_cells(lesson):
    module = load_tagged_cells(lesson, "shared")
    assert module.scaled(2) == 6
    assert not hasattr(module, "not_code")  # a markdown cell with the tag is not code
    assert module.__name__ == "lesson[shared]" and module.__file__ == f"{lesson}[shared]"


def test_each_load_is_a_fresh_module(lesson):
    first = load_tagged_cells(lesson, "shared")
    first.SCALE = 10
    assert load_tagged_cells(lesson, "shared").scaled(2) == 6


def test_tracebacks_and_getsource_show_the_cell(lesson):
    module = load_tagged_cells(lesson, "shared")
    assert "return SCALE * x" in inspect.getsource(module.scaled)
    with pytest.raises(ZeroDivisionError) as caught:
        module.broken()
    text = "".join(traceback.format_exception(caught.value))
    assert f"{lesson}[shared]" in text and "return 1 / 0" in text
    assert "# --- lesson.ipynb, cell 3 ---" in inspect.getsource(module)


def test_missing_notebook_is_named(tmp_path):
    missing = tmp_path / "nope.ipynb"
    with pytest.raises(FileNotFoundError, match=r"notebook '.*nope\.ipynb' does not exist"):
        load_tagged_cells(missing, "shared")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tagged_cells(missing, "shared")


def test_unknown_tag_lists_the_tags_in_use(lesson):
    expected = r"no code cell of lesson\.ipynb carries the tag 'gan'; tags in use: 'late-error', 'magic', "
    with pytest.raises(ValueError, match=expected + r"'needs-more', 'other', 'shared'$"):
        load_tagged_cells(lesson, "gan")


@pytest.mark.parametrize("tag", ["", "  ", None, 3, ["shared"]])
def test_tag_must_be_a_non_empty_str(lesson, tag):
    with pytest.raises(TypeError, match="tag must be a non-empty str"):
        load_tagged_cells(lesson, tag)


def test_notebook_must_be_a_path(lesson):
    with pytest.raises(TypeError, match="notebook must be the path of an .ipynb file, got NotebookNode"):
        load_tagged_cells(nbformat.read(lesson, as_version=4), "shared")


@pytest.mark.parametrize("content", ["not json {", "[1, 2]", '{"cells": "none"}', '{"cells": [1]}'])
def test_a_file_that_is_no_notebook_is_refused(tmp_path, content):
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    with pytest.raises(ValueError, match=r"notebook '.*broken\.ipynb' is not a Jupyter notebook"):
        load_tagged_cells(path, "shared")


def test_a_cell_with_ipython_magic_is_refused_by_name(lesson):
    with pytest.raises(ValueError, match=r"cell 4 of lesson\.ipynb \(tagged 'magic'\) is not plain Python"):
        load_tagged_cells(lesson, "magic")


def test_a_name_from_an_untagged_cell_fails_with_a_hint(lesson):
    with pytest.raises(NameError, match="UNDEFINED") as caught:
        load_tagged_cells(lesson, "needs-more")
    (note,) = caught.value.__notes__
    assert note.startswith("while running cell 5 of lesson.ipynb (the cells tagged 'needs-more')")
    assert "run alone, so what they use must be in tagged cells too" in note


# What the benchmarks and tests/test_distribute.py take from notebook 04 (no TensorFlow needed to check).
USED_FROM_04 = {
    "gan-lecture": {"SEED", "make_generator", "make_discriminator", "compile_lecture_gan", "lecture_step",
                    "sample_z"},
    "gan-fast-path": {"SEED", "BATCH_SIZE", "build_gan", "make_dataset", "make_fast_gan", "make_generator"},
}


@pytest.mark.parametrize("tag", sorted(USED_FROM_04))
def test_notebook_04_tagged_cells_define_what_their_users_take(tag):
    defined = set()
    for _, source in tagged_cells(NOTEBOOK_DIR / "04_gan.ipynb", tag):
        for node in ast.parse(source).body:  # plain Python: no magics in tagged cells
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Assign):
                defined |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    assert USED_FROM_04[tag] <= defined, USED_FROM_04[tag] - defined


def test_an_error_while_loading_names_its_cell(lesson):
    with pytest.raises(ZeroDivisionError) as caught:
        load_tagged_cells(lesson, "late-error")
    assert caught.value.__notes__ == ["while running cell 7 of lesson.ipynb (the cells tagged 'late-error')"]
