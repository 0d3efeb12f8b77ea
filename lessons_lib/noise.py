"""Gaussian noise on [0, 1] images, the lecture's way with its two bugs fixed.

The lecture builds its noisy digits as ``original + noise_factor * normal(0, 1)``, but

1. writes the test set as ``original_test * noise_factor * noise_test`` (``*`` for ``+``), which
   wipes the digit out and leaves only noise, and
2. never clips the result, so pixels leave the [0, 1] range of an image (no 8-bit file or
   fixed-range display holds them, and a real noisy photo never has them; notebook 03 shows
   what training on un-clipped inputs does).

:func:`add_gaussian_noise` does the fixed computation, repeatably (one seed gives one noise
pattern, scaled by ``noise_factor``), and checks its arguments. Notebook 03 first writes the
computation out in NumPy and then uses this helper for its noise-factor slider
(:class:`lessons_lib.widgets.DenoiserExplorer`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lessons_lib.checks import check_images01, check_number, check_seed

__all__ = ["add_gaussian_noise", "check_noise_factor"]


def check_noise_factor(noise_factor: Any, *, low: float = 0.0, high: float | None = None) -> float:
    """Return ``noise_factor`` as a float, or raise ``ValueError`` naming it and the allowed range.

    Notebook 03's noise helper uses it with no upper bound, its slider with ``high=1.0``.
    """
    return check_number(noise_factor, "noise_factor", low=low, high=high)


def add_gaussian_noise(images: Any, noise_factor: float, seed: int, *, clip: bool = True) -> np.ndarray:
    """Return ``images + noise_factor * N(0, 1)`` as float32, clipped to [0, 1] unless ``clip=False``.

    ``images`` are float pixels in [0, 1] of any shape, e.g. ``(n, 784)`` or ``(n, 28, 28)``. The
    noise is drawn with ``numpy.random.default_rng(seed).normal(0, 1, images.shape)``, so the same
    seed gives the same pattern at every ``noise_factor`` (only its strength changes), and equals
    what the notebook computes by hand with the same seed. ``noise_factor`` 0 returns the images
    unchanged.
    """
    array = check_images01(images, "images")
    factor = check_noise_factor(noise_factor)
    noise = np.random.default_rng(check_seed(seed)).normal(0.0, 1.0, array.shape)
    noisy = array + factor * noise
    if clip:
        noisy = np.clip(noisy, 0.0, 1.0)
    return noisy.astype(np.float32)
