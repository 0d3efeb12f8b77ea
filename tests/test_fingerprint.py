"""lessons_lib.fingerprint: what the cache sees of a notebook's training code and data."""

from __future__ import annotations

import functools
import importlib.util
import textwrap
import time

import numpy as np
import pytest

from lessons_lib import fingerprint

CELLS = """
import functools
import numpy as np
EPOCHS = {epochs}
LAYERS = (64, 32)
history = []  # a list the code appends to: not a setting
x_train = np.ones((5, 3), dtype="float32") * {scale}

mean = "a global that shares its name with an attribute"

def helper(n):
    return np.asarray(n).mean() * {factor}

def build(units=8):
    return helper(units)

class Trainer:
    def step(self):
        return build() + EPOCHS

def train(callbacks=None):
    history.append(1)
    return build(LAYERS[0]) + x_train.sum() + Trainer().step()

train_short = functools.partial(train, callbacks=())
"""


def _cells(tmp_path, epochs=3, scale=1.0, factor=2):
    path = tmp_path / f"cells_{time.monotonic_ns()}.py"
    path.write_text(textwrap.dedent(CELLS.format(epochs=epochs, scale=scale, factor=factor)))
    spec = importlib.util.spec_from_file_location("cells", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fingerprint_follows_the_notebook_code_settings_and_arrays(tmp_path):
    parts = fingerprint.code_fingerprint(_cells(tmp_path).train)
    assert {"train", "build", "helper", "EPOCHS", "LAYERS", "x_train", "Trainer.step"} <= set(parts)
    assert "history" not in parts and "np" not in parts
    assert "mean" not in parts, "np.asarray(n).mean() reads an attribute, not the global `mean`"


def test_the_same_code_gives_the_same_fingerprint_and_an_edit_names_what_changed(tmp_path):
    first = fingerprint.code_fingerprint(_cells(tmp_path).train)
    again = fingerprint.code_fingerprint(_cells(tmp_path).train)
    assert first == again
    cells = _cells(tmp_path)
    cells.train()  # running the code (history grows) changes nothing
    assert fingerprint.code_fingerprint(cells.train) == first
    for edit, part in [({"factor": 3}, "helper"), ({"epochs": 4}, "EPOCHS"), ({"scale": 2}, "x_train")]:
        edited = fingerprint.code_fingerprint(_cells(tmp_path, **edit).train)
        assert fingerprint.changed_parts(first, edited) == [part]


def test_a_partial_carries_its_arguments(tmp_path):
    cells = _cells(tmp_path)
    short = fingerprint.code_fingerprint(functools.partial(cells.train, callbacks=5))
    longer = fingerprint.code_fingerprint(functools.partial(cells.train, callbacks=6))
    assert fingerprint.changed_parts(short, longer) == ["train argument callbacks"]


def test_array_digest_sees_content_and_in_place_changes():
    a = np.zeros((100, 10), dtype="float32")
    first = fingerprint.array_digest(a)
    assert fingerprint.array_digest(a.copy()) == first
    a[::7] = 1.0  # changed in place, seen by the cheap probe
    assert fingerprint.array_digest(a) != first
    assert fingerprint.array_digest(np.zeros((10, 100), dtype="float32")) != first


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match=r"code_fingerprint needs a function"):
        fingerprint.code_fingerprint()
    with pytest.raises(TypeError, match=r"functions must be the notebook's build/train functions, got 3"):
        fingerprint.code_fingerprint(3)
    with pytest.raises(TypeError, match=r"array must be a NumPy array, got list"):
        fingerprint.array_digest([1, 2])
    with pytest.raises(TypeError, match=r"old must be a fingerprint dict from code_fingerprint, got list"):
        fingerprint.changed_parts([], {})
    with pytest.raises(TypeError, match=r"new must be a fingerprint dict"):
        fingerprint.changed_parts({}, None)
