"""lessons_lib.vae_explorer: notebook 05's β / latent-dimension explorer, driven without a browser.

The VAEs are the notebook's own, trained by the notebook's own ``train_vae`` (the cells tagged
``vae-lesson`` in notebooks/05_variational_autoencoder.ipynb, loaded with
:func:`lessons_lib.notebook_code.load_tagged_cells`). What those cells take from the notebook's
untagged set-up and data cells is handed in with ``preset=``, tiny: 2 epochs of batches of 100 on
400 real MNIST digits of the bundled sample (the notebook's validation split keeps 360 for
training). The training function the model bank calls wraps ``train_vae`` and records every call,
so the tests can tell training from a cache hit.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from nbtools import NOTEBOOK_DIR

from lessons_lib import cache
from lessons_lib.cache import ModelBank
from lessons_lib.data import SAMPLE_PATH, flatten, read_mnist_npz, to_float
from lessons_lib.metrics import build_digit_classifier, classifier_outputs
from lessons_lib.notebook_code import load_tagged_cells
from lessons_lib.seeding import set_seed
from lessons_lib.vae_explorer import BETAS, LATENT_DIMS, VAEExplorer, check_beta, check_latent_dim

pytestmark = pytest.mark.usefixtures("isolated_cache")  # tests/conftest.py

NOTEBOOK = NOTEBOOK_DIR / "05_variational_autoencoder.ipynb"
SEED = 7
READOUT = (
    r"β {beta} · latent dimension {dim} · test reconstruction loss \d+\.\d · KL \d+\.\d\d "
    r"\(nats per digit\)"
)


@pytest.fixture(scope="module")
def digits():
    """(x_train, x_test, y_test): 400 training and 200 test digits of the real MNIST sample."""
    arrays = read_mnist_npz(SAMPLE_PATH, expect="sample")
    x_train = flatten(to_float(arrays["x_train"][:400]))
    x_test = flatten(to_float(arrays["x_test"][:200]))
    return x_train, x_test, arrays["y_test"][:200].astype(np.int64)


@pytest.fixture(scope="module")
def lesson(digits):
    """The notebook's Sampling layer, VAE model, build_vae and train_vae (tag vae-lesson), as a module.

    What the cells use from untagged cells, set in the module before they run: the set-up cell's
    ModelBank, set_seed and PROFILE_NAME, tiny EPOCHS and BATCH_SIZE, and the data cell's x_train.
    """
    return load_tagged_cells(NOTEBOOK, "vae-lesson", preset={
        "ModelBank": ModelBank, "set_seed": set_seed, "PROFILE_NAME": "quick",
        "EPOCHS": 2, "BATCH_SIZE": 100, "x_train": digits[0],
    })


def _train(lesson, calls, fail_at=()):
    """The notebook's train_vae (its SEED, 2 epochs on the tiny x_train), recording each call."""

    def train_vae(*, beta, latent_dim, callbacks):
        calls.append((beta, latent_dim))
        if (beta, latent_dim) in fail_at:
            raise RuntimeError(f"training beta {beta}, latent_dim {latent_dim} failed")
        return lesson.train_vae(beta=beta, latent_dim=latent_dim, callbacks=callbacks)

    return train_vae


def _explorer(lesson, digits, calls, *, fail_at=(), **kwargs):
    _, x_test, y_test = digits
    bank = ModelBank("tiny_vae", _train(lesson, calls, fail_at), profile="quick", seed=0)
    options = {"shown": range(5), "n_scatter": 200, "seed": SEED, **kwargs}
    return VAEExplorer(bank, x_test, y_test, **options), bank


def _numpy(tensor):
    import keras

    return keras.ops.convert_to_numpy(tensor)


def _not_trained(**params):
    raise AssertionError(f"a bad input must be refused before any training, but {params} was trained")


