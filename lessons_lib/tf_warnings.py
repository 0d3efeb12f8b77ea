"""TensorFlow's warnings on stderr, apart from the numbers a lesson prints.

In Jupyter, TensorFlow sends its log lines (such as "5 out of the last 18 calls ... triggered
tf.function retracing") to **stdout**, in the middle of a cell's printed results. Notebook 04 trains
many small models with ``train_on_batch`` (the lecture's loop) and re-running it triggers that
warning; the sliders of notebooks 02 and 03 call many models too. On stderr the warning is still
shown (in red) but stays apart from the results, which nbval compares (stderr is not compared, see
``conftest.py``).

Used by notebooks 02, 03 and 04 (called openly in the cell that first imports Keras).
"""

from __future__ import annotations

import logging
import sys


def send_tensorflow_warnings_to_stderr() -> None:
    """Point every stream handler of TensorFlow's logger at ``sys.stderr``; warnings stay on."""
    import tensorflow as tf

    logger = tf.get_logger()
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is not sys.stderr:
            handler.setStream(sys.stderr)
