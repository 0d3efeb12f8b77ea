"""lessons_lib.noise: the lecture's noise with its two bugs fixed, repeatable and checked."""

import numpy as np
import pytest

from lessons_lib.noise import add_gaussian_noise, check_noise_factor


def _digits():
    return np.random.default_rng(0).random((5, 784)).astype(np.float32)


def test_noise_is_the_fixed_lecture_formula_with_the_same_seed():
    clean = _digits()
    by_hand = np.clip(clean + 0.55 * np.random.default_rng(7).normal(0, 1, clean.shape), 0.0, 1.0)
    noisy = add_gaussian_noise(clean, 0.55, seed=7)
    assert noisy.dtype == np.float32 and noisy.shape == clean.shape
    assert np.allclose(noisy, by_hand, atol=1e-6)
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0


def test_unclipped_noise_leaves_the_unit_range_and_scales_one_pattern():
    clean = _digits()
    raw = add_gaussian_noise(clean, 0.5, seed=1, clip=False)
    assert raw.min() < 0.0 and raw.max() > 1.0
    double = add_gaussian_noise(clean, 1.0, seed=1, clip=False)
    assert np.allclose(double - clean, 2 * (raw - clean), atol=1e-5)
    assert np.array_equal(add_gaussian_noise(clean, 0.0, seed=1), clean)
    assert not np.array_equal(add_gaussian_noise(clean, 0.5, seed=2), add_gaussian_noise(clean, 0.5, seed=1))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"noise_factor": -0.1}, r"noise_factor must be a finite number >= 0.0, got -0.1"),
        ({"noise_factor": float("nan")}, "noise_factor must be a finite number"),
        ({"noise_factor": "0.5"}, r"noise_factor must be a finite number >= 0.0, got '0.5'"),
        ({"seed": -1}, "seed must be a non-negative int, got -1"),
        ({"seed": 1.5}, "seed must be a non-negative int"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    args = {"noise_factor": 0.5, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        add_gaussian_noise(_digits(), **args)


def test_images_must_be_unit_floats():
    with pytest.raises(ValueError, match="images must be float pixels in \\[0, 1\\].*uint8"):
        add_gaussian_noise(np.zeros((2, 784), np.uint8), 0.5, seed=0)
    with pytest.raises(ValueError, match=r"images holds values in \[2, 2\]; expected pixels in \[0, 1\]"):
        add_gaussian_noise(np.full((2, 784), 2.0), 0.5, seed=0)
    with pytest.raises(ValueError, match=r"images holds NaN or infinite values; expected pixels in \[0, 1\]"):
        add_gaussian_noise(np.full((2, 784), np.nan), 0.5, seed=0)
    with pytest.raises(ValueError, match=r"images must not be empty"):
        add_gaussian_noise(np.zeros((0, 784), np.float32), 0.5, seed=0)


@pytest.mark.parametrize(
    "value, message",
    [
        (-0.1, r"noise_factor must be a finite number >= 0.0, got -0.1"),
        (float("nan"), r"noise_factor must be a finite number >= 0.0, got nan"),
        ("0.5", r"noise_factor must be a finite number >= 0.0, got '0.5'"),
        (True, r"noise_factor must be a finite number >= 0.0, got True"),
    ],
)
def test_check_noise_factor_names_the_range(value, message):
    with pytest.raises(ValueError, match=message):
        check_noise_factor(value)


def test_check_noise_factor_with_an_upper_bound():
    expected = r"noise_factor must be a finite number between 0.0 and 1.0, got 1.2"
    with pytest.raises(ValueError, match=expected):
        check_noise_factor(1.2, high=1.0)
    assert check_noise_factor(np.float32(0.25), high=1.0) == 0.25