@pytest.mark.slow
def test_the_default_setting_is_trained_once_and_shown_with_its_numbers(lesson, digits):
    calls = []
    explorer, bank = _explorer(lesson, digits, calls)
    assert calls == [(1.0, 2)]
    assert explorer.beta_slider.value == 1.0 and explorer.dim_buttons.value == 2
    assert re.fullmatch(READOUT.format(beta="1", dim="2"), explorer.readout.value), explorer.readout.value
    assert explorer.progress.status.value.startswith("beta 1.0, latent_dim 2: trained in")
    for picture in (explorer.images, explorer.plots):
        assert bytes(picture.value).startswith(b"\x89PNG")
    assert explorer.reconstructions.shape == (5, 784) and explorer.prior_samples.shape == (10, 784)
    for images in (explorer.reconstructions, explorer.prior_samples):
        assert images.min() >= 0.0 and images.max() <= 1.0
    assert explorer.codes.shape == (200, 2)

    # The numbers are the model's own: its KL term (no sampling in it) and the codes are z_mean.
    model = bank.get(beta=1.0, latent_dim=2).model
    x_test = digits[1]
    z_mean, z_log_var, _ = (_numpy(t) for t in model.encoder(x_test, training=False))
    kl = np.mean(-0.5 * np.sum(1 + z_log_var - z_mean**2 - np.exp(z_log_var), axis=1))
    assert explorer.scores[(1.0, 2)].kl == pytest.approx(kl, rel=1e-4)
    assert np.allclose(explorer.codes, z_mean, atol=1e-5)
    assert explorer.scores[(1.0, 2)].fid is None  # no classifier given: no MNIST-FID


@pytest.mark.slow
def test_moving_beta_trains_that_vae_once_and_moving_back_loads_it(lesson, digits):
    calls = []
    explorer, bank = _explorer(lesson, digits, calls)
    first = (explorer.readout.value, bytes(explorer.images.value), explorer.reconstructions.copy())

    explorer.beta_slider.value = 4.0  # what a student's drag does
    assert calls == [(1.0, 2), (4.0, 2)]
    assert re.fullmatch(READOUT.format(beta="4", dim="2"), explorer.readout.value), explorer.readout.value
    assert bytes(explorer.images.value) != first[1]
    assert not np.allclose(explorer.reconstructions, first[2])
    assert explorer.scores[(4.0, 2)].kl < explorer.scores[(1.0, 2)].kl  # a heavier KL weight: a smaller KL
    assert explorer.progress.bar.value == explorer.progress.bar.max == 2  # the 2 epochs went by

    explorer.beta_slider.value = 1.0  # back: a cache hit, the same pictures and numbers as before
    assert len(calls) == 2
    assert bank.visits[-1] == ({"beta": 1.0, "latent_dim": 2}, True)
    assert explorer.progress.status.value == "beta 1.0, latent_dim 2: loaded from the cache"
    assert explorer.readout.value == first[0]
    assert np.allclose(explorer.reconstructions, first[2])


@pytest.mark.slow
def test_the_latent_dimension_choice_trains_a_wider_vae_and_projects_its_codes(lesson, digits):
    calls = []
    explorer, _ = _explorer(lesson, digits, calls)
    plane_before = bytes(explorer.plots.value)
    explorer.dim_buttons.value = 8
    assert calls == [(1.0, 2), (1.0, 8)]
    assert explorer.readout.value.startswith("β 1 · latent dimension 8 · ")
    assert explorer.codes.shape == (200, 2)  # 8-d codes seen along their two main directions
    assert bytes(explorer.plots.value) != plane_before
    ax = explorer.plots_figure().axes[0]
    assert "8-d codes" in ax.get_title()
    rate_distortion = explorer.plots_figure().axes[1]  # after it: the colour bar
    labels = [line.get_label() for line in rate_distortion.get_lines()]
    assert "latent dimension 8" in labels and "shown" in labels

    explorer.select(beta=0.5, latent_dim=16)  # both controls at once: one training, one drawing
    assert calls[-1] == (0.5, 16) and len(calls) == 3
    assert (explorer.beta_slider.value, explorer.dim_buttons.value) == (0.5, 16)
    assert explorer.readout.value.startswith("β 0.5 · latent dimension 16 · ")


@pytest.mark.slow
def test_the_prior_draws_are_the_lessons_and_the_same_at_every_beta(lesson, digits):
    explorer, bank = _explorer(lesson, digits, [])
    lesson_draws = np.random.default_rng(SEED).standard_normal((5000, 2)).astype("float32")
    assert np.array_equal(explorer.prior_codes(2, 5000), lesson_draws)  # notebook 05, section 5
    assert np.array_equal(explorer.prior_codes(2, 10), lesson_draws[:10])  # the pictures: its first ones
    decoder = bank.get(beta=1.0, latent_dim=2).model.decoder
    assert np.allclose(explorer.prior_samples, _numpy(decoder(lesson_draws[:10])), atol=1e-6)


