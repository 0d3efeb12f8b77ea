"""Numbers that say how good a reconstruction or a sample is.

- :func:`mse` and :func:`psnr`: notebooks 02 and 03 (autoencoder and denoiser quality).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _unit_images(images: Any, name: str) -> np.ndarray:
    array = np.asarray(images, dtype=np.float64)
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds NaN or infinite values; expected pixels in [0, 1]")
    if array.min() < 0.0 or array.max() > 1.0:
        raise ValueError(
            f"{name} holds values in [{array.min():.3g}, {array.max():.3g}]; expected pixels in [0, 1]"
        )
    return array


def _pair(reference: Any, images: Any) -> tuple[np.ndarray, np.ndarray]:
    ref = _unit_images(reference, "reference")
    img = _unit_images(images, "images")
    if ref.shape != img.shape:
        raise ValueError(f"reference has shape {ref.shape} but images has shape {img.shape}; expected equal")
    return ref, img


def mse(reference: Any, images: Any) -> float:
    """Mean squared error over all pixels of two equally shaped stacks of [0, 1] images."""
    ref, img = _pair(reference, images)
    return float(np.mean((ref - img) ** 2))


def psnr(reference: Any, images: Any) -> float:
    """Peak signal-to-noise ratio in dB for [0, 1] images: ``10 * log10(1 / MSE)``.

    Computed on the mean squared error over the whole stack (higher is better; identical
    images give ``inf``).
    """
    error = mse(reference, images)
    return float("inf") if error == 0 else float(10.0 * np.log10(1.0 / error))
