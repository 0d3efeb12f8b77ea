"""Sliders that let students explore trained autoencoders, without retraining on every move.

- :class:`AutoencoderExplorer` (notebook 02): a code-size slider (잠재 차원 latent dimension)
  showing the reconstructions of fixed test digits, the test MSE, and the curve of test MSE
  against code size with the PCA baseline beside it.
- :class:`DenoiserExplorer` (notebook 03): a noise-factor slider that re-noises fixed test
  digits and shows noisy / denoised / original with PSNR readouts, a code-size choice, and a
  button that trains a denoiser at the chosen noise level.

The models come from a :class:`lessons_lib.cache.ModelBank` wrapping the notebook's own
training function, so the lesson's model code stays in the notebook; these classes only pick,
cache, predict and draw. They work without a browser: tests set ``explorer.slider.value`` (or
call :meth:`select` / :meth:`set_noise`) and read ``readout.value``, the image arrays and the
bank's ``trained`` / ``visits`` lists. Figures are PNG bytes in ``ipywidgets.Image`` widgets, so
a saved notebook keeps the last picture in its widget state.

The controls and the picture always agree: when a move cannot be shown (training fails or is
interrupted, a noise factor that is not a number), the error is raised and every control returns
to the setting whose pictures are still shown.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from lessons_lib.cache import ModelBank
from lessons_lib.checks import check_choice, check_images01, check_int, check_positive_int, check_seed
from lessons_lib.explorer import ExplorerBase
from lessons_lib.metrics import mse, psnr
from lessons_lib.noise import add_gaussian_noise, check_noise_factor
from lessons_lib.plots import show_image_rows
from lessons_lib.progress import TrainingProgress

__all__ = ["CODE_SIZES", "AutoencoderExplorer", "DenoiserExplorer", "figure_png"]

#: The code sizes (latent dimensions) the sliders offer.
CODE_SIZES: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128)


def figure_png(fig: Figure, *, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes (no timestamps, so equal figures give equal bytes)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    dpi = check_int(dpi, "dpi", low=10, high=600)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _predict(model: Any, images: np.ndarray) -> np.ndarray:
    """Run ``model`` on flat ``(n, 784)`` images, reshaped to the model's input, back to ``(n, 784)``."""
    import keras

    # Calling the model eagerly, in chunks, avoids a new traced predict function per model
    # (TensorFlow's "retracing" warnings when a slider visits many models).
    x = images.reshape((len(images), *tuple(model.input_shape[1:])))
    chunks = [
        keras.ops.convert_to_numpy(model(x[i : i + 2048], training=False)) for i in range(0, len(x), 2048)
    ]
    out = np.concatenate(chunks).astype(np.float32).reshape(len(images), -1)
    return np.clip(out, 0.0, 1.0)


def _flat_unit(images: Any, name: str) -> np.ndarray:
    """[0, 1] digits as float32 rows of 784 pixels (what the notebooks' dense autoencoders take)."""
    stack = check_images01(images, name, shape="digits", dtype=np.float32)
    return stack.reshape(len(stack), 28 * 28)


def _shown_indices(shown: Sequence[int], n: int, of: str) -> list[int]:
    """``shown`` as a non-empty list of indices into the ``n`` images of the argument ``of``."""
    indices = [check_int(i, f"shown[{k}]", low=0, high=n - 1) for k, i in enumerate(shown)]
    if not indices:
        raise ValueError(f"shown must be a non-empty list of indices into {of} ({n} images), got none")
    return indices


def _check_code_size(code_size: Any, offered: Sequence[int]) -> int:
    return check_choice(code_size, "code_size", offered)


def _check_code_sizes(code_sizes: Any) -> tuple[int, ...]:
    sizes = tuple(check_positive_int(c, f"code_sizes[{i}]") for i, c in enumerate(code_sizes))
    if not sizes:
        raise ValueError("code_sizes must not be empty; expected code sizes such as (2, 8, 32)")
    return sizes


