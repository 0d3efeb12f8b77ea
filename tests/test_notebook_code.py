"""lessons_lib.notebook_code: a notebook's tagged code cells, used outside the notebook as a module."""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import traceback
import types
from pathlib import Path

import nbformat
import numpy as np
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
    "gan-fast-path": {"SEED", "BATCH_SIZE", "FAST_BATCH_SIZE", "FAST_SETUP", "Z_DIM", "build_gan",
                      "make_dataset", "make_fast_gan", "make_generator"},
    "gan-training": {"STEPS"},
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


# -- preset= and only=: what a tagged cell takes from a cell that cannot run outside the notebook --

SETUP_CELL = (
    "%matplotlib inline\nimport os\nraise RuntimeError('the rest of a set-up cell must not run')\n"
    "EPOCHS = pick(full=20, quick=2)\nLOW, HIGH = EPOCHS // 2, EPOCHS\nBATCH: int = 256\n"
    "if EPOCHS:\n    HIDDEN = 1\nFIRST = 1; SECOND = 2"
)


@pytest.fixture()
def setup_cells(tmp_path: Path) -> Path:
    return _notebook(
        tmp_path,
        ("code", SETUP_CELL, ["settings"]),
        ("code", "def train():\n    return EPOCHS * x_train\n\n\nbank = ModelBank(train)", ["model"]),
        ("code", "ModelBank = None", ["model-sets-its-own"]),
        ("code", "not python at all", ["broken"]),
    )


def test_preset_names_are_seen_by_the_cells_from_their_first_line(setup_cells):
    module = load_tagged_cells(setup_cells, "model", preset={"ModelBank": lambda f: ("bank", f),
                                                             "EPOCHS": 3, "x_train": 2})
    assert module.bank == ("bank", module.train) and module.train() == 6
    module.EPOCHS = 5  # a module attribute set after loading: what the cells' functions read from then on
    assert module.train() == 10
    assert load_tagged_cells(setup_cells, "model-sets-its-own", preset={"ModelBank": int}).ModelBank is None


def test_without_preset_the_name_error_says_how_to_hand_it_in(setup_cells):
    with pytest.raises(NameError, match="ModelBank") as caught:
        load_tagged_cells(setup_cells, "model")
    assert caught.value.__notes__[0].endswith("must be in tagged cells too (or handed in with preset=)")


def test_only_runs_the_top_level_assignments_to_the_names_and_skips_magics(setup_cells):
    module = load_tagged_cells(setup_cells, "settings", only=["EPOCHS", "HIGH", "BATCH"],
                               preset={"pick": lambda full, quick: full})
    assert (module.EPOCHS, module.LOW, module.HIGH, module.BATCH) == (20, 10, 20, 256)  # LOW: same line
    assert not hasattr(module, "os") and not hasattr(module, "HIDDEN")
    assert module.__file__ == f"{setup_cells}[settings; only EPOCHS, HIGH, BATCH]"
    assert inspect.getsource(module).startswith("# --- lesson.ipynb, cell 0 ---\nEPOCHS = pick(")


def test_only_names_that_no_top_level_assignment_sets_are_refused(setup_cells):
    expected = r"the cells of lesson\.ipynb tagged 'settings' assign no HIDDEN, STEPS at their top level"
    with pytest.raises(ValueError, match=expected):
        load_tagged_cells(setup_cells, "settings", only=["EPOCHS", "HIDDEN", "STEPS"], preset={"pick": max})


def test_only_needs_what_its_lines_use_in_preset_or_set_before(setup_cells):
    with pytest.raises(NameError, match="EPOCHS") as caught:
        load_tagged_cells(setup_cells, "settings", only=["HIGH"])
    (note,) = caught.value.__notes__
    assert note == (
        "while running cell 0 of lesson.ipynb (the cells tagged 'settings'): with only=['HIGH'] "
        "just those assignments run, so what they use must be in preset or set by an earlier of them"
    )


def test_only_still_refuses_a_cell_that_is_not_python(setup_cells):
    expected = r"^cell 3 of lesson\.ipynb \(tagged 'broken'\) is not plain Python: "
    with pytest.raises(ValueError, match=expected):
        load_tagged_cells(setup_cells, "broken", only=["X"])


def _only(tmp_path: Path, source: str, names: list[str], **options) -> types.ModuleType:
    return load_tagged_cells(_notebook(tmp_path, ("code", source, ["cell"])), "cell", only=names, **options)


def test_only_leaves_a_string_line_that_starts_with_a_bang_as_it_is(tmp_path):
    module = _only(tmp_path, '%matplotlib inline\nMESSAGE = """first\n!important\n%done"""\n!ls', ["MESSAGE"])
    assert module.MESSAGE == "first\n!important\n%done"


def test_only_reads_a_continuation_line_that_starts_with_a_percent_sign_as_python(tmp_path):
    module = _only(tmp_path, "%matplotlib inline\nREMAINDER = (10\n     % 3)", ["REMAINDER"])
    assert module.REMAINDER == 1


def test_only_runs_just_the_assignment_of_a_line_with_other_statements(tmp_path, capsys):
    module = _only(tmp_path, "print('side'); X = 1", ["X"])
    assert module.X == 1 and capsys.readouterr().out == ""
    assert "print" not in inspect.getsource(module)


