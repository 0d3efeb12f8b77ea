"""TensorFlow's warnings on stderr, apart from the numbers a lesson prints.

In Jupyter, TensorFlow sends its log lines (such as "5 out of the last 18 calls ... triggered
tf.function retracing") to **stdout**, in the middle of a cell's printed results. Notebook 04 trains
many small models with ``train_on_batch`` (the lecture's loop) and re-running it triggers that
warning; the sliders of notebooks 02 and 03 call many models too. On stderr the warning is still
shown (in red) but stays apart from the results, which nbval compares (stderr is not compared, see
``conftest.py``).

Python warnings (such as Keras's ``UserWarning``) are shortened to one line naming the warning and the
library that raised it, without the path of the file on this machine (``/home/.../.venv/...``)
and the source line, which mean nothing to a student.

Used by every notebook (called openly in the cell that first imports Keras).
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path


def short_warning(message, category, filename, lineno, line=None) -> str:  # noqa: ANN001 - warnings' API
    """``UserWarning (keras): <message>`` — a warning without this machine's paths."""
    parts = Path(str(filename)).parts
    library = next((parts[i + 1] for i, part in enumerate(parts[:-1]) if part == "site-packages"), None)
    origin = f" ({library})" if library else ""
    return f"{category.__name__}{origin}: {message}\n"


def send_tensorflow_warnings_to_stderr() -> None:
    """Point every stream handler of TensorFlow's logger at ``sys.stderr`` and shorten Python's warnings.

    Warnings stay on: they are shown in red, one line each, without file paths.
    """
    import tensorflow as tf

    warnings.formatwarning = short_warning
    logger = tf.get_logger()
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is not sys.stderr:
            handler.setStream(sys.stderr)
