"""The β and latent-dimension explorer of notebook 05 (변분 오토인코더, variational autoencoder).

:class:`VAEExplorer` puts a **β slider** (the weight of the KL term, :data:`BETAS`) and a
**latent-dimension** choice (:data:`LATENT_DIMS`) over the VAEs of a
:class:`lessons_lib.cache.ModelBank` (``bank.get(beta=1.0, latent_dim=2)``). For the chosen pair it
shows, side by side:

- test digits over their reconstructions (decoded from the mean code ``z_mean``), and digits decoded
  from fixed draws of the prior N(0, I) (the same draws at every β, so the pictures compare:
  :meth:`VAEExplorer.prior_codes`);
- the test digits' mean codes coloured by label (for more than two dimensions: their projection on
  the two directions in which the codes vary most), with the circle of radius 2 that holds 86 % of
  the prior's draws in two dimensions;
- the test reconstruction loss and KL term of every setting seen so far (reconstruction against KL:
  the trade-off β sets), and with a digit classifier the MNIST-FID and digit coverage of the prior
  samples (:mod:`lessons_lib.metrics`).

The lesson's model code stays in the notebook; this class only picks, measures and draws. What it
needs from a model is what notebook 05's ``VAE`` has (the keras.io layout): ``model.encoder(x)``
returns ``[z_mean, z_log_var, z]``, ``model.decoder(z)`` returns pixels in [0, 1], and
``model.evaluate(x, return_dict=True)`` reports ``reconstruction_loss`` and ``kl_loss``. A setting
not yet in the cache is trained the first time it is chosen, with a progress bar.

It works without a browser: tests set ``explorer.beta_slider.value`` / ``explorer.dim_buttons.value``
(or call :meth:`VAEExplorer.select`) and read ``readout.value``, ``scores`` and the image arrays.
When a choice cannot be shown (training fails or is interrupted), the error is raised and the
controls return to the setting whose pictures are shown (:class:`lessons_lib.explorer.ExplorerBase`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from lessons_lib.cache import ModelBank
from lessons_lib.checks import check_choice, check_int, check_labels, check_number, check_seed
from lessons_lib.explorer import ExplorerBase
from lessons_lib.metrics import classifier_outputs, digit_coverage, frechet_distance
from lessons_lib.plots import show_image_rows
from lessons_lib.progress import TrainingProgress
from lessons_lib.widgets import _flat_unit, _shown_indices, figure_png

__all__ = ["BETAS", "LATENT_DIMS", "VAEExplorer", "VAEScores", "check_beta", "check_latent_dim"]

#: The KL weights the β slider offers (0: no pull towards the prior; 1: the VAE's own loss).
BETAS: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)
#: The latent dimensions the explorer offers.
LATENT_DIMS: tuple[int, ...] = (2, 8, 16)
#: Radius of the circle drawn in the latent plot: P(|z| <= 2) = 1 - exp(-2) ≈ 0.86 for z ~ N(0, I_2).
PRIOR_RADIUS = 2.0


def check_beta(value: Any, offered: Sequence[float] = BETAS) -> float:
    """Return ``value`` as the offered β it equals (``1`` is ``1.0``); else a ValueError naming ``beta``."""
    choices = ", ".join(f"{b:g}" for b in offered)
    try:
        number = check_number(value, "beta")
    except ValueError:
        raise ValueError(f"beta must be one of {choices}, got {value!r}") from None
    for option in offered:
        if math.isclose(number, option, rel_tol=0.0, abs_tol=1e-9):
            return float(option)
    raise ValueError(f"beta must be one of {choices}, got {value!r}")


def check_latent_dim(value: Any, offered: Sequence[int] = LATENT_DIMS) -> int:
    """Return ``value`` if it is an offered latent dimension; else a ValueError naming ``latent_dim``."""
    return int(check_choice(value, "latent_dim", offered))


def _check_offered(values: Any, name: str, check: Any, example: str) -> tuple[Any, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence) or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty list such as {example}, got {values!r}")
    checked = tuple(check(v, f"{name}[{i}]") for i, v in enumerate(values))
    if len(set(checked)) != len(checked):
        raise ValueError(f"{name} must not repeat a value, got {values!r}")
    return checked


@dataclass(frozen=True)
class VAEScores:
    """The numbers of one (β, latent dimension) setting, measured on the test set.

    ``reconstruction`` and ``kl`` are the model's own loss terms per test digit (nats); ``fid`` and
    ``digits`` (MNIST-FID and digit coverage of prior samples) are None without a classifier.
    """

    reconstruction: float
    kl: float
    fid: float | None = None
    digits: int | None = None


def _numpy(tensor: Any) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(tensor), dtype=np.float32)


def _in_chunks(function: Any, x: np.ndarray, size: int = 2048) -> np.ndarray:
    """``function`` applied eagerly to ``x`` in chunks (no traced predict function per model)."""
    return np.concatenate([_numpy(function(x[i : i + size])) for i in range(0, len(x), size)])


def _parts(model: Any) -> tuple[Any, Any]:
    encoder, decoder = getattr(model, "encoder", None), getattr(model, "decoder", None)
    if not callable(encoder) or not callable(decoder):
        raise TypeError(
            "the bank's models must have an encoder (x -> [z_mean, z_log_var, z]) and a decoder "
            f"(z -> pixels), as notebook 05's VAE has; got a {type(model).__name__}"
        )
    return encoder, decoder


def _plane(codes: np.ndarray) -> np.ndarray:
    """2-d codes as they are; longer codes projected on their two main directions.

    The directions are those of the centred codes, but the codes are projected as they are: the
    projection of N(0, I) on two orthonormal directions is N(0, I) in the plane, so the prior's
    circle still means the same.
    """
    if codes.shape[1] == 2:
        return codes
    _, _, directions = np.linalg.svd(codes - codes.mean(axis=0), full_matrices=False)
    return codes @ directions[:2].T


class VAEExplorer(ExplorerBase):
    """A β slider and a latent-dimension choice over the VAEs of ``bank`` (see the module docstring).

    ``x_test`` (``(n, 784)`` or ``(n, 28, 28)`` pixels in [0, 1]) and ``y_test`` (n labels 0-9) are the
    test digits; ``shown`` the ones drawn over their reconstructions. ``classifier`` (the course's
    digit classifier) and ``reference_features`` (its features of real test digits) add the prior
    samples' MNIST-FID and digit coverage, measured on ``n_eval`` samples. ``seed`` fixes the prior
    draws.
    """

    def __init__(
        self,
        bank: ModelBank,
        x_test: Any,
        y_test: Any,
        *,
        beta: float = 1.0,
        latent_dim: int = 2,
        betas: Sequence[float] = BETAS,
        latent_dims: Sequence[int] = LATENT_DIMS,
        shown: Sequence[int] = range(1, 11),
        n_scatter: int = 5000,
        classifier: Any = None,
        reference_features: Any = None,
        n_eval: int = 5000,
        seed: int = 0,
    ) -> None:
        import ipywidgets as widgets

        if not isinstance(bank, ModelBank):
            raise TypeError(f"bank must be a lessons_lib.cache.ModelBank, got {type(bank).__name__}")
        self.bank = bank
        self.x_test = _flat_unit(x_test, "x_test")
        self.y_test = check_labels(y_test, "y_test", n=len(self.x_test), per="test digit", what="digits")
        self.betas = _check_offered(
            betas, "betas", lambda b, name: check_number(b, name, low=0), "(0.0, 1.0, 4.0)"
        )
        self.latent_dims = _check_offered(
            latent_dims, "latent_dims", lambda d, name: check_int(d, name, low=1), "(2, 8, 16)"
        )
        beta = check_beta(beta, self.betas)
        latent_dim = check_latent_dim(latent_dim, self.latent_dims)
        self.shown = _shown_indices(shown, len(self.x_test), "x_test")
        self.n_scatter = min(check_int(n_scatter, "n_scatter", low=10), len(self.x_test))
        if (classifier is None) != (reference_features is None):
            raise ValueError(
                "classifier and reference_features go together: pass both (for the MNIST-FID) or neither"
            )
        self.classifier = classifier
        self.reference_features = None if reference_features is None else np.asarray(reference_features)
        self.n_eval = check_int(n_eval, "n_eval", low=2)
        self.seed = check_seed(seed)

        self.scores: dict[tuple[float, int], VAEScores] = {}
        self.reconstructions = np.zeros((len(self.shown), 784), np.float32)
        self.prior_samples = np.zeros((2 * len(self.shown), 784), np.float32)
        self.codes = np.zeros((self.n_scatter, 2), np.float32)

        self.beta_slider = widgets.SelectionSlider(
            options=[(f"{b:g}", b) for b in self.betas],
            value=beta,
            description="β (KL weight)",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.dim_buttons = widgets.ToggleButtons(
            options=[(str(d), d) for d in self.latent_dims],
            value=latent_dim,
            description="latent dimension",
            style={"description_width": "initial", "button_width": "48px"},
        )
        self.readout = widgets.HTML(value="")
        self.progress = TrainingProgress("training")
        self.images = widgets.Image(format="png")
        self.plots = widgets.Image(format="png")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.beta_slider, self.dim_buttons]),
                self.readout,
                self.progress.widget,
                self.images,
                self.plots,
            ]
        )
        self.beta_slider.observe(self._on_change, names="value")
        self.dim_buttons.observe(self._on_change, names="value")
        self.update()

    @property
    def beta(self) -> float:
        return float(self.beta_slider.value)

    @property
    def latent_dim(self) -> int:
        return int(self.dim_buttons.value)

    def select(self, *, beta: float | None = None, latent_dim: int | None = None) -> None:
        """Choose β and/or the latent dimension (offered values only; anything else is a ValueError)."""
        new_beta = self.beta if beta is None else check_beta(beta, self.betas)
        new_dim = self.latent_dim if latent_dim is None else check_latent_dim(latent_dim, self.latent_dims)
        if (new_beta, new_dim) == (self.beta, self.latent_dim):
            self.update()
            return
        self._restoring = True  # one redraw for both controls, not one per control
        try:
            self.beta_slider.value, self.dim_buttons.value = new_beta, new_dim
        finally:
            self._restoring = False
        self.update()  # on failure, both controls return to the setting still shown

    def prior_codes(self, latent_dim: int, n: int) -> np.ndarray:
        """``n`` draws from N(0, I) in ``latent_dim`` dimensions, the same at every β.

        ``np.random.default_rng(seed).standard_normal((n, latent_dim))``: the draws of notebook 05's
        section 5 (with its ``SEED``), so the explorer's pictures are the first of those samples, and
        its MNIST-FID is measured on all of them.
        """
        rng = np.random.default_rng(self.seed)
        return rng.standard_normal((n, latent_dim)).astype(np.float32)

    def measure(self, model: Any, beta: float, latent_dim: int) -> VAEScores:
        """The scores of ``model`` (trained at ``beta``, ``latent_dim``), computed once per setting."""
        key = (beta, latent_dim)
        if key in self.scores:
            return self.scores[key]
        _, decoder = _parts(model)
        results = model.evaluate(self.x_test, batch_size=500, verbose=0, return_dict=True)
        missing = {"reconstruction_loss", "kl_loss"} - set(results)
        if missing:
            raise TypeError(
                "the bank's models must report reconstruction_loss and kl_loss from evaluate (notebook "
                f"05's VAE does); {sorted(missing)} missing from {sorted(results)}"
            )
        fid = digits = None
        if self.classifier is not None:
            samples = np.clip(_in_chunks(decoder, self.prior_codes(latent_dim, self.n_eval)), 0.0, 1.0)
            features, probabilities = classifier_outputs(self.classifier, samples)
            fid = frechet_distance(features, self.reference_features)
            digits = digit_coverage(probabilities)
        scores = VAEScores(float(results["reconstruction_loss"]), float(results["kl_loss"]), fid, digits)
        self.scores[key] = scores
        return scores

    def _setting(self) -> dict[str, Any]:
        return {"beta": self.beta_slider.value, "latent_dim": self.dim_buttons.value}

    def _restore_setting(self, setting: Mapping[str, Any]) -> None:
        self.beta_slider.value = setting["beta"]
        self.dim_buttons.value = setting["latent_dim"]

    def _draw(self) -> None:
        """Show the current setting: every picture and number is computed before anything changes."""
        beta, latent_dim = self.beta, self.latent_dim
        model = self.bank.get(beta=beta, latent_dim=latent_dim, progress=self.progress).model
        encoder, decoder = _parts(model)
        scores = self.measure(model, beta, latent_dim)
        shown = self.x_test[self.shown]
        mean_codes = _in_chunks(lambda x: encoder(x)[0], self.x_test[: self.n_scatter])
        if mean_codes.shape[1] != latent_dim:
            raise ValueError(
                f"the model for latent_dim {latent_dim} has codes of {mean_codes.shape[1]} numbers; "
                "the bank's train function must build its latent dimension from latent_dim"
            )
        reconstructions = np.clip(_numpy(decoder(_numpy(encoder(shown)[0]))), 0.0, 1.0)
        prior_codes = self.prior_codes(latent_dim, len(self.prior_samples))
        prior = np.clip(_in_chunks(decoder, prior_codes), 0.0, 1.0)
        codes = _plane(mean_codes)
        n = len(self.shown)
        images = figure_png(
            show_image_rows(
                [shown, reconstructions, prior[:n], prior[n:]],
                row_titles=["original", "reconstructed", "from N(0, I)", ""],
                cell_size=0.8,
                show=False,
            )
        )
        plots = figure_png(self.plots_figure(codes))
        self.reconstructions, self.prior_samples, self.codes = reconstructions, prior, codes
        self.readout.value = self.describe(beta, latent_dim, scores)
        self.images.value, self.plots.value = images, plots

    @staticmethod
    def describe(beta: float, latent_dim: int, scores: VAEScores) -> str:
        """The readout line for one setting."""
        text = (
            f"β {beta:g} · latent dimension {latent_dim} · test reconstruction loss "
            f"{scores.reconstruction:.1f} · KL {scores.kl:.2f} (nats per digit)"
        )
        if scores.fid is not None:
            text += f" · prior samples: MNIST-FID {scores.fid:.1f}, digits covered {scores.digits}/10"
        return text

    def plots_figure(self, codes: np.ndarray | None = None) -> Figure:
        """Left: the test digits' codes by label. Right: reconstruction loss against KL, per setting."""
        codes = self.codes if codes is None else codes
        fig = Figure(figsize=(10.0, 4.0))
        left, right = fig.subplots(1, 2)
        points = left.scatter(codes[:, 0], codes[:, 1], c=self.y_test[: len(codes)], cmap="tab10",
                              s=2, alpha=0.6, vmin=-0.5, vmax=9.5)
        fig.colorbar(points, ax=left, ticks=range(10), label="digit")
        angle = np.linspace(0.0, 2.0 * np.pi, 200)
        left.plot(PRIOR_RADIUS * np.cos(angle), PRIOR_RADIUS * np.sin(angle), "k--", linewidth=1,
                  label="N(0, I): 86 % of draws inside")
        left.set_aspect("equal", adjustable="datalim")
        left.legend(loc="upper right", fontsize=7)
        if self.latent_dim == 2:
            left.set_xlabel("z_mean[0]")
            left.set_ylabel("z_mean[1]")
            left.set_title(f"test digits' codes (β {self.beta:g})", fontsize=10)
        else:
            left.set_xlabel("main direction 1")
            left.set_ylabel("main direction 2")
            left.set_title(f"{self.latent_dim}-d codes seen along their 2 main directions", fontsize=10)

        for (beta, dim), s in sorted(self.scores.items()):
            right.plot([s.kl], [s.reconstruction], "o", color=f"C{self.latent_dims.index(dim)}")
            right.annotate(f"β {beta:g}", (s.kl, s.reconstruction), textcoords="offset points",
                           xytext=(4, 4), fontsize=7)
        for i, dim in enumerate(self.latent_dims):
            right.plot([], [], "o", color=f"C{i}", label=f"latent dimension {dim}")
        current = self.scores.get((self.beta, self.latent_dim))
        if current is not None:
            right.plot([current.kl], [current.reconstruction], "o", markersize=13, markerfacecolor="none",
                       markeredgecolor="tab:red", markeredgewidth=2, label="shown")
        right.set_xlabel("KL term (nats per digit)")
        right.set_ylabel("reconstruction loss (nats per digit)")
        right.set_title("the settings seen so far", fontsize=10)
        right.grid(alpha=0.3)
        right.legend(fontsize=7)
        fig.tight_layout()
        return fig
