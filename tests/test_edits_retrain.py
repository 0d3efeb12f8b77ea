"""A student's edit always takes effect (issue 11): in a real kernel, on notebook 02's own cells.

The cells of ``02_autoencoder.ipynb`` up to the training of the lecture's autoencoder run in the
``smoke`` profile (the same code, one epoch), as a student runs them:

1. from an empty cache: the model is trained and saved;
2. in a new kernel, unedited: the model is loaded from the cache (its files are not written again);
3. ``build_autoencoder`` edited (``relu`` -> ``tanh``) and the cells run again in the same kernel:
   the model is trained again, and stderr says in one line that ``build_autoencoder`` changed;
4. in a new kernel on another data file (the bundled 10,000-digit sample instead of the full MNIST):
   trained again, and the line names the MNIST data (and the arrays made from it).
"""

from __future__ import annotations

import copy
import os
import re

import nbformat
import nbtools
import pytest

from lessons_lib.data import SAMPLE_PATH

pytestmark = pytest.mark.slow

LESSON = nbtools.NOTEBOOK_DIR / "02_autoencoder.ipynb"
TRAINING = re.compile(r"\b\w+_bank\.get\(")
EDITED = "build_autoencoder"


def _cells_up_to_the_first_training() -> list[nbformat.NotebookNode]:
    """The lesson's code cells up to its first training (``raises-exception`` ones too: Run All runs them)."""
    cells = []
    for cell in nbtools.read(LESSON).cells:
        if cell.cell_type == "code":
            cells.append(cell)
            if TRAINING.search(cell.source):
                return cells
    raise AssertionError(f"{LESSON.name} has no cell that trains through a ModelBank (no '*_bank.get(')")


def _run(kernel: nbtools.Kernel, cells: list[nbformat.NotebookNode]) -> str:
    """Run the cells as Run All does (it stops at an error); return what they wrote on stderr."""
    run = kernel.run_all(nbformat.v4.new_notebook(cells=cells), allow_errors=True)
    assert not nbtools.errors(run), nbtools.errors(run)
    return nbtools.stderr_text(run)


def _manifests(cache) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in cache.rglob("*.json")}


def test_an_edit_or_other_data_trains_again_and_an_unedited_rerun_loads(tmp_path):
    cells = _cells_up_to_the_first_training()
    definition = next(i for i, cell in enumerate(cells) if f"def {EDITED}(" in cell.source)
    assert 'activation="relu"' in cells[definition].source, "the edit below expects the lecture's relu"
    edited = copy.deepcopy(cells)
    edited[definition].source = cells[definition].source.replace('activation="relu"', 'activation="tanh"', 1)
    cache = tmp_path / "cache"
    env = {"LESSONS_PROFILE": "smoke", "LESSONS_CACHE": str(cache), "TF_CPP_MIN_LOG_LEVEL": "3"}

    with nbtools.kernel(env) as kernel:
        first = _run(kernel, cells)
    trained = _manifests(cache)
    assert trained, f"nothing was saved in the cache; stderr: {first[-1000:]}"

    with nbtools.kernel(env) as kernel:
        again = _run(kernel, cells)
        assert _manifests(cache) == trained, f"an unedited re-run trained again; stderr: {again[-1000:]}"
        after_edit = _run(kernel, edited[definition:])
    notices = [line for line in after_edit.splitlines() if "changed since the cached model" in line]
    assert len(notices) == 1 and f"{EDITED} changed" in notices[0], after_edit[-2000:]
    assert "training it again" in notices[0]
    assert _manifests(cache) != trained

    retrained = _manifests(cache)
    with nbtools.kernel({**env, "LESSONS_MNIST": str(SAMPLE_PATH)}) as kernel:
        other_data = _run(kernel, edited)
    notices = [line for line in other_data.splitlines() if "changed since the cached model" in line]
    assert len(notices) == 1 and "MNIST data" in notices[0], other_data[-2000:]
    assert _manifests(cache) != retrained
    assert os.environ.get("LESSONS_MNIST") != str(SAMPLE_PATH)