@pytest.mark.slow
def test_with_the_classifier_the_readout_gives_the_prior_samples_fid_and_coverage(lesson, digits):
    classifier = build_digit_classifier()  # untrained: the numbers mean nothing, their presence does
    reference, _ = classifier_outputs(classifier, digits[1][:100])
    explorer, _ = _explorer(lesson, digits, [], classifier=classifier, reference_features=reference,
                            n_eval=100)
    scores = explorer.scores[(1.0, 2)]
    assert scores.fid is not None and np.isfinite(scores.fid) and scores.fid >= 0
    assert scores.digits is not None and 0 <= scores.digits <= 10
    assert re.search(r" · prior samples: MNIST-FID \d+\.\d, digits covered \d+/10$", explorer.readout.value)


@pytest.mark.slow
def test_a_failed_training_leaves_controls_pictures_and_numbers_on_the_setting_shown(lesson, digits):
    calls = []
    explorer, _ = _explorer(lesson, digits, calls, fail_at=((4.0, 2), (2.0, 8)))
    shown = (explorer.readout.value, bytes(explorer.images.value), bytes(explorer.plots.value))
    with pytest.raises(RuntimeError, match="training beta 4.0, latent_dim 2 failed"):
        explorer.beta_slider.value = 4.0
    assert explorer.beta_slider.value == 1.0 and explorer.dim_buttons.value == 2
    with pytest.raises(RuntimeError, match="training beta 2.0, latent_dim 8 failed"):
        explorer.select(beta=2.0, latent_dim=8)
    assert explorer.beta_slider.value == 1.0 and explorer.dim_buttons.value == 2
    assert (explorer.readout.value, bytes(explorer.images.value), bytes(explorer.plots.value)) == shown
    assert explorer.progress.status.value.endswith("stopped")
    assert set(explorer.scores) == {(1.0, 2)}


@pytest.mark.slow
def test_a_new_kernel_loads_every_vae_from_the_cache_and_shows_the_same(lesson, digits):
    calls = []
    explorer, _ = _explorer(lesson, digits, calls)
    before = explorer.scores[(1.0, 2)]
    cache.forget_memory()  # what a kernel restart does
    again, bank = _explorer(lesson, digits, calls)
    assert calls == [(1.0, 2)]  # trained once, in the first "kernel"
    assert bank.visits == [({"beta": 1.0, "latent_dim": 2}, True)]
    assert again.scores[(1.0, 2)].kl == pytest.approx(before.kl, rel=1e-5)
    # the reconstruction term decodes sampled codes (as in training): close, not equal
    assert again.scores[(1.0, 2)].reconstruction == pytest.approx(before.reconstruction, rel=0.05)
    assert np.allclose(again.reconstructions, explorer.reconstructions, atol=1e-5)
    history = bank.get(beta=1.0, latent_dim=2).history
    assert len(history["reconstruction_loss"]) == len(history["kl_loss"]) == 2  # the curves came along


@pytest.mark.slow
def test_the_notebooks_vae_survives_a_keras_file_round_trip(lesson, digits, tmp_path):
    import keras

    x_train, x_test, _ = digits
    keras.utils.set_random_seed(0)
    vae = lesson.build_vae(latent_dim=8, beta=0.5, seed=3)
    vae.compile(optimizer="adam")
    vae.fit(x_train, epochs=1, batch_size=100, verbose=0)
    path = tmp_path / "vae.keras"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vae.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
    unexpected = [str(w.message) for w in caught if "built" in str(w.message) or "Skipping" in str(w.message)]
    assert not unexpected, f"saving or loading warned: {unexpected}"

    assert type(loaded).__name__ == "VAE" and loaded.beta == 0.5 and loaded.built
    assert [layer.name for layer in loaded.encoder.layers] == [layer.name for layer in vae.encoder.layers]
    assert np.allclose(_numpy(loaded.encoder(x_test)[0]), _numpy(vae.encoder(x_test)[0]), atol=1e-6)
    assert np.allclose(_numpy(loaded(x_test)), _numpy(vae(x_test)), atol=1e-6)
    ours = vae.evaluate(x_test, batch_size=100, verbose=0, return_dict=True)
    theirs = loaded.evaluate(x_test, batch_size=100, verbose=0, return_dict=True)
    assert theirs["kl_loss"] == pytest.approx(ours["kl_loss"], rel=1e-5)

    before = [w.copy() for w in loaded.get_weights()]
    loaded.fit(x_train, epochs=1, batch_size=100, verbose=0)  # and it trains on from where it was
    assert any(not np.array_equal(a, b) for a, b in zip(before, loaded.get_weights(), strict=True))


# -- bad input: a clear error naming the argument, before anything is trained -------------------


