"""Checks of the inputs every lesson passes around: the course's one place for them.

Each check returns the value in the form the caller works with (a plain ``int``, a ``float``, a
NumPy array) or raises ``ValueError`` naming the argument, what was expected and what it got:

- :func:`check_int`, :func:`check_positive_int`, :func:`check_seed`: whole numbers (epochs,
  columns, latent sizes, seeds); ``True`` is not a number here, NumPy integers are;
- :func:`check_number`: a finite number, optionally in a range (noise factor, threshold, ``t``);
- :func:`check_choice`: one of the offered values (a slider's code sizes);
- :func:`check_labels`: class labels 0 .. n_classes - 1 (MNIST's ``y``, the digits of a
  conditional GAN);
- :func:`check_finite_array`: an array of finite numbers, optionally of a given shape and in a
  range (noise batches, classifier features and probabilities, curves to plot);
- :func:`check_image_stack`: a non-empty stack of images to draw, ``(n, h, w)``;
- :func:`check_images01`: pixels in [0, 1], finite, float (what a sigmoid produces and what
  ``lessons_lib.data.to_float`` returns), optionally as a stack of 28x28 digits.

Used by every helper module: seeds in all notebooks, pixels in notebooks 02-04 (metrics, noise,
sliders), whole numbers and ranges in the plots, callbacks and the latent walk of notebook 04.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np

__all__ = [
    "check_choice",
    "check_finite_array",
    "check_image_stack",
    "check_images01",
    "check_int",
    "check_labels",
    "check_number",
    "check_positive_int",
    "check_seed",
]

#: The shapes a stack of images may come in (flat rows of 784 pixels are 28x28 digits).
STACK_SHAPES = "(n, h, w), (n, h, w, 1) or (n, 784)"
DIGIT_SHAPES = "(n, 28, 28), (n, 28, 28, 1) or (n, 784)"


def _int_range(low: int | None, high: int | None) -> str:
    if high is None:
        if low == 1:
            return "a positive int"
        if low == 0:
            return "a non-negative int"
        return "an int" if low is None else f"an int >= {low}"
    if low is None:
        return f"an int <= {high}"
    return f"an int between {low} and {high}"


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as a Python ``int`` if it is a whole number in ``[low, high]``.

    ``bool`` and floats (even ``2.0``) are refused; NumPy integers are accepted.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be {_int_range(low, high)}, got {value!r}")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{name} must be {_int_range(low, high)}, got {value!r}")
    return number


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an ``int`` >= 1 (epochs, columns, ``every`` steps, sample counts)."""
    return check_int(value, name, low=1)


def check_seed(value: Any, name: str = "seed") -> int:
    """Return ``value`` as an ``int`` >= 0: a seed for ``set_seed``, NumPy or a model bank.

    ``keras.utils.set_random_seed`` wants a Python int, so NumPy integers come back as ``int``.
    """
    return check_int(value, name, low=0)


def _number_range(low: float | None, high: float | None, open_low: bool, open_high: bool) -> str:
    if low is not None and high is not None:
        if not open_low and not open_high:
            return f" between {low} and {high}"
        if open_low and open_high:
            return f" strictly between {low} and {high}"
        return f" in {'(' if open_low else '['}{low}, {high}{')' if open_high else ']'}"
    if low is not None:
        return f" {'>' if open_low else '>='} {low}"
    if high is not None:
        return f" {'<' if open_high else '<='} {high}"
    return ""


def check_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    open_high: bool = False,
    what: str = "number",
) -> float:
    """Return ``value`` as a finite ``float`` in the range from ``low`` to ``high``.

    The bounds are included unless ``open_low`` / ``open_high``. ``what`` names the kind of
    number in the message (``"number of inches"``). ``bool``, strings and NaN are refused.
    """
    expected = f"{name} must be a finite {what}{_number_range(low, high, open_low, open_high)}"
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{expected}, got {value!r}")
    number = float(value)
    too_low = low is not None and (number <= low if open_low else number < low)
    too_high = high is not None and (number >= high if open_high else number > high)
    if not math.isfinite(number) or too_low or too_high:
        raise ValueError(f"{expected}, got {value!r}")
    return number


def check_choice(value: Any, name: str, offered: Iterable[Any]) -> Any:
    """Return the offered value equal to ``value`` (of the same type: ``True`` is not ``1``).

    NumPy scalars count as the Python value they hold (``np.int64(32)`` is ``32``).
    """
    options = tuple(offered)
    plain = value.item() if isinstance(value, np.generic) else value
    for option in options:
        if type(plain) is type(option) and plain == option:
            return option
    raise ValueError(f"{name} must be one of {', '.join(map(str, options))}, got {value!r}")


def check_labels(
    labels: Any,
    name: str,
    *,
    n_classes: int = 10,
    n: int | None = None,
    per: str = "image",
    what: str = "labels",
) -> np.ndarray:
    """Return ``labels`` as a non-empty 1-D integer array of labels 0 .. ``n_classes`` - 1 (dtype kept).

    With ``n``, there must be exactly ``n`` of them, one per ``per`` (``"test digit"``). ``what``
    names the labels in the message (``"digits"``). Floats (even ``3.0``) and ``bool`` are refused.
    """
    n_classes = check_int(n_classes, "n_classes", low=2)
    if n is None:
        expected = "be a non-empty 1-D list of integer labels"
    else:
        expected = f"hold one integer label per {per} ({n})"
    try:
        array = np.asarray(labels)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must {expected}, got {labels!r}") from None
    wrong_length = n is not None and array.ndim == 1 and len(array) != n
    if array.ndim != 1 or array.size == 0 or wrong_length or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must {expected}, got shape {array.shape} and dtype {array.dtype}")
    low, high = array.min(), array.max()
    if low < 0 or high >= n_classes:
        raise ValueError(f"{name} must hold {what} 0-{n_classes - 1}, got values from {low} to {high}")
    return array


