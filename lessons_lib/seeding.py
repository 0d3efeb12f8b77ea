"""Repeatable runs: one call seeds Python, NumPy and TensorFlow/Keras.

Used at the top of every notebook that trains a model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_DETERMINISM_ON = False


def check_seed(seed: Any, name: str = "seed") -> int:
    """Return ``seed`` as an int if it is a non-negative integer, else raise ``ValueError`` naming ``name``.

    The one seed check of the course: ``set_seed``, the noise helper of notebook 03, the model banks
    and the denoiser slider use it.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"{name} must be a non-negative int, got {seed!r}")
    return int(seed)


def set_seed(seed: int = 42, *, deterministic_ops: bool = True) -> None:
    """Seed ``random``, NumPy and TensorFlow via ``keras.utils.set_random_seed``.

    With ``deterministic_ops`` TensorFlow's op determinism is switched on too, so that two runs
    on the same machine give identical weights. Results can still differ in the last bits across
    machines, thread counts or oneDNN settings: notebooks print rounded values or bounds.
    """
    seed = check_seed(seed)
    import keras
    import tensorflow as tf

    global _DETERMINISM_ON
    keras.utils.set_random_seed(seed)
    if deterministic_ops and not _DETERMINISM_ON:
        tf.config.experimental.enable_op_determinism()
        _DETERMINISM_ON = True