def test_check_beta_and_latent_dim_accept_the_offered_values_only():
    assert BETAS == (0.0, 0.5, 1.0, 2.0, 4.0) and LATENT_DIMS == (2, 8, 16)
    assert check_beta(1) == 1.0 and isinstance(check_beta(1), float)
    assert check_beta(np.float32(0.5)) == 0.5
    assert check_latent_dim(np.int64(16)) == 16
    for bad in (3, 0.25, -1.0, "1", True, None, float("nan")):
        with pytest.raises(ValueError, match=r"^beta must be one of 0, 0\.5, 1, 2, 4, got "):
            check_beta(bad)
    for bad in (4, 2.0, "2", True, None):
        with pytest.raises(ValueError, match="^latent_dim must be one of 2, 8, 16, got "):
            check_latent_dim(bad)


@pytest.mark.slow
def test_choices_the_explorer_does_not_offer_are_refused_and_change_nothing(lesson, digits):
    calls = []
    explorer, _ = _explorer(lesson, digits, calls)
    shown = explorer.readout.value
    with pytest.raises(ValueError, match=r"beta must be one of 0, 0\.5, 1, 2, 4, got 3"):
        explorer.select(beta=3)
    with pytest.raises(ValueError, match="latent_dim must be one of 2, 8, 16, got 4"):
        explorer.select(latent_dim=4)
    with pytest.raises(ValueError, match="latent_dim must be one of 2, 8, 16, got 32"):
        explorer.select(beta=2.0, latent_dim=32)  # the good half is not applied either
    assert (explorer.beta_slider.value, explorer.dim_buttons.value) == (1.0, 2)
    assert explorer.readout.value == shown and calls == [(1.0, 2)]


def _bad_explorer(digits, **changes):
    x_train, x_test, y_test = digits
    arguments = {"bank": ModelBank("never", _not_trained, profile="quick", seed=0), "x_test": x_test,
                 "y_test": y_test, **changes}
    return VAEExplorer(arguments.pop("bank"), arguments.pop("x_test"), arguments.pop("y_test"), **arguments)


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"beta": 3.0}, ValueError, r"beta must be one of 0, 0\.5, 1, 2, 4, got 3\.0"),
        ({"latent_dim": 5}, ValueError, "latent_dim must be one of 2, 8, 16, got 5"),
        ({"beta": 0.5, "betas": (1.0, 2.0)}, ValueError, "beta must be one of 1, 2, got 0.5"),
        ({"bank": "vae_bank"}, TypeError, "bank must be a lessons_lib.cache.ModelBank, got str"),
        ({"x_test": np.zeros((3, 784), np.uint8)}, ValueError, "x_test must be float pixels in"),
        ({"x_test": np.zeros((3, 10), np.float32)}, ValueError, "x_test must be a non-empty stack"),
        ({"y_test": np.zeros(7, np.int64)}, ValueError, r"one integer label per test digit \(200\)"),
        ({"y_test": np.full(200, 0.5)}, ValueError, "y_test must hold one integer label per test digit"),
        ({"y_test": np.full(200, 10)}, ValueError, "y_test must hold digits 0-9"),
        ({"betas": ()}, ValueError, "betas must be a non-empty list"),
        ({"betas": (1.0, -1.0)}, ValueError, r"betas\[1\] must be a finite number >= 0, got -1\.0"),
        ({"betas": (1.0, 1.0)}, ValueError, "betas must not repeat a value"),
        ({"latent_dims": (2, 0)}, ValueError, r"latent_dims\[1\] must be a positive int, got 0"),
        ({"latent_dims": "2, 8"}, ValueError, "latent_dims must be a non-empty list"),
        ({"shown": [0, 999]}, ValueError, r"shown\[1\] must be an int between 0 and 199, got 999"),
        ({"shown": []}, ValueError, "shown must be a non-empty list of indices into x_test"),
        ({"n_scatter": 0}, ValueError, "n_scatter must be an int >= 10, got 0"),
        ({"classifier": object()}, ValueError, "classifier and reference_features go together"),
        ({"n_eval": 1}, ValueError, "n_eval must be an int >= 2, got 1"),
        ({"seed": -1}, ValueError, "seed must be a non-negative int, got -1"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_arguments_name_the_argument_and_train_nothing(digits, changes, error, message):
    with pytest.raises(error, match=message):
        _bad_explorer(digits, **changes)


def test_vae_explorer_refuses_a_bank_that_is_not_a_model_bank():
    with pytest.raises(TypeError, match=r"bank must be a lessons_lib.cache.ModelBank, got dict"):
        VAEExplorer({}, np.zeros((2, 784), "float32"), np.zeros(2, "uint8"))
