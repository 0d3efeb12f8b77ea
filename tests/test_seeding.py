"""lessons_lib.seeding: the same seed gives the same weights and the same training."""

import numpy as np
import pytest

from lessons_lib.seeding import set_seed


def _train_tiny_model(seed: int) -> list[np.ndarray]:
    import keras

    set_seed(seed)
    x = np.random.rand(64, 8).astype("float32")
    y = (x.sum(axis=1) > 4).astype("float32")
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=True)
    return model.get_weights()


@pytest.mark.slow
def test_two_runs_give_identical_weights():
    first, second = _train_tiny_model(7), _train_tiny_model(7)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


@pytest.mark.slow
def test_another_seed_gives_other_weights():
    assert not np.array_equal(_train_tiny_model(7)[0], _train_tiny_model(8)[0])


@pytest.mark.parametrize("seed", [-1, -3, 1.5, 2.0, "42", None, True])
def test_bad_seed_is_an_error(seed):
    with pytest.raises(ValueError, match=rf"^seed must be a non-negative int, got {seed!r}$"):
        set_seed(seed)


def test_the_seed_check_is_the_one_of_lessons_lib_checks():
    from lessons_lib import checks, seeding

    assert seeding.check_seed is checks.check_seed
