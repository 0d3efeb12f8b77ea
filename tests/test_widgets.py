"""lessons_lib.widgets: the sliders of notebooks 02 and 03, driven in-process without a browser.

A tiny training function stands in for the notebooks' (same signature: parameters plus
``callbacks``); it records every call so the tests can tell training from a cache hit.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from lessons_lib import cache
from lessons_lib.cache import ModelBank
from lessons_lib.metrics import psnr
from lessons_lib.noise import add_gaussian_noise
from lessons_lib.widgets import AutoencoderExplorer, DenoiserExplorer

pytestmark = pytest.mark.usefixtures("isolated_cache")  # tests/conftest.py


def _digits(n=40):
    rng = np.random.default_rng(0)
    images = np.zeros((n, 28, 28), np.float32)
    for i in range(n):  # bright bars at different places: something an autoencoder can learn
        row = rng.integers(4, 24)
        images[i, row : row + 3, 4:24] = 1.0
    return images.reshape(n, 784)


def _tiny_train(calls, data):
    def train(*, callbacks, code_size, noise_factor=None):
        import keras

        calls.append((code_size, noise_factor))
        keras.utils.set_random_seed(0)
        inputs = keras.Input((784,), name="image")
        code = keras.layers.Dense(code_size, activation="relu", name="code")(inputs)
        outputs = keras.layers.Dense(784, activation="sigmoid", name="pixels")(code)
        model = keras.Model(inputs, outputs, name=f"tiny_{code_size}")
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        source = data if noise_factor is None else add_gaussian_noise(data, noise_factor, seed=3)
        model.fit(source, data, epochs=3, batch_size=20, verbose=0, callbacks=callbacks)
        return model

    return train


def _ae_explorer(calls, **kwargs):
    data = _digits()
    bank = ModelBank("tiny_ae", _tiny_train(calls, data), profile="quick", seed=0)
    return AutoencoderExplorer(
        bank,
        data,
        shown=range(5),
        code_sizes=(2, 8, 32),
        initial=2,
        baseline={2: 0.05, 8: 0.03, 32: 0.01},
        **kwargs,
    ), bank


@pytest.mark.slow
def test_autoencoder_slider_trains_once_per_size_and_updates_what_it_shows():
    calls = []
    explorer, bank = _ae_explorer(calls)
    assert calls == [(2, None)]
    assert re.fullmatch(r"code size 2 · test MSE 0\.\d{4}", explorer.readout.value)
    first_png, first_recon = bytes(explorer.images.value), explorer.reconstructions.copy()
    assert first_png.startswith(b"\x89PNG") and first_recon.shape == (5, 784)
    assert explorer.progress.status.value.startswith("code_size 2: trained in")

    explorer.slider.value = 32  # what a student's drag does
    assert calls == [(2, None), (32, None)]
    assert explorer.readout.value.startswith("code size 32 · test MSE ")
    assert bytes(explorer.images.value) != first_png
    assert not np.allclose(explorer.reconstructions, first_recon)
    assert explorer.test_mse[32] < explorer.test_mse[2]  # a wider code reconstructs better
    assert explorer.progress.bar.value == explorer.progress.bar.max == 3  # the 3 epochs went by

    explorer.slider.value = 2  # back: a cache hit, no retraining, the same picture as before
    assert len(calls) == 2
    assert bank.visits[-1] == ({"code_size": 2}, True)
    assert explorer.progress.status.value == "code_size 2: loaded from the cache"
    assert np.allclose(explorer.reconstructions, first_recon)
    assert bank.trained == [{"code_size": 2}, {"code_size": 32}]


@pytest.mark.slow
def test_curve_marks_the_current_size_and_shows_the_baseline():
    explorer, _ = _ae_explorer([])
    explorer.select(8)
    ax = explorer.curve_figure().axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["PCA"].get_ydata()) == [0.05, 0.03, 0.01]
    assert list(lines["autoencoder"].get_xdata()) == [2, 8]
    assert list(lines["code size 8"].get_xdata()) == [8]


@pytest.mark.slow
def test_a_new_kernel_reloads_from_disk_without_training(tmp_path):
    calls = []
    explorer, _ = _ae_explorer(calls)
    mse_before = explorer.test_mse[2]
    cache.forget_memory()
    again, bank = _ae_explorer(calls)
    assert calls == [(2, None)]  # trained once, in the first "kernel"
    assert again.test_mse[2] == pytest.approx(mse_before, rel=1e-5)
    assert bank.visits == [({"code_size": 2}, True)]
    assert bank.get(code_size=2).history["loss"]  # the training curve was kept beside the model
    assert cache.entry("tiny_ae", bank.key(code_size=2)).stem == "code_size-2_profile-quick_seed-0"


@pytest.mark.parametrize("damage", ["deleted", "cut in half"])
@pytest.mark.slow
def test_a_model_whose_curves_were_lost_is_trained_again(damage, capsys):
    """Interrupted between saving the model and its curves: the next run must not plot an empty history."""
    calls = []
    _ae_explorer(calls)
    bank = ModelBank("tiny_ae", _tiny_train(calls, _digits()), profile="quick", seed=0)
    curves = cache.entry("tiny_ae", bank.key(code_size=2)).member("history", "arrays")
    if damage == "deleted":
        curves.unlink()
    else:
        curves.write_bytes(curves.read_bytes()[: curves.stat().st_size // 2])
    cache.forget_memory()
    trained = bank.get(code_size=2)
    assert calls == [(2, None), (2, None)]  # trained again, not loaded without its curves
    assert not trained.from_cache and len(trained.history["loss"]) == 3
    err = capsys.readouterr().err
    assert "tiny_ae (code_size 2)" in err and curves.name in err and "training it again" in err
    assert curves.exists()
    cache.forget_memory()
    assert bank.get(code_size=2).from_cache and calls == [(2, None), (2, None)]  # and reused after


@pytest.mark.slow
def test_code_sizes_not_offered_are_clear_errors():
    explorer, _ = _ae_explorer([])
    with pytest.raises(ValueError, match="code_size must be one of 2, 8, 32, got 5"):
        explorer.select(5)
    with pytest.raises(ValueError, match="code_size must be one of 2, 8, 32, got 64"):
        AutoencoderExplorer(explorer.bank, _digits(), code_sizes=(2, 8, 32), initial=64)
    assert explorer.slider.value == 2


def _denoiser(calls, **kwargs):
    data = _digits()
    bank = ModelBank("tiny_dn", _tiny_train(calls, data), profile="quick", seed=0)
    explorer = DenoiserExplorer(
        bank,
        data,
        noise_seed=5,
        shown=range(4),
        code_sizes=(8, 32),
        code_size=32,
        train_noise=0.55,
        noise=0.55,
        **kwargs,
    )
    return explorer, bank, data


@pytest.mark.slow
def test_noise_slider_renoises_without_training_and_reports_psnr():
    calls = []
    explorer, bank, data = _denoiser(calls)
    assert calls == [(32, 0.55)]
    assert re.fullmatch(
        r"noise 0\.55 · noisy PSNR \d+\.\d\d dB · denoised PSNR \d+\.\d\d dB", explorer.readout.value
    )
    assert explorer.noisy_psnr == pytest.approx(psnr(data, add_gaussian_noise(data, 0.55, seed=5)))
    assert explorer.denoised_psnr > explorer.noisy_psnr
    noisy_055 = explorer.noisy.copy()

    explorer.slider.value = 0.2
    assert len(calls) == 1  # other noise levels reuse the denoiser trained at 0.55
    assert explorer.readout.value.startswith("noise 0.20 · ")
    assert explorer.noisy_psnr > psnr(data, add_gaussian_noise(data, 0.55, seed=5))
    assert not np.allclose(explorer.noisy, noisy_055)
    assert explorer.denoiser_label.value == "denoiser: code size 32, trained at noise 0.55"

    explorer.slider.value = 0.0
    assert "noisy PSNR ∞ dB" in explorer.readout.value  # clean input: no noise at all


@pytest.mark.slow
def test_button_trains_at_the_slider_level_once_and_code_choice_switches_denoiser():
    calls = []
    explorer, bank, _ = _denoiser(calls)
    explorer.slider.value = 0.3
    explorer.button.click()
    assert calls == [(32, 0.55), (32, 0.3)]
    assert explorer.denoiser_label.value == "denoiser: code size 32, trained at noise 0.30"
    explorer.button.click()  # the same level again: from the cache
    assert len(calls) == 2 and bank.visits[-1] == ({"code_size": 32, "noise_factor": 0.3}, True)
    explorer.code.value = 8
    assert calls[-1] == (8, 0.3)
    assert (
        cache.entry("tiny_dn", bank.key(code_size=8, noise_factor=0.3)).stem
        == "code_size-8_noise_factor-0.3_profile-quick_seed-0"
    )


@pytest.mark.slow
def test_invalid_noise_and_code_size_are_clear_errors():
    explorer, _, _ = _denoiser([])
    with pytest.raises(
        ValueError, match="noise_factor must be a finite number between 0.0 and 1.0, got -0.1"
    ):
        explorer.set_noise(-0.1)
    with pytest.raises(ValueError, match="noise_factor must be a finite number between 0.0 and 1.0, got 1.5"):
        explorer.set_noise(1.5)
    with pytest.raises(ValueError, match="code_size must be one of 8, 32, got 5"):
        explorer.set_code_size(5)
    assert explorer.noise == 0.55
    explorer.set_noise(0.33)  # rounded to the slider's 0.05 step
    assert explorer.noise == 0.35


def test_interrupted_training_leaves_no_model_and_says_so():
    def interrupted(*, callbacks, code_size):
        raise KeyboardInterrupt

    bank = ModelBank("broken", interrupted, profile="quick", seed=0)
    with pytest.raises(KeyboardInterrupt):
        AutoencoderExplorer(bank, _digits(), code_sizes=(2,), initial=2)
    assert not bank.is_cached(code_size=2)


# ---- the controls always show the setting whose pictures are shown (issue 12) -------------------

def _failing(calls, data, *, error, code_size=None, noise_factor=None):
    """The tiny training function, failing (or interrupted) for one code size or noise level."""
    train = _tiny_train(calls, data)

    def maybe_fail(*, callbacks, **params):
        if params.get("code_size") == code_size or (
            noise_factor is not None and params.get("noise_factor") == noise_factor
        ):
            raise error
        return train(callbacks=callbacks, **params)

    return maybe_fail


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
@pytest.mark.slow
def test_failed_training_puts_the_code_size_slider_back_on_the_pictures_shown(error):
    data = _digits()
    bank = ModelBank("tiny_ae", _failing([], data, code_size=32, error=error), profile="quick", seed=0)
    explorer = AutoencoderExplorer(bank, data, shown=range(5), code_sizes=(2, 8, 32), initial=2)
    readout, picture = explorer.readout.value, bytes(explorer.images.value)
    curve = bytes(explorer.curve.value)

    with pytest.raises(type(error)):
        explorer.slider.value = 32  # a student's drag to a size whose training fails or is interrupted
    assert explorer.slider.value == 2, "the slider must return to the code size whose pictures are shown"
    assert explorer.readout.value == readout and bytes(explorer.images.value) == picture
    assert bytes(explorer.curve.value) == curve
    assert explorer.progress.status.value == "training code_size 32 stopped"
    with pytest.raises(type(error)):
        explorer.select(32)
    assert explorer.slider.value == 2

    explorer.slider.value = 8  # the explorer still works afterwards
    assert explorer.readout.value.startswith("code size 8 · ") and explorer.slider.value == 8


@pytest.mark.slow
def test_failed_training_puts_the_denoiser_controls_back():
    calls = []
    data = _digits()
    train = _failing(calls, data, code_size=8, noise_factor=0.3, error=KeyboardInterrupt())
    bank = ModelBank("tiny_dn", train, profile="quick", seed=0)
    explorer = DenoiserExplorer(bank, data, noise_seed=5, shown=range(4), code_sizes=(8, 32), code_size=32)
    label, readout = explorer.denoiser_label.value, explorer.readout.value
    picture = bytes(explorer.images.value)

    with pytest.raises(KeyboardInterrupt):
        explorer.code.value = 8
    assert explorer.code.value == 32 and explorer.denoiser_label.value == label

    explorer.slider.value = 0.3
    readout_03 = explorer.readout.value
    with pytest.raises(KeyboardInterrupt):
        explorer.button.click()  # train a denoiser at 0.3: interrupted
    assert explorer.train_noise == 0.55 and explorer.denoiser_label.value == label
    assert explorer.slider.value == 0.3 and explorer.readout.value == readout_03
    explorer.slider.value = 0.55
    assert explorer.readout.value == readout and bytes(explorer.images.value) == picture
    assert calls == [(32, 0.55)]


@pytest.mark.slow
def test_nan_noise_raises_and_the_slider_returns_to_the_last_valid_value():
    explorer, _, _ = _denoiser([])
    explorer.slider.value = 0.2
    readout, picture = explorer.readout.value, bytes(explorer.images.value)
    expected = r"noise_factor must be a finite number between 0.0 and 1.0, got nan"
    with pytest.raises(ValueError, match=expected):
        explorer.slider.value = float("nan")
    assert explorer.slider.value == 0.2, "the slider must not stay at NaN"
    assert explorer.readout.value == readout and bytes(explorer.images.value) == picture
    with pytest.raises(ValueError, match=r"got nan"):
        explorer.set_noise(float("nan"))
    assert explorer.noise == 0.2


# ---- bad input ----------------------------------------------------------------------------------

def _train_nothing(**params):  # never called: every explorer below is refused before training
    raise AssertionError("a refused setting must not train")


def test_figure_png_wants_a_matplotlib_figure():
    from matplotlib.figure import Figure

    from lessons_lib.widgets import figure_png

    with pytest.raises(TypeError, match=r"fig must be a matplotlib Figure, got ndarray"):
        figure_png(np.zeros((28, 28)))
    with pytest.raises(ValueError, match=r"dpi must be an int between 10 and 600, got 0"):
        figure_png(Figure(), dpi=0)


def test_denoiser_explorer_refuses_bad_settings_before_training():
    bank = ModelBank("dn", _train_nothing, profile="quick", seed=0)
    clean = np.zeros((12, 784), np.float32)
    with pytest.raises(TypeError, match=r"bank must be a lessons_lib.cache.ModelBank, got dict"):
        DenoiserExplorer({}, clean, noise_seed=1)
    expected = r"noise_factor must be a finite number between 0.0 and 1.0, got -0.2"
    with pytest.raises(ValueError, match=expected):
        DenoiserExplorer(bank, clean, noise_seed=1, noise=-0.2)
    expected = r"noise_factor must be a finite number between 0.0 and 1.0, got 1.5"
    with pytest.raises(ValueError, match=expected):
        DenoiserExplorer(bank, clean, noise_seed=1, train_noise=1.5)
    with pytest.raises(ValueError, match=r"code_size must be one of 2, 4, 8, 16, 32, 64, 128, got 5"):
        DenoiserExplorer(bank, clean, noise_seed=1, code_size=5)
    with pytest.raises(ValueError, match=r"noise_seed must be a non-negative int, got -4"):
        DenoiserExplorer(bank, clean, noise_seed=-4)
    with pytest.raises(ValueError, match=r"clean holds values in \[2, 2\]; expected pixels in \[0, 1\]"):
        DenoiserExplorer(bank, clean + 2, noise_seed=1)
    with pytest.raises(ValueError, match=r"code_sizes must not be empty"):
        DenoiserExplorer(bank, clean, noise_seed=1, code_sizes=())


def test_autoencoder_explorer_refuses_bad_settings_before_training():
    bank = ModelBank("ae", _train_nothing, profile="quick", seed=0)
    with pytest.raises(TypeError, match=r"bank must be a lessons_lib.cache.ModelBank, got str"):
        AutoencoderExplorer("bank", _digits())
    with pytest.raises(ValueError, match=r"code_sizes\[1\] must be a positive int, got 2.5"):
        AutoencoderExplorer(bank, _digits(), code_sizes=(2, 2.5), initial=2)
    with pytest.raises(ValueError, match=r"x_test must be a non-empty stack of images \(n, 28, 28\)"):
        AutoencoderExplorer(bank, np.zeros((4, 10, 10), np.float32))
    with pytest.raises(ValueError, match=r"x_test must be float pixels in \[0, 1\] .*got dtype uint8"):
        AutoencoderExplorer(bank, np.zeros((4, 784), np.uint8))
    with pytest.raises(ValueError, match=r"shown\[0\] must be an int between 0 and 39, got 40"):
        AutoencoderExplorer(bank, _digits(), shown=[40])
    with pytest.raises(ValueError, match=r"shown\[1\] must be an int between 0 and 39, got 2.5"):
        AutoencoderExplorer(bank, _digits(), shown=[1, 2.5])


@pytest.mark.parametrize("name", ["02_autoencoder.ipynb", "03_denoising_autoencoder.ipynb"])
def test_saved_notebook_widgets_render_from_their_saved_state(name):
    """Every widget shown in the committed notebook has its state saved (no 'model not found' views)."""
    from nbtools import NOTEBOOK_DIR, read

    nb = read(NOTEBOOK_DIR / name)
    shown = [
        output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    ]
    assert shown, f"{name} has no saved widget outputs: run it with scripts/execute_notebooks.py"
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    missing = [model_id for model_id in shown if model_id not in state]
    assert not missing, f"{name}: widget views without saved state: {missing}"
    slider_models = ("SelectionSliderModel", "FloatSliderModel")
    sliders = [s["state"] for s in state.values() if s["model_name"] in slider_models]
    assert sliders and all(s.get("continuous_update") is False for s in sliders)
