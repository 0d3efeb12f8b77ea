"""Training that shows its progress: a progress bar with a status line, driven by a Keras callback.

:class:`TrainingProgress` is an ipywidgets progress bar; ``progress.callback()`` moves it through the
epochs (and batches) of one ``fit``, so ``fit(..., verbose=0)`` still shows how far it got. The
cache's :class:`lessons_lib.cache.ModelBank` drives it while a model trains.

Used by notebooks 02 and 03 (the autoencoder sweep, the lecture's models, the sliders of
:mod:`lessons_lib.widgets`).
"""

from __future__ import annotations

import time
from typing import Any

from lessons_lib.checks import check_number

__all__ = ["TrainingProgress"]


class TrainingProgress:
    """A progress bar (``bar``) and a status line (``status``) in one ``widget`` (an HBox).

    ``callback()`` returns a Keras callback that moves the bar through the epochs (and batches)
    of one ``fit`` call; :meth:`done` writes the final status.
    """

    def __init__(self, description: str = "training") -> None:
        import ipywidgets as widgets

        if not isinstance(description, str):
            raise TypeError(f"description must be a str such as 'fit', got {description!r}")
        self.bar = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description=description)
        self.status = widgets.Label(value="idle")
        self.widget = widgets.HBox([self.bar, self.status])

    def start(self, text: str) -> None:
        self.bar.value = 0.0
        self.bar.bar_style = "info"
        self.status.value = text

    def done(self, text: str, *, ok: bool = True) -> None:
        self.bar.value = self.bar.max if ok else self.bar.value
        self.bar.bar_style = "success" if ok else "danger"
        self.status.value = text

    def callback(self, *, every_seconds: float = 0.25) -> Any:
        """A fresh ``keras.callbacks.Callback`` reporting to this bar."""
        import keras

        check_number(every_seconds, "every_seconds", low=0)
        progress = self

        class _ProgressCallback(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self._epochs = int(self.params.get("epochs") or 1)
                self._steps = int(self.params.get("steps") or 0)
                self._epoch = 0
                self._last = 0.0
                progress.bar.max = float(self._epochs)
                progress.bar.value = 0.0

            def on_epoch_begin(self, epoch, logs=None):
                self._epoch = epoch

            def on_train_batch_end(self, batch, logs=None):
                now = time.monotonic()
                if self._steps and now - self._last >= every_seconds:
                    self._last = now
                    progress.bar.value = self._epoch + (batch + 1) / self._steps

            def on_epoch_end(self, epoch, logs=None):
                progress.bar.value = float(epoch + 1)
                shown = ", ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items() if "loss" in k)
                progress.status.value = f"epoch {epoch + 1}/{self._epochs}" + (f" · {shown}" if shown else "")

        return _ProgressCallback()


