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


def test_python_warnings_are_one_line_without_this_machines_paths():
    import warnings

    original = warnings.formatwarning
    try:
        send_tensorflow_warnings_to_stderr()
        shown = warnings.formatwarning(
            "Do not pass an `input_shape` argument (test)", UserWarning,
            "/home/student/course/.venv/lib/python3.11/site-packages/keras/src/layers/core/dense.py", 107,
            "    super().__init__(**kwargs)",
        )
    finally:
        warnings.formatwarning = original
    assert shown == "UserWarning (keras): Do not pass an `input_shape` argument (test)\n"
