"""lessons_lib.checks: the one place for checks of whole numbers, ranges, choices, labels, arrays and images.

Each check hands back the value in the form the caller works with, and refuses bad input with a
message naming the argument, what was expected and what it got.
"""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib.checks import (
    check_choice,
    check_finite_array,
    check_image_stack,
    check_images01,
    check_int,
    check_labels,
    check_number,
    check_positive_int,
    check_seed,
)

DIGITS = np.linspace(0, 1, 2 * 28 * 28, dtype=np.float32).reshape(2, 28, 28)


# ---- whole numbers ------------------------------------------------------------------------------

def test_whole_numbers_come_back_as_python_ints():
    assert check_positive_int(3, "epochs") == 3
    value = check_seed(np.int64(7))
    assert value == 7 and type(value) is int  # keras.utils.set_random_seed wants a Python int
    assert type(check_int(np.uint8(12), "dpi", low=10, high=600)) is int
    assert check_seed(0) == 0


@pytest.mark.parametrize("value", [0, -2, 2.0, 1.5, True, "3", None])
def test_positive_int_names_the_argument(value):
    with pytest.raises(ValueError, match=rf"^n_cols must be a positive int, got {value!r}$"):
        check_positive_int(value, "n_cols")


@pytest.mark.parametrize("seed", [-3, 2.0, None, "7", False])
def test_seed_must_be_a_non_negative_int(seed):
    with pytest.raises(ValueError, match=rf"^seed must be a non-negative int, got {seed!r}$"):
        check_seed(seed)
    with pytest.raises(ValueError, match=rf"^noise_seed must be a non-negative int, got {seed!r}$"):
        check_seed(seed, "noise_seed")


@pytest.mark.parametrize(
    "low, high, value, message",
    [
        (2, None, 1, r"^n_frames must be an int >= 2, got 1$"),
        (10, 600, 601, r"^n_frames must be an int between 10 and 600, got 601$"),
        (None, 5, 6, r"^n_frames must be an int <= 5, got 6$"),
        (None, None, 1.0, r"^n_frames must be an int, got 1.0$"),
    ],
)
def test_int_ranges_are_spelled_out(low, high, value, message):
    with pytest.raises(ValueError, match=message):
        check_int(value, "n_frames", low=low, high=high)


# ---- numbers in a range -------------------------------------------------------------------------

def test_numbers_come_back_as_floats():
    assert check_number(np.float32(0.25), "t", low=0, high=1) == 0.25
    assert check_number(1, "t", low=0, high=1) == 1.0
    assert check_number(-7.5, "low") == -7.5


