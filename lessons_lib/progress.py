"""Training that shows its progress, and happens once: a progress bar and a model bank.

- :class:`TrainingProgress`: an ipywidgets progress bar with a status line, driven by a Keras
  callback (``progress.callback()``), so ``fit(..., verbose=0)`` still shows how far it got.
- :class:`ModelBank`: models trained by a notebook's own training function, one per setting
  (e.g. code size, noise level), cached in memory and as ``.keras`` files through
  :func:`lessons_lib.cache.cached_model`, with the training curves kept beside them. The key of
  every entry holds the profile and the seed, so a ``quick`` model never stands in for a ``full`` one.

Used by notebooks 02 and 03 (the autoencoder sweep, the lecture's models, the sliders of
:mod:`lessons_lib.widgets`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lessons_lib import cache
from lessons_lib.seeding import check_seed

__all__ = ["ModelBank", "Trained", "TrainingProgress"]


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

        if isinstance(every_seconds, bool) or not isinstance(every_seconds, int | float) or every_seconds < 0:
            raise ValueError(f"every_seconds must be a number >= 0, got {every_seconds!r}")
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


@dataclass
class Trained:
    """What :meth:`ModelBank.get` returns."""

    model: Any
    history: dict[str, list[float]]
    from_cache: bool
    seconds: float
    params: dict[str, Any] = field(default_factory=dict)


def _key_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    return str(value)


class ModelBank:
    """Models from ``train_fn(**params, callbacks=[...]) -> keras.Model``, trained once per setting.

    ``get(code_size=32)`` returns the model for that setting: from memory, else from its
    ``.keras`` file under the cache folder (``<cache>/<name>/code_size-32_profile-full_seed-42.keras``),
    else by calling ``train_fn`` (the notebook's own code) with a progress callback and saving
    the result. The training curves (``model.history``) are saved beside the model so a reloaded
    model can still show them.

    ``trained`` lists the settings trained by this bank (not loaded), ``visits`` every ``get``.
    """

    def __init__(
        self,
        name: str,
        train_fn: Callable[..., Any],
        *,
        profile: str,
        seed: int,
        extra_key: Mapping[str, Any] | None = None,
    ) -> None:
        from lessons_lib.profiles import current_profile

        if not callable(train_fn):
            raise TypeError(f"train_fn must be callable, got {train_fn!r}")
        cache.entry_path(name, {}, "keras")  # checks the name early
        current_profile(profile)  # an unknown profile is a ValueError naming the known ones
        check_seed(seed)
        if extra_key is not None and not isinstance(extra_key, Mapping):
            raise TypeError(f"extra_key must be a dict such as {{'epochs': 50}}, got {extra_key!r}")
        self.name = name
        self.train_fn = train_fn
        self.fixed_key = {"profile": profile, "seed": seed, **dict(extra_key or {})}
        self.trained: list[dict[str, Any]] = []
        self.visits: list[tuple[dict[str, Any], bool]] = []

    def key(self, **params: Any) -> dict[str, str]:
        """The cache key for ``params``: the parameters plus profile, seed and any extra entries."""
        return {k: _key_value(v) for k, v in {**params, **self.fixed_key}.items()}

    def path(self, **params: Any):
        """The ``.keras`` file that holds (or will hold) the model for ``params``."""
        return cache.entry_path(self.name, self.key(**params), "keras")

    def is_cached(self, **params: Any) -> bool:
        """True when ``get(**params)`` will not train (in memory or on disk)."""
        path = self.path(**params)
        return path in cache._memory or path.exists()

    def get(
        self, *, progress: TrainingProgress | None = None, retrain: bool = False, **params: Any
    ) -> Trained:
        """The trained model for ``params`` (see the class docstring)."""
        if not params:
            raise ValueError("get needs the setting to train or load, e.g. get(code_size=32); got none")
        if progress is not None and not isinstance(progress, TrainingProgress):
            raise TypeError(f"progress must be a TrainingProgress or None, got {type(progress).__name__}")
        key = self.key(**params)
        label = ", ".join(f"{k} {v}" for k, v in params.items())
        callbacks = [progress.callback()] if progress is not None else []
        if progress is not None and not (self.is_cached(**params) and not retrain):
            progress.start(f"training {label} ...")
        start = time.perf_counter()

        def train() -> Any:
            return self.train_fn(**params, callbacks=callbacks)

        history_path = cache.entry_path(f"{self.name}_history", key, "npz")
        try:
            model, from_cache = cache.cached_model(self.name, key, train, retrain=retrain)
            saved = cache._load_arrays(history_path) if from_cache else None
            if from_cache and saved is None:
                # The model was saved but its curves were not (training interrupted between the two
                # writes, or the file deleted or damaged): they are only valid together, so train again.
                notice = f"{self.name}: no saved training curves for {label}; training it again"
                print(notice, file=sys.stderr)
                if progress is not None:
                    progress.start(f"training {label} ...")
                model, from_cache = cache.cached_model(self.name, key, train, retrain=True)
        except BaseException:
            if progress is not None:
                progress.done(f"training {label} stopped", ok=False)
            raise
        seconds = time.perf_counter() - start
        if from_cache and saved is not None:
            arrays = saved
        else:
            logs = getattr(getattr(model, "history", None), "history", None) or {}
            arrays, _ = cache.cached_arrays(
                f"{self.name}_history",
                key,
                lambda: {k: np.asarray(v, float) for k, v in logs.items()},
                recompute=True,
            )
            self.trained.append(dict(params))
        history = {k: [float(x) for x in v] for k, v in arrays.items()}
        self.visits.append((dict(params), from_cache))
        if progress is not None:
            progress.done(
                f"{label}: loaded from the cache" if from_cache else f"{label}: trained in {seconds:.0f} s"
            )
        return Trained(
            model=model, history=history, from_cache=from_cache, seconds=seconds, params=dict(params)
        )
