"""lessons_lib.progress: the progress bar that training cells and sliders show (notebooks 02, 03, 05)."""

from __future__ import annotations

import pytest

from lessons_lib.progress import TrainingProgress


def test_the_bar_follows_the_epochs_of_one_fit():
    import keras
    import numpy as np

    progress = TrainingProgress("fit")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    progress.start("training ...")
    model.fit(np.zeros((8, 2)), np.zeros((8, 1)), epochs=3, verbose=0, callbacks=[progress.callback()])
    assert (progress.bar.value, progress.bar.max) == (3.0, 3.0)
    assert progress.status.value.startswith("epoch 3/3 · loss ")
    progress.done("trained")
    assert progress.bar.bar_style == "success" and progress.status.value == "trained"
    progress.done("stopped", ok=False)
    assert progress.bar.bar_style == "danger"


def test_training_progress_names_its_arguments():
    with pytest.raises(TypeError, match=r"description must be a str such as 'fit', got 3"):
        TrainingProgress(3)
    with pytest.raises(ValueError, match=r"every_seconds must be a finite number >= 0, got -1"):
        TrainingProgress("fit").callback(every_seconds=-1)
