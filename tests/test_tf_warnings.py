"""lessons_lib.tf_warnings: TensorFlow's warnings leave a cell's stdout (notebook 04)."""

from __future__ import annotations

import logging
import sys

from lessons_lib.tf_warnings import send_tensorflow_warnings_to_stderr


def test_tensorflow_warnings_go_to_stderr_not_stdout(capsys):
    import tensorflow as tf

    logger = tf.get_logger()
    # as in Jupyter, where TensorFlow's handler writes to stdout
    handler = logging.StreamHandler(sys.stdout)
    logger.addHandler(handler)
    try:
        send_tensorflow_warnings_to_stderr()
        logger.warning("triggered tf.function retracing (test)")
    finally:
        logger.removeHandler(handler)
    captured = capsys.readouterr()
    assert "retracing (test)" not in captured.out
    assert "retracing (test)" in captured.err
