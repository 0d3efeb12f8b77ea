"""Repeatable runs: one call seeds Python, NumPy and TensorFlow/Keras.

Used at the top of every notebook that trains a model.
"""

from __future__ import annotations

from lessons_lib.checks import check_seed

__all__ = ["check_seed", "set_seed"]

_DETERMINISM_ON = False


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
