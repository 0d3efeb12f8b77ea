"""Keras callbacks that watch a GAN while ``fit`` trains it (notebooks 04 and 06, ``benchmarks/gan.py``).

- :class:`SampleGrids`: every ``every`` steps, the generator's images for one FIXED batch of noise
  (the same latent points each time, so the grids show one set of digits taking shape; notebook 06
  passes a function that adds the labels 0 .. 9);
  kept in memory and, with ``folder``, written as PNG files (atomically).
- :class:`FIDTracker`: every ``every`` steps, the MNIST-FID of fresh samples against a reference
  (see :mod:`lessons_lib.metrics`), so the notebook can plot quality over training.
- :class:`StepLosses`: the per-step logs (e.g. ``d_loss``/``g_loss``) every ``every`` steps,
  finer than ``History``'s one value per epoch.

The generator is passed in explicitly (the GAN model itself stays in the notebook). Steps are
counted across ``fit`` calls and epochs (``start_step`` continues a count).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np

from lessons_lib.checks import (
    check_finite_array,
    check_image_stack,
    check_images01,
    check_int,
    check_number,
    check_positive_int,
)
from lessons_lib.files import atomic_write


class _EveryNSteps(keras.callbacks.Callback):
    """Calls :meth:`record` at step 0 (before training, when ``at_start``) and every ``every`` steps."""

    def __init__(self, every: int, *, at_start: bool = True, start_step: int = 0) -> None:
        super().__init__()
        self.every = check_positive_int(every, "every")
        self.at_start = at_start
        self.step = check_int(start_step, "start_step", low=0)
        self.steps: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.at_start and self.step == 0 and not self.steps:
            self._record_at(0, logs or {})

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.step += 1
        if self.step % self.every == 0:
            self._record_at(self.step, logs or {})

    def _record_at(self, step: int, logs: dict) -> None:
        self.steps.append(step)
        self.record(step, logs)

    def record(self, step: int, logs: dict) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class SampleGrids(_EveryNSteps):
    """Keep ``generator(noise)`` every ``every`` steps: ``grids`` is a list of (n, 28, 28) arrays."""

    def __init__(
        self,
        generator: Any,
        noise: Any,
        every: int,
        *,
        folder: str | os.PathLike[str] | None = None,
        n_cols: int = 10,
        at_start: bool = True,
    ) -> None:
        super().__init__(every, at_start=at_start)
        noise = check_finite_array(
            noise, "noise", shape=("n", "z_dim"), what="finite latent vectors", dtype="float32"
        )
        if not callable(generator):
            raise TypeError(f"generator must be a Keras model (callable), got {type(generator).__name__}")
        if folder is not None and not isinstance(folder, str | os.PathLike):
            raise TypeError(f"folder must be a str or os.PathLike folder for the PNG files, got {folder!r}")
        self.generator, self.noise = generator, noise
        self.folder = Path(folder) if folder is not None else None
        self.n_cols = check_positive_int(n_cols, "n_cols")
        self.grids: list[np.ndarray] = []
        self.files: list[Path] = []

    def record(self, step: int, logs: dict) -> None:
        images = np.asarray(self.generator(self.noise, training=False), dtype="float32")
        images = images.reshape(len(self.noise), *images.shape[1:3])
        self.grids.append(images)
        if self.folder is not None:
            path = self.folder / f"step_{step:06d}.png"
            self.files.append(write_grid_png(images, path, n_cols=self.n_cols))


def tile(images: Any, n_cols: int = 10) -> np.ndarray:
    """Tile ``(n, h, w)`` images into one ``(rows*h, n_cols*w)`` image (empty cells black)."""
    stack = check_image_stack(images, "images")
    n_cols = min(check_positive_int(n_cols, "n_cols"), len(stack))
    n_rows = -(-len(stack) // n_cols)
    h, w = stack.shape[1:]
    canvas = np.zeros((n_rows * h, n_cols * w), dtype=stack.dtype)
    for i, image in enumerate(stack):
        r, c = divmod(i, n_cols)
        canvas[r * h : (r + 1) * h, c * w : (c + 1) * w] = image
    return canvas


def write_grid_png(images: Any, path: str | os.PathLike[str], *, n_cols: int = 10) -> Path:
    """Write a tiled grid of [0, 1] images as a greyscale PNG (temporary file, then rename).

    Pixels a sigmoid can produce are expected: NaN, infinite values or values outside [0, 1]
    (beyond float rounding) are an error, not silently clipped.
    """
    from matplotlib.image import imsave

    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or os.PathLike to a .png file, got {path!r}")
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path must end in .png, got {str(path)!r}")
    pixels = check_images01(images, "images", dtype=np.float64, tolerance=1e-6)
    canvas = tile(pixels, n_cols)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda tmp: imsave(tmp, canvas, cmap="gray", vmin=0.0, vmax=1.0, format="png"))


class FIDTracker(_EveryNSteps):
    """MNIST-FID of ``n_samples`` generated digits against ``reference_features`` every ``every`` steps.

    ``generator`` is the Keras model to sample from, or a function that returns it at each check
    (notebook 04 passes ``gan.averaged_generator``: the moving average of the weights at that step).
    ``sample_noise(n)`` returns the latent batch (the notebook's own z distribution). ``fid`` holds
    the values, ``steps`` the step of each.
    """

    def __init__(
        self,
        generator: Any,
        classifier: Any,
        reference_features: Any,
        sample_noise: Callable[[int], Any],
        every: int,
        *,
        n_samples: int = 2000,
        at_start: bool = False,
    ) -> None:
        super().__init__(every, at_start=at_start)
        from lessons_lib.metrics import FEATURES_LAYER

        reference = check_finite_array(
            reference_features,
            "reference_features",
            shape=("n", "d"),
            min_len=2,
            what="finite classifier features (from lessons_lib.metrics.classifier_outputs)",
        )
        if not callable(sample_noise):
            raise TypeError(f"sample_noise must be a function n -> (n, z_dim) noise, got {sample_noise!r}")
        try:
            classifier.get_layer(FEATURES_LAYER)
        except (AttributeError, ValueError):
            raise ValueError(
                f"classifier must be a Keras model with a layer named {FEATURES_LAYER!r} "
                "(lessons_lib.metrics.digit_classifier)"
            ) from None
        if not callable(generator):
            raise TypeError(f"generator must be a Keras model or a function returning one, got {generator!r}")
        self.generator, self.classifier = generator, classifier
        self.reference_features = reference
        self.sample_noise = sample_noise
        self.n_samples = check_positive_int(n_samples, "n_samples")
        self.fid: list[float] = []

    def record(self, step: int, logs: dict) -> None:
        from lessons_lib.metrics import classifier_outputs, frechet_distance

        noise = np.asarray(self.sample_noise(self.n_samples), dtype="float32")
        generator = self.generator if isinstance(self.generator, keras.Model) else self.generator()
        images = np.asarray(generator.predict(noise, batch_size=500, verbose=0), dtype="float32")
        features, _ = classifier_outputs(self.classifier, np.clip(images, 0.0, 1.0))
        self.fid.append(frechet_distance(features, self.reference_features))


class StepLosses(_EveryNSteps):
    """The training logs every ``every`` steps: ``values[name]`` lists, aligned with ``steps``."""

    def __init__(self, every: int = 10) -> None:
        super().__init__(every, at_start=False)
        self.values: dict[str, list[float]] = {}

    def record(self, step: int, logs: dict) -> None:
        for name, value in logs.items():
            self.values.setdefault(name, []).append(float(value))


def plot_gan_training(
    fid_steps: Any,
    fid: Any | dict[str, Any],
    loss_steps: Any,
    losses: dict[str, Any],
    *,
    references: dict[str, float] | None = None,
    show: bool = True,
) -> Any:
    """Two panels: MNIST-FID over training (with horizontal reference lines) and the losses.

    ``fid`` pairs with ``fid_steps``: one curve, or a dict of labelled curves (notebook 04: the
    generator and its moving average); every ``losses`` curve pairs with ``loss_steps``.
    """
    from matplotlib.figure import Figure

    from lessons_lib.plots import _display

    fid_steps = check_finite_array(fid_steps, "fid_steps", shape=("n",))
    fid_curves = {}
    for label, values in (fid.items() if isinstance(fid, dict) else [("this GAN", fid)]):
        where = "fid" if not isinstance(fid, dict) else f"fid[{label!r}]"
        fid_curves[label] = check_finite_array(values, where, shape=("n",))
        if len(fid_curves[label]) != len(fid_steps):
            raise ValueError(
                f"{where} has {len(fid_curves[label])} values but fid_steps has {len(fid_steps)}; "
                "expected equal"
            )
    loss_steps = check_finite_array(loss_steps, "loss_steps", shape=("n",))
    if not isinstance(losses, dict) or not losses:
        raise ValueError(f"losses must be a non-empty dict such as {{'d_loss': [...]}}, got {losses!r}")
    curves = {}
    for name, values in losses.items():
        curves[name] = check_finite_array(values, f"losses[{name!r}]", shape=("n",))
        if len(curves[name]) != len(loss_steps):
            raise ValueError(
                f"losses[{name!r}] has {len(curves[name])} values but loss_steps has {len(loss_steps)}; "
                "expected equal"
            )
    references = dict(references or {})
    for label, value in references.items():
        references[label] = check_number(value, f"references[{label!r}]")

    fig = Figure(figsize=(10, 3.4))
    left, right = fig.subplots(1, 2)
    for i, (label, values) in enumerate(fid_curves.items()):
        left.plot(fid_steps, values, marker="o", color=f"C{i}", label=label)
    for i, (label, value) in enumerate(references.items(), start=len(fid_curves)):
        left.axhline(value, linestyle="--", color=f"C{i}", label=f"{label}: {value:.1f}")
    left.set_xlabel("training step")
    left.set_ylabel("MNIST-FID (lower is better)")
    left.set_yscale("log")
    # Ticks that read as numbers (10, 20, 50, 100), not as powers of ten (2 x 10^1).
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    plain = FuncFormatter(lambda value, _position: f"{value:g}")
    left.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    left.yaxis.set_major_formatter(plain)
    left.yaxis.set_minor_locator(NullLocator())
    left.legend(fontsize=8)
    left.grid(alpha=0.3)
    for name, values in curves.items():
        right.plot(loss_steps, values, label=name)
    right.axhline(np.log(2), color="grey", linestyle=":", label="ln 2 (D cannot tell)")
    right.set_xlabel("training step")
    right.set_ylabel("binary cross-entropy")
    right.legend(fontsize=8)
    right.grid(alpha=0.3)
    fig.tight_layout()
    _display(fig, show)
    return fig