class AutoencoderExplorer(ExplorerBase):
    """A code-size slider over autoencoders from ``bank`` (``bank.get(code_size=...)``).

    Shows the reconstructions of ``x_test[shown]``, a readout ``"code size 32 · test MSE 0.0123"``
    (MSE over all of ``x_test``) and the curve of test MSE against code size for the sizes
    measured so far, with ``baseline`` (e.g. PCA with as many components) beside it and the
    current size marked. A size not yet in the cache is trained the first time it is chosen,
    with a progress bar. ``known_mse`` passes test MSEs already measured (e.g. by the notebook's
    sweep over all code sizes) so the curve is complete from the start.
    """

    def __init__(
        self,
        bank: ModelBank,
        x_test: Any,
        *,
        shown: Sequence[int] = range(1, 11),
        code_sizes: Sequence[int] = CODE_SIZES,
        initial: int = 32,
        baseline: Mapping[int, float] | None = None,
        baseline_label: str = "PCA",
        known_mse: Mapping[int, float] | None = None,
    ) -> None:
        import ipywidgets as widgets

        if not isinstance(bank, ModelBank):
            raise TypeError(f"bank must be a lessons_lib.cache.ModelBank, got {type(bank).__name__}")
        self.bank = bank
        self.x_test = _flat_unit(x_test, "x_test")
        self.shown = _shown_indices(shown, len(self.x_test), "x_test")
        self.code_sizes = _check_code_sizes(code_sizes)
        initial = _check_code_size(initial, self.code_sizes)
        self.baseline = {int(k): float(v) for k, v in (baseline or {}).items()}
        self.baseline_label = baseline_label
        self.test_mse: dict[int, float] = {int(k): float(v) for k, v in (known_mse or {}).items()}
        self.reconstructions = np.zeros((len(self.shown), 784), dtype=np.float32)

        self.slider = widgets.SelectionSlider(
            options=self.code_sizes,
            value=initial,
            description="code size",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.readout = widgets.HTML(value="")
        self.progress = TrainingProgress("training")
        self.images = widgets.Image(format="png")
        self.curve = widgets.Image(format="png")
        self.widget = widgets.VBox([self.slider, self.readout, self.progress.widget, self.images, self.curve])
        self.slider.observe(self._on_change, names="value")
        self.update()

    @property
    def code_size(self) -> int:
        return int(self.slider.value)

    def select(self, code_size: int) -> None:
        """Move the slider to ``code_size`` (one of ``code_sizes``; anything else is a ValueError)."""
        code_size = _check_code_size(code_size, self.code_sizes)
        if code_size == self.slider.value:
            self.update()
        else:
            self.slider.value = code_size

    def measure(self, code_size: int) -> float:
        """Test MSE of the autoencoder with ``code_size`` (trained if needed, measured once)."""
        code_size = _check_code_size(code_size, self.code_sizes)
        if code_size not in self.test_mse:
            model = self.bank.get(code_size=code_size, progress=self.progress).model
            self.test_mse[code_size] = mse(self.x_test, _predict(model, self.x_test))
        return self.test_mse[code_size]

    def _setting(self) -> dict[str, Any]:
        return {"code_size": self.slider.value}

    def _restore_setting(self, setting: Mapping[str, Any]) -> None:
        self.slider.value = setting["code_size"]

    def _draw(self) -> None:
        """Show the current code size: reconstructions, readout and curve (all computed first)."""
        code_size = self.code_size
        model = self.bank.get(code_size=code_size, progress=self.progress).model
        if code_size not in self.test_mse:
            self.test_mse[code_size] = mse(self.x_test, _predict(model, self.x_test))
        value = self.test_mse[code_size]
        reconstructions = _predict(model, self.x_test[self.shown])
        fig = show_image_rows(
            [self.x_test[self.shown], reconstructions],
            row_titles=["original", f"code {code_size}"],
            cell_size=0.9,
            show=False,
        )
        images, curve = figure_png(fig), figure_png(self.curve_figure())
        self.reconstructions = reconstructions
        self.readout.value = f"code size {code_size} · test MSE {value:.4f}"
        self.images.value, self.curve.value = images, curve

    def curve_figure(self) -> Figure:
        """Test MSE against code size: the autoencoders measured so far, the baseline, the current size."""
        fig = Figure(figsize=(5.5, 3.0))
        ax = fig.subplots()
        if self.baseline:
            sizes = sorted(self.baseline)
            ax.plot(
                sizes, [self.baseline[s] for s in sizes], "s--", color="tab:gray", label=self.baseline_label
            )
        sizes = sorted(self.test_mse)
        ax.plot(sizes, [self.test_mse[s] for s in sizes], "o-", color="tab:blue", label="autoencoder")
        current = self.code_size
        if current in self.test_mse:
            ax.plot(
                [current],
                [self.test_mse[current]],
                "o",
                markersize=12,
                markerfacecolor="none",
                markeredgecolor="tab:red",
                markeredgewidth=2,
                label=f"code size {current}",
            )
        ax.set_xscale("log", base=2)
        ax.set_xticks(list(self.code_sizes), [str(s) for s in self.code_sizes])
        ax.set_xlabel("code size (latent dimension)")
        ax.set_ylabel("test MSE")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig


def _format_db(value: float) -> str:
    return "∞ dB" if math.isinf(value) else f"{value:.2f} dB"


class DenoiserExplorer(ExplorerBase):
    """A noise-factor slider over denoisers from ``bank`` (``bank.get(code_size=..., noise_factor=...)``).

    The slider (0.0 to 1.0, step 0.05) re-noises ``clean`` with :func:`add_gaussian_noise` and a
    fixed ``noise_seed`` (the same noise pattern at every level), runs the current denoiser and
    shows noisy / denoised / original for ``clean[shown]``, with a readout
    ``"noise 0.55 · noisy PSNR 8.80 dB · denoised PSNR 16.80 dB"`` (PSNR over all of ``clean``).
    The current denoiser is the one trained at ``train_noise`` with the chosen code size; the
    button trains (or loads) one at the slider's noise level and switches to it.
    """

    STEP = 0.05

    def __init__(
        self,
        bank: ModelBank,
        clean: Any,
        *,
        noise_seed: int,
        shown: Sequence[int] = range(1, 11),
        code_sizes: Sequence[int] = CODE_SIZES,
        code_size: int = 32,
        train_noise: float = 0.55,
        noise: float = 0.55,
        add_noise: Callable[..., np.ndarray] = add_gaussian_noise,
    ) -> None:
        import ipywidgets as widgets

        if not isinstance(bank, ModelBank):
            raise TypeError(f"bank must be a lessons_lib.cache.ModelBank, got {type(bank).__name__}")
        noise_seed = check_seed(noise_seed, "noise_seed")
        if not callable(add_noise):
            raise TypeError(
                f"add_noise must be a function (images, noise_factor, seed) -> images, got {add_noise!r}"
            )
        self.bank = bank
        self.clean = _flat_unit(clean, "clean")
        self.shown = _shown_indices(shown, len(self.clean), "clean")
        self.noise_seed = noise_seed
        self.add_noise = add_noise
        self.code_sizes = _check_code_sizes(code_sizes)
        code_size = _check_code_size(code_size, self.code_sizes)
        self.train_noise = self._level(train_noise)
        noise = self._level(noise)
        self.noisy = np.zeros((len(self.shown), 784), dtype=np.float32)
        self.denoised = np.zeros_like(self.noisy)
        self.noisy_psnr = self.denoised_psnr = float("nan")

        self.slider = widgets.FloatSlider(
            value=noise,
            min=0.0,
            max=1.0,
            step=self.STEP,
            description="noise factor",
            readout_format=".2f",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.code = widgets.Dropdown(
            options=self.code_sizes,
            value=code_size,
            description="code size",
            style={"description_width": "initial"},
        )
        self.button = widgets.Button(
            description="Train a denoiser at this noise level",
            layout=widgets.Layout(width="auto"),
            icon="cogs",
        )
        self.readout = widgets.HTML(value="")
        self.denoiser_label = widgets.HTML(value="")
        self.progress = TrainingProgress("training")
        self.images = widgets.Image(format="png")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.slider, self.code, self.button]),
                self.readout,
                self.denoiser_label,
                self.progress.widget,
                self.images,
            ]
        )
        self.slider.observe(self._on_change, names="value")
        self.code.observe(self._on_change, names="value")
        self.button.on_click(self._on_click)
        self.update()

    def _level(self, value: Any) -> float:
        level = check_noise_factor(value, high=1.0)
        return round(round(level / self.STEP) * self.STEP, 2)

    @property
    def noise(self) -> float:
        return round(float(self.slider.value), 2)

    @property
    def code_size(self) -> int:
        return int(self.code.value)

    def set_noise(self, noise_factor: float) -> None:
        """Move the slider (0.0 to 1.0, rounded to the 0.05 step; anything else is a ValueError)."""
        level = self._level(noise_factor)
        if math.isclose(level, self.slider.value):
            self.update()
        else:
            self.slider.value = level

    def set_code_size(self, code_size: int) -> None:
        """Choose the denoiser's code size (one of ``code_sizes``); trains it if needed."""
        code_size = _check_code_size(code_size, self.code_sizes)
        if code_size == self.code.value:
            self.update()
        else:
            self.code.value = code_size

    def train_here(self) -> None:
        """What the button does: use (training if needed) a denoiser trained at the slider's level."""
        self.train_noise = self.noise
        self.update()

    def _on_click(self, button: Any) -> None:
        self.train_here()

    def _setting(self) -> dict[str, Any]:
        return {"noise": self.slider.value, "code_size": self.code.value, "train_noise": self.train_noise}

    def _restore_setting(self, setting: Mapping[str, Any]) -> None:
        self.train_noise = setting["train_noise"]
        self.slider.value = setting["noise"]
        self.code.value = setting["code_size"]

    def _draw(self) -> None:
        """Re-noise, denoise, measure and draw at the current settings (all computed first)."""
        check_noise_factor(self.slider.value, high=1.0)  # e.g. NaN typed into the slider
        trained = self.bank.get(
            code_size=self.code_size, noise_factor=self.train_noise, progress=self.progress
        )
        noisy_all = self.add_noise(self.clean, self.noise, self.noise_seed)
        denoised_all = _predict(trained.model, noisy_all)
        noisy_psnr, denoised_psnr = psnr(self.clean, noisy_all), psnr(self.clean, denoised_all)
        noisy, denoised = noisy_all[self.shown], denoised_all[self.shown]
        fig = show_image_rows(
            [noisy, denoised, self.clean[self.shown]],
            row_titles=["noisy", "denoised", "original"],
            cell_size=0.9,
            show=False,
        )
        images = figure_png(fig)
        self.noisy_psnr, self.denoised_psnr = noisy_psnr, denoised_psnr
        self.noisy, self.denoised = noisy, denoised
        self.readout.value = (
            f"noise {self.noise:.2f} · noisy PSNR {_format_db(noisy_psnr)} · "
            f"denoised PSNR {_format_db(denoised_psnr)}"
        )
        self.denoiser_label.value = (
            f"denoiser: code size {self.code_size}, trained at noise {self.train_noise:.2f}"
        )
        self.images.value = images