def test_only_runs_a_line_with_two_wanted_assignments_once(tmp_path):
    module = _only(tmp_path, "A = next(COUNTER); B = 2", ["A", "B"], preset={"COUNTER": iter(range(10))})
    assert (module.A, module.B) == (0, 2)
    assert inspect.getsource(module).count("A = next(COUNTER)") == 1


def test_only_sees_names_in_nested_and_starred_targets(tmp_path):
    source = "(A, [B, *REST]), C = (1, [2, 3, 4]), 5\nFIRST, *LAST = 'xyz'"
    module = _only(tmp_path, source, ["A", "REST", "LAST"])
    assert (module.A, module.B, module.REST, module.C, module.LAST) == (1, 2, [3, 4], 5, ["y", "z"])


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"preset": ["EPOCHS"]}, TypeError,
         "preset must be a dict of names such as {'x_train': x_train}, got list"),
        ({"preset": {"not a name": 1}}, ValueError,
         "preset's keys must be Python names such as 'x_train', got 'not a name'"),
        ({"preset": {3: 1}}, ValueError, "preset's keys must be Python names"),
        ({"only": "EPOCHS"}, TypeError, "only must be a list of names such as ['EPOCHS'], got 'EPOCHS'"),
        ({"only": 3}, TypeError, "only must be a list of names"),
        ({"only": []}, ValueError, "only must be a non-empty list of Python names"),
        ({"only": ["EPOCHS", "x.y"]}, ValueError, "only must be a non-empty list of Python names"),
    ],
)
def test_bad_preset_or_only_is_refused_by_name(setup_cells, options, error, message):
    with pytest.raises(error, match=re.escape(message)):
        load_tagged_cells(setup_cells, "settings", **options)


# What benchmarks/vae.py and tests/test_vae_explorer.py take from notebook 05 (no TensorFlow needed).
NOTEBOOK_05 = NOTEBOOK_DIR / "05_variational_autoencoder.ipynb"
USED_FROM_05 = {"SEED", "build_latent_autoencoder", "train_latent_autoencoder", "build_vae", "train_vae"}
# what the cells tagged vae-lesson use from untagged cells: what their users hand in with preset=
PRESET_FOR_05 = {"ModelBank", "set_seed", "PROFILE_NAME", "EPOCHS", "BATCH_SIZE", "x_train"}


def test_notebook_05_vae_lesson_cells_define_what_their_users_take_and_need_only_the_preset():
    defined, bound, used = set(), set(), set()
    for _, source in tagged_cells(NOTEBOOK_05, "vae-lesson"):
        tree = ast.parse(source)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Assign):
                defined |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                bound.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    assert USED_FROM_05 <= defined, USED_FROM_05 - defined
    assert used - bound - set(dir(builtins)) == PRESET_FOR_05


def test_notebook_05_settings_come_from_its_set_up_cell_without_running_it(monkeypatch):
    from lessons_lib.profiles import current_profile, pick

    monkeypatch.setenv("LESSONS_PROFILE", "full")
    names = ["PROFILE_NAME", "EPOCHS", "BATCH_SIZE", "N_EVAL"]
    settings = load_tagged_cells(NOTEBOOK_05, "vae-settings", only=names,
                                 preset={"pick": pick, "current_profile": current_profile})
    assert settings.PROFILE_NAME == "full" and settings.N_EVAL == 5000
    assert isinstance(settings.EPOCHS, int) and isinstance(settings.BATCH_SIZE, int)


class _Halves:
    """Stands for the notebook's trained encoder and decoder: predict() keeps 2 numbers per row."""

    def predict(self, rows, batch_size, verbose):
        return np.asarray(rows)[:, :2] * 2


def test_notebook_05_sampling_lines_draw_as_the_lesson_says_with_what_the_benchmark_hands_in():
    x_train = np.random.default_rng(0).uniform(size=(200, 784))
    ae = load_tagged_cells(NOTEBOOK_05, "vae-sampling",
                           only=["ae_train_codes", "low", "high", "rng", "random_codes", "ae_random"],
                           preset={"np": np, "SEED": 3, "N_EVAL": 50, "x_train": x_train,
                                   "ae_encoder": _Halves(), "ae_decoder": _Halves()})
    low, high = np.percentile(x_train[:, :2] * 2, [5, 95], axis=0)
    expected = np.random.default_rng(3).uniform(low, high, size=(50, 2)).astype("float32")
    assert np.array_equal(ae.random_codes, expected) and ae.ae_random.shape == (50, 2)  # uniform in the box
    decoder_only = types.SimpleNamespace(decoder=_Halves())
    vae = load_tagged_cells(NOTEBOOK_05, "vae-sampling", only=["prior_rng", "prior_codes", "vae_samples"],
                            preset={"np": np, "SEED": 3, "N_EVAL": 50, "vae": decoder_only})
    prior = np.random.default_rng(3).standard_normal((50, 2)).astype("float32")
    assert np.array_equal(vae.prior_codes, prior) and vae.vae_samples.shape == (50, 2)
    assert not hasattr(ae, "fig") and not hasattr(ae, "ae_test_codes")  # the rest of the cells did not run