def _expected(what: str, within: tuple[float, float] | None) -> str:
    return what if within is None else f"{what} in [{within[0]:g}, {within[1]:g}]"


def _finite(
    array: np.ndarray,
    name: str,
    what: str,
    within: tuple[float, float] | None = None,
    tolerance: float = 0.0,
) -> np.ndarray:
    """``array`` if its values are finite (and in ``within``, up to ``tolerance``: then clipped)."""
    expected = _expected(what, within)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds NaN or infinite values; expected {expected}")
    if within is None or array.size == 0:
        return array
    low, high = float(array.min()), float(array.max())
    if low < within[0] - tolerance or high > within[1] + tolerance:
        raise ValueError(f"{name} holds values in [{low:.3g}, {high:.3g}]; expected {expected}")
    if low < within[0] or high > within[1]:
        array = np.clip(array, within[0], within[1])
    return array


def _shape_message(name: str, shape: tuple[str | int, ...], min_len: int, got: tuple[int, ...]) -> str:
    if len(shape) == 1:
        size = "a non-empty 1-D sequence of" if min_len <= 1 else f"a 1-D sequence of at least {min_len}"
        return f"{name} must be {size} numbers, got shape {got}"
    count = f"{shape[0]} > 0" if min_len <= 1 else f"{shape[0]} >= {min_len}"
    return f"{name} must have shape ({', '.join(map(str, shape))}) with {count}, got {got}"


def check_finite_array(
    values: Any,
    name: str,
    *,
    shape: tuple[str | int, ...] | None = None,
    min_len: int = 1,
    within: tuple[float, float] | None = None,
    tolerance: float = 0.0,
    what: str = "finite numbers",
    dtype: Any = np.float64,
) -> np.ndarray:
    """Return ``values`` as a ``dtype`` array of finite numbers.

    ``shape`` names the dimensions: a string is any size, an int that exact size, and the first
    (a string such as ``"n"``) must be at least ``min_len``: ``("n", "z_dim")``, ``("n", 10)``,
    ``("n",)`` for a curve. ``within=(low, high)`` also requires values in that range, up to
    ``tolerance`` (values within it are clipped). ``what`` names the values in the message
    (``"finite latent vectors"``).
    """
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold {_expected(what, within)}, got {values!r}") from None
    if shape is not None:
        sizes = zip(array.shape, shape, strict=False)
        fixed_sizes_fit = all(size == want for size, want in sizes if isinstance(want, int))
        fits = array.ndim == len(shape) and len(array) >= min_len and fixed_sizes_fit
        if not fits:
            raise ValueError(_shape_message(name, shape, min_len, array.shape))
    return _finite(array, name, what, within, tolerance)


def _stack(array: np.ndarray, name: str, shape: tuple[Any, ...], side: int | None) -> np.ndarray:
    """``array`` as ``(n, h, w)`` (``(n, side, side)`` when ``side`` is given), or a ValueError."""
    if array.ndim == 2 and array.shape[1] == 28 * 28:
        array = array.reshape(len(array), 28, 28)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    wrong_side = side is not None and array.ndim == 3 and array.shape[1:] != (side, side)
    if array.ndim != 3 or array.shape[0] == 0 or wrong_side:
        kind = STACK_SHAPES if side is None else DIGIT_SHAPES.replace("28", str(side))
        raise ValueError(f"{name} must be a non-empty stack of images {kind}, got shape {shape}")
    return array


def check_image_stack(images: Any, name: str, *, side: int | None = None) -> np.ndarray:
    """Return ``images`` as an ``(n, h, w)`` array of finite numbers (dtype kept), for drawing.

    Accepts ``(n, h, w)``, ``(n, h, w, 1)`` and ``(n, 784)`` (rows of 28x28 digits); with
    ``side`` the images must be ``side`` x ``side``. Any range of values is allowed (uint8 0-255
    or floats): see :func:`check_images01` for pixels in [0, 1].
    """
    array = np.asarray(images)
    stack = _stack(array, name, np.shape(images), side)
    if not np.issubdtype(stack.dtype, np.number) or np.issubdtype(stack.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold numbers, got dtype {stack.dtype}")
    return _finite(stack, name, "finite numbers")


def check_images01(
    images: Any,
    name: str,
    *,
    shape: Literal["any", "digits"] = "any",
    dtype: Any = None,
    tolerance: float = 0.0,
) -> np.ndarray:
    """Return ``images`` as an array of finite float pixels in [0, 1] (converted to ``dtype`` if given).

    Refused, with a message naming ``name``: an empty array, integer pixels (uint8 0-255: use
    ``lessons_lib.data.to_float``), NaN or infinite values, values outside [0, 1] (more than
    ``tolerance`` outside; those within are clipped). ``shape="any"`` keeps the shape;
    ``shape="digits"`` returns an ``(n, 28, 28)`` stack from ``(n, 28, 28)``, ``(n, 28, 28, 1)``
    or ``(n, 784)``.
    """
    if shape not in ("any", "digits"):
        raise ValueError(f"shape must be 'any' or 'digits', got {shape!r}")
    array = np.asarray(images)
    if array.size == 0:
        raise ValueError(f"{name} must not be empty; expected pixels in [0, 1]")
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(
            f"{name} must be float pixels in [0, 1] (use lessons_lib.data.to_float), got dtype {array.dtype}"
        )
    array = _finite(array, name, "pixels", (0.0, 1.0), tolerance)
    if shape == "digits":
        array = _stack(array, name, np.shape(images), 28)
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    return array
