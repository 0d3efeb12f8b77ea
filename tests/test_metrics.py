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


IMAGES = np.zeros((2, 28, 28), dtype="float32")


@pytest.mark.parametrize("metric", [mse, psnr])
@pytest.mark.parametrize(
    "reference, images, message",
    [
        (IMAGES, IMAGES + 2, r"images holds values in \[2, 2\]; expected pixels in \[0, 1\]"),
        (IMAGES - 0.5, IMAGES, r"reference holds values in \[-0.5, -0.5\]; expected pixels in \[0, 1\]"),
        (
            IMAGES,
            np.full_like(IMAGES, np.nan),
            r"images holds NaN or infinite values; expected pixels in \[0, 1\]",
        ),
        (IMAGES, IMAGES[:1], r"reference has shape \(2, 28, 28\) but images has shape \(1, 28, 28\)"),
        (np.zeros(0), np.zeros(0), r"reference must not be empty"),
        (
            IMAGES,
            IMAGES.astype(np.uint8),
            r"images must be float pixels in \[0, 1\] \(use lessons_lib.data.to_float\), got dtype uint8",
        ),
    ],
)
def test_metrics_name_the_bad_argument(metric, reference, images, message):
    with pytest.raises(ValueError, match=message):
        metric(reference, images)


def test_psnr_checks_like_mse():
    with pytest.raises(ValueError, match=r"images holds values in \[-1, -1\]; expected pixels in \[0, 1\]"):
        psnr(IMAGES, IMAGES - 1)