@pytest.mark.parametrize(
    "value, kwargs, message",
    [
        (1.5, {"low": 0, "high": 1}, r"^t must be a finite number between 0 and 1, got 1.5$"),
        (float("nan"), {"low": 0, "high": 1}, r"^t must be a finite number between 0 and 1, got nan$"),
        (float("inf"), {}, r"^t must be a finite number, got inf$"),
        ("0.5", {"low": 0.0}, r"^t must be a finite number >= 0.0, got '0.5'$"),
        (True, {"low": 0.0}, r"^t must be a finite number >= 0.0, got True$"),
        (0, {"low": 0, "high": 1, "open_low": True, "open_high": True},
         r"^t must be a finite number strictly between 0 and 1, got 0$"),
        (1, {"low": 0, "high": 1, "open_high": True}, r"^t must be a finite number in \[0, 1\), got 1$"),
        (0, {"low": 0, "open_low": True}, r"^t must be a finite number > 0, got 0$"),
        (3, {"high": 2}, r"^t must be a finite number <= 2, got 3$"),
        (25, {"low": 0, "high": 20, "open_low": True, "open_high": True, "what": "number of inches"},
         r"^t must be a finite number of inches strictly between 0 and 20, got 25$"),
    ],
)
def test_number_ranges_are_spelled_out(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_number(value, "t", **kwargs)


# ---- one of the offered values ------------------------------------------------------------------

def test_choice_returns_the_offered_value():
    assert check_choice(np.int64(32), "code_size", (2, 32)) == 32
    assert type(check_choice(np.int64(32), "code_size", (2, 32))) is int
    assert check_choice("sample", "expect", ("full", "sample")) == "sample"


@pytest.mark.parametrize("value", [5, True, 32.0, "32", None])
def test_choice_names_the_offered_values(value):
    with pytest.raises(ValueError, match=rf"^code_size must be one of 1, 2, 32, got {value!r}$"):
        check_choice(value, "code_size", (1, 2, 32))


# ---- class labels -------------------------------------------------------------------------------

def test_labels_come_back_as_integer_arrays():
    labels = check_labels(np.array([0, 9, 3], np.uint8), "y_train")
    assert labels.dtype == np.uint8 and labels.tolist() == [0, 9, 3]  # dtype kept
    assert check_labels([0, 3], "digits", n_classes=4).tolist() == [0, 3]
    assert len(check_labels(np.arange(5), "y_test", n=5)) == 5


NOT_LABELS = r"^digits must be a non-empty 1-D list of integer labels, got"


@pytest.mark.parametrize(
    "labels, kwargs, message",
    [
        ([1, 10], {}, r"^digits must hold labels 0-9, got values from 1 to 10$"),
        ([-1, 2], {}, r"^digits must hold labels 0-9, got values from -1 to 2$"),
        ([0, 4], {"n_classes": 4}, r"^digits must hold labels 0-3, got values from 0 to 4$"),
        ([10], {"what": "digits"}, r"^digits must hold digits 0-9, got values from 10 to 10$"),
        ([], {}, NOT_LABELS + r" shape \(0,\) and dtype float64$"),
        ([0.5], {}, NOT_LABELS + r" shape \(1,\) and dtype float64$"),
        ([3.0], {}, NOT_LABELS + r" shape \(1,\) and dtype"),
        ([True], {}, NOT_LABELS + r" shape \(1,\) and dtype bool$"),
        ([[1, 2]], {}, NOT_LABELS + r" shape \(1, 2\)"),
        ([[1], [1, 2]], {}, NOT_LABELS + r" \[\[1\], \[1, 2\]\]$"),
        ([1, 2], {"n": 3, "per": "test digit"},
         r"^digits must hold one integer label per test digit \(3\), got shape \(2,\) and dtype int"),
        ([1], {"n_classes": 1}, r"^n_classes must be an int >= 2, got 1$"),
    ],
)
def test_labels_name_the_argument_and_the_expected_labels(labels, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_labels(labels, "digits", **kwargs)


# ---- arrays of finite numbers -------------------------------------------------------------------

def test_finite_arrays_come_back_converted():
    assert check_finite_array([1, 2], "fid").dtype == np.float64
    assert check_finite_array([[1, 2]], "noise", shape=("n", "z_dim"), dtype="float32").dtype == np.float32
    assert check_finite_array(np.zeros((2, 10)), "probabilities", shape=("n", 10)).shape == (2, 10)
    nearly = np.full((1, 10), 1 + 1e-9)
    clipped = check_finite_array(nearly, "probabilities", within=(0, 1), tolerance=1e-6)
    assert clipped.max() == 1.0  # within the tolerance: clipped, not refused
    assert check_finite_array(np.zeros((0, 3)), "any").shape == (0, 3)  # no shape asked: any shape


@pytest.mark.parametrize(
    "values, kwargs, message",
    [
        ([1.0, np.nan], {}, r"^x holds NaN or infinite values; expected finite numbers$"),
        (np.full((2, 3), np.inf), {"what": "finite latent vectors"},
         r"^x holds NaN or infinite values; expected finite latent vectors$"),
        (["a", "b"], {}, r"^x must hold finite numbers, got \['a', 'b'\]$"),
        ([[1], [1, 2]], {}, r"^x must hold finite numbers, got \[\[1\], \[1, 2\]\]$"),
        ([], {"shape": ("n",)}, r"^x must be a non-empty 1-D sequence of numbers, got shape \(0,\)$"),
        ([[1.0]], {"shape": ("n",)}, r"^x must be a non-empty 1-D sequence of numbers, got shape \(1, 1\)$"),
        ([1.0], {"shape": ("n",), "min_len": 2},
         r"^x must be a 1-D sequence of at least 2 numbers, got shape \(1,\)$"),
        (np.zeros(4), {"shape": ("n", "z_dim")}, r"^x must have shape \(n, z_dim\) with n > 0, got \(4,\)$"),
        (np.zeros((0, 4)), {"shape": ("n", "z_dim")},
         r"^x must have shape \(n, z_dim\) with n > 0, got \(0, 4\)$"),
        (np.zeros((1, 3)), {"shape": ("n", "d"), "min_len": 2},
         r"^x must have shape \(n, d\) with n >= 2, got \(1, 3\)$"),
        (np.zeros((4, 9)), {"shape": ("n", 10)}, r"^x must have shape \(n, 10\) with n > 0, got \(4, 9\)$"),
        (np.full((2, 10), 1.5), {"within": (0, 1), "what": "probabilities"},
         r"^x holds values in \[1.5, 1.5\]; expected probabilities in \[0, 1\]$"),
        (np.full((2, 10), -1e-3), {"within": (0, 1), "tolerance": 1e-6},
         r"^x holds values in \[-0.001, -0.001\]; expected finite numbers in \[0, 1\]$"),
        (np.full((2, 10), np.nan), {"within": (0, 1), "what": "probabilities"},
         r"^x holds NaN or infinite values; expected probabilities in \[0, 1\]$"),
    ],
)
def test_finite_arrays_name_the_argument_and_what_is_wrong(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_finite_array(values, "x", **kwargs)


# ---- stacks of images ---------------------------------------------------------------------------

def test_image_stack_accepts_the_three_layouts():
    assert check_image_stack(np.zeros((3, 5, 7), np.uint8), "images").shape == (3, 5, 7)
    assert check_image_stack(np.zeros((3, 5, 7, 1)), "images").shape == (3, 5, 7)
    assert check_image_stack(np.zeros((3, 784)), "images", side=28).shape == (3, 28, 28)
    assert check_image_stack(np.zeros((3, 5, 7), np.uint8), "images").dtype == np.uint8  # kept for drawing


@pytest.mark.parametrize(
    "images, kwargs, message",
    [
        (np.zeros((28, 28)), {}, r"^images must be a non-empty stack of images \(n, h, w\), \(n, h, w, 1\) "
         r"or \(n, 784\), got shape \(28, 28\)$"),
        (np.zeros((0, 28, 28)), {}, r"^images must be a non-empty stack of images .*got shape \(0, 28, 28\)"),
        (np.zeros((2, 28, 28, 3)), {}, r"got shape \(2, 28, 28, 3\)$"),
        (np.zeros((2, 27, 27)), {"side": 28},
         r"^images must be a non-empty stack of images \(n, 28, 28\), \(n, 28, 28, 1\) or \(n, 784\), "
         r"got shape \(2, 27, 27\)$"),
        (np.full((2, 3, 3), np.inf), {}, r"^images holds NaN or infinite values; expected finite numbers$"),
        (np.array([["a"] * 3] * 3)[None], {}, r"^images must hold numbers, got dtype <U1$"),
    ],
)
def test_image_stack_names_what_is_wrong(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_image_stack(images, "images", **kwargs)


# ---- pixels in [0, 1] ---------------------------------------------------------------------------

def test_images01_keeps_or_converts_and_reshapes():
    assert check_images01(DIGITS, "images").dtype == np.float32
    assert check_images01(DIGITS, "images", dtype=np.float64).dtype == np.float64
    assert check_images01(DIGITS.reshape(2, 784), "images", shape="digits").shape == (2, 28, 28)
    assert check_images01(DIGITS[..., None], "images", shape="digits").shape == (2, 28, 28)
    assert check_images01(DIGITS.reshape(4, 14, 28), "images").shape == (4, 14, 28)  # any shape
    slightly_off = DIGITS.astype(np.float64) * (1 + 1e-9)
    fixed = check_images01(slightly_off, "images", tolerance=1e-6)
    assert fixed.max() == 1.0  # within the tolerance: clipped, not refused


@pytest.mark.parametrize(
    "images, kwargs, message",
    [
        (DIGITS + 2, {}, r"^clean holds values in \[2, 3\]; expected pixels in \[0, 1\]$"),
        (DIGITS - 0.5, {"tolerance": 1e-6}, r"^clean holds values in \[-0.5, 0.5\]; expected pixels in"),
        (np.full((2, 4), np.nan), {}, r"^clean holds NaN or infinite values; expected pixels in \[0, 1\]$"),
        (np.zeros((2, 784), np.uint8), {},
         r"^clean must be float pixels in \[0, 1\] \(use lessons_lib.data.to_float\), got dtype uint8$"),
        (np.zeros((0, 784), np.float32), {}, r"^clean must not be empty; expected pixels in \[0, 1\]$"),
        (np.zeros((2, 783), np.float32), {"shape": "digits"},
         r"^clean must be a non-empty stack of images \(n, 28, 28\), .*got shape \(2, 783\)$"),
        (DIGITS, {"shape": "flat"}, r"^shape must be 'any' or 'digits', got 'flat'$"),
    ],
)
def test_images01_names_the_argument_and_the_expected_pixels(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_images01(images, "clean", **kwargs)
