"""lessons_lib.metrics: MSE and PSNR on [0, 1] images."""

import numpy as np
import pytest

from lessons_lib.metrics import mse, psnr


def test_mse_and_psnr_known_values():
    a = np.zeros((2, 28, 28))
    b = np.full((2, 28, 28), 0.1)
    assert mse(a, b) == pytest.approx(0.01)
    assert psnr(a, b) == pytest.approx(20.0)
    assert psnr(a, a) == float("inf")


@pytest.mark.parametrize(
    "images, message",
    [
        (np.full((1, 28, 28), 1.5), r"images holds values in \[1.5, 1.5\]; expected pixels in \[0, 1\]"),
        (np.full((1, 28, 28), np.nan), "images holds NaN"),
        (np.zeros((2, 28, 28)), r"reference has shape \(1, 28, 28\) but images has shape \(2, 28, 28\)"),
    ],
)
def test_bad_inputs_are_named(images, message):
    with pytest.raises(ValueError, match=message):
        mse(np.zeros((1, 28, 28)), images)
