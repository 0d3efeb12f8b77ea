"""Bad input to lessons_lib: a clear error naming the argument and the expected value (issue 6, point 5).

The first parts cover every module case by case: data, profiles, seeding, plots, cache, MSE and
PSNR, noise, progress bars and model banks, the denoiser slider, and the GAN callbacks, plots and
sample-quality metrics. The last test walks every public function and class of every lessons_lib
module and checks that some test in tests/ calls it inside ``pytest.raises``, so a new helper
without a bad-input test is noticed.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import lessons_lib
from lessons_lib import cache, data
from lessons_lib.callbacks import FIDTracker, SampleGrids, StepLosses, plot_gan_training, tile, write_grid_png
from lessons_lib.data import (
    MnistFileError,
    check_mnist_arrays,
    flatten,
    load_mnist,
    load_mnist_with_source,
    read_mnist_npz,
    to_float,
    unflatten,
)
from lessons_lib.latent_walk import interpolate
from lessons_lib.metrics import digit_counts, mnist_fid, mse, psnr, sample_quality
from lessons_lib.noise import check_noise_factor
from lessons_lib.plots import plot_history, show_image_rows, show_images
from lessons_lib.profiles import current_profile, pick
from lessons_lib.progress import ModelBank, TrainingProgress
from lessons_lib.seeding import check_seed, set_seed
from lessons_lib.widgets import DenoiserExplorer, figure_png

TESTS = Path(__file__).resolve().parent
IMAGES = np.zeros((2, 28, 28), dtype="float32")


def _mnist(**changes: np.ndarray) -> dict[str, np.ndarray]:
    arrays = {
        "x_train": np.zeros((3, 28, 28), np.uint8),
        "y_train": np.array([0, 1, 2], np.uint8),
        "x_test": np.zeros((2, 28, 28), np.uint8),
        "y_test": np.array([3, 4], np.uint8),
    }
    arrays.update(changes)
    return arrays


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(data.MNIST_ENV, raising=False)
    cache.forget_memory()
    yield
    cache.forget_memory()


# ---- data ------------------------------------------------------------------------------------

def test_unreadable_data_file_names_the_file(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(MnistFileError, match=r"mnist.npz' is not a readable .npz file"):
        load_mnist(bad)
    with pytest.raises(MnistFileError, match=r"mnist.npz' is not a readable .npz file"):
        load_mnist_with_source(bad)


def test_data_file_from_the_environment_is_checked_not_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv(data.MNIST_ENV, str(tmp_path / "missing.npz"))
    with pytest.raises(MnistFileError, match=r"missing.npz' does not exist \(path or \$LESSONS_MNIST\)"):
        load_mnist()


def test_path_of_the_wrong_type():
    with pytest.raises(TypeError, match="path must be a str or os.PathLike to an .npz file, got int"):
        read_mnist_npz(60000)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"y_train": np.array([0, 1, 12], np.uint8)}, r"y_train holds labels up to 12; expected 0-9"),
        (
            {"x_test": np.zeros((2, 28, 28), np.float32)},
            r"x_test/y_test have dtypes float32/uint8; expected uint8",
        ),
        (
            {"x_train": np.zeros((3, 28, 27), np.uint8)},
            r"x_train has shape \(3, 28, 27\).*expected \(n, 28, 28\)",
        ),
        ({"y_test": np.array([1], np.uint8)}, r"y_test \(1,\); expected \(n, 28, 28\) and \(n,\)"),
    ],
)
def test_arrays_that_are_not_mnist(changes, message):
    with pytest.raises(MnistFileError, match=message):
        check_mnist_arrays(_mnist(**changes))


def test_sample_expectation_names_the_expected_sizes():
    with pytest.raises(MnistFileError, match=r"expected the sample's \{'train': 10000, 'test': 2000\}"):
        check_mnist_arrays(_mnist(), expect="sample")


@pytest.mark.parametrize("images", [np.zeros((2, 28, 28), np.float32), np.full((2, 28, 28), np.nan)])
def test_to_float_wants_uint8_pixels(images):
    with pytest.raises(TypeError, match=r"images must be uint8 pixels 0-255, got dtype float"):
        to_float(images)


def test_flatten_and_unflatten_name_the_shape_they_expect():
    expected = r"images must have shape \(n, 28, 28\) or \(n, 28, 28, 1\), got \(784,\)"
    with pytest.raises(ValueError, match=expected):
        flatten(np.zeros(784))
    with pytest.raises(ValueError, match=r"x_test must have shape .*got \(2, 28, 28, 3\)"):
        flatten(np.zeros((2, 28, 28, 3)), name="x_test")
    with pytest.raises(ValueError, match=r"vectors must have shape \(n, 784\), got \(2, 28, 28\)"):
        unflatten(np.zeros((2, 28, 28)))


# ---- profiles and seeding ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["slow", "QUICK", ""])
def test_unknown_profile_names_the_known_ones(name):
    expected = rf"profile='{name}' is not a known profile; expected one of full, quick"
    with pytest.raises(ValueError, match=expected):
        current_profile(name)
    with pytest.raises(ValueError, match=r"expected one of full, quick"):
        pick(full=1, quick=2, profile=name)


@pytest.mark.parametrize("seed", [-3, 2.0, None, "7"])
def test_seed_must_be_a_non_negative_int(seed):
    with pytest.raises(ValueError, match=rf"seed must be a non-negative int, got {seed!r}"):
        set_seed(seed)
    with pytest.raises(ValueError, match=rf"noise_seed must be a non-negative int, got {seed!r}"):
        check_seed(seed, "noise_seed")


# ---- plots ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "images, message",
    [
        (np.zeros((28, 28)), r"images must be a non-empty stack of images .*got shape \(28, 28\)"),
        (np.zeros((0, 28, 28)), r"images must be a non-empty stack"),
        (np.full((2, 28, 28), np.nan), r"images must hold finite numbers"),
        (np.full((2, 28, 28), np.inf), r"images must hold finite numbers"),
        (np.array([["a"] * 28] * 28)[None], r"images must hold finite numbers, got dtype <U1"),
    ],
)
def test_show_images_refuses_what_is_not_an_image_stack(images, message):
    with pytest.raises(ValueError, match=message):
        show_images(images, show=False)


def test_show_images_names_its_other_arguments():
    with pytest.raises(ValueError, match=r"n_cols must be a positive int, got 2.5"):
        show_images(IMAGES, n_cols=2.5, show=False)
    with pytest.raises(ValueError, match=r"titles must have 2 entries, got 3"):
        show_images(IMAGES, titles=["a", "b", "c"], show=False)
    with pytest.raises(ValueError, match=r"cell_size must be a number of inches between 0 and 20, got -1"):
        show_images(IMAGES, cell_size=-1, show=False)


def test_show_image_rows_names_the_bad_row_and_titles():
    with pytest.raises(ValueError, match=r"rows\[1\] must be a non-empty stack"):
        show_image_rows([IMAGES, np.zeros(5)], show=False)
    with pytest.raises(ValueError, match=r"rows must hold at least one stack"):
        show_image_rows([], show=False)
    with pytest.raises(ValueError, match=r"row_titles must have 1 entries, got 2"):
        show_image_rows([IMAGES], row_titles=["a", "b"], show=False)
    with pytest.raises(ValueError, match=r"col_titles must have 2 entries, got 1"):
        show_image_rows([IMAGES], col_titles=["a"], show=False)
    with pytest.raises(ValueError, match=r"cell_size must be a number of inches"):
        show_image_rows([IMAGES], cell_size=0, show=False)


def test_plot_history_names_what_it_expects():
    with pytest.raises(ValueError, match=r"history must be a keras History or a non-empty dict"):
        plot_history({}, show=False)
    with pytest.raises(ValueError, match=r"history must be a keras History"):
        plot_history([0.5, 0.4], show=False)
    with pytest.raises(ValueError, match=r"metrics \['acc'\] are not in the history; it has \['loss'\]"):
        plot_history({"loss": [1.0]}, metrics=["acc"], show=False)
    expected = r"metrics must be a non-empty list of names such as \['loss'\], got \[\]"
    with pytest.raises(ValueError, match=expected):
        plot_history({"loss": [1.0]}, metrics=[], show=False)


# ---- cache ------------------------------------------------------------------------------------

def test_cache_names_and_keys():
    with pytest.raises(ValueError, match=r"name must be letters, digits, '_' or '.', got 'my model'"):
        cache.entry_path("my model", {}, "keras")
    with pytest.raises(ValueError, match=r"name must be letters.*got 3"):
        cache.cached_model(3, {}, lambda: None)
    expected = r"key must be a dict such as \{'profile': 'quick', 'seed': 42\}, got list"
    with pytest.raises(TypeError, match=expected):
        cache.cached_arrays("scores", ["quick", 42], dict)
    with pytest.raises(ValueError, match=r"key entries must be letters.*'seed'='../x'"):
        cache.cached_model("ae", {"seed": "../x"}, lambda: None)


def test_train_and_compute_must_return_what_is_cached():
    with pytest.raises(TypeError, match=r"train must return a Keras model, got list"):
        cache.cached_model("ae", {"seed": 1}, lambda: [1, 2])
    with pytest.raises(TypeError, match=r"compute must return a dict of NumPy arrays, got ndarray"):
        cache.cached_arrays("scores", {"seed": 1}, lambda: np.zeros(3))
    with pytest.raises(TypeError, match=r"compute must return numeric arrays"):
        cache.cached_arrays("scores", {"seed": 1}, lambda: {"x": np.array([{}, None], dtype=object)})
    assert list((cache.cache_dir()).rglob("*.*")) == [], "a refused entry must leave no file"


def test_cached_set_names_what_build_must_return():
    expected = r"cached_set needs at least one name in models= or arrays=, got none"
    with pytest.raises(ValueError, match=expected):
        cache.cached_set({"seed": 1}, dict)
    with pytest.raises(ValueError, match=r"models and arrays must name each entry once, got \('g', 'g'\)"):
        cache.cached_set({"seed": 1}, dict, models=("g",), arrays=("g",))
    expected = r"build must return a dict with exactly the entries \['g', 'logs'\], got \['g'\]"
    with pytest.raises(TypeError, match=expected):
        cache.cached_set({"seed": 1}, lambda: {"g": None}, models=("g",), arrays=("logs",))
    with pytest.raises(TypeError, match=r"build's 'g' must return a Keras model, got int"):
        cache.cached_set({"seed": 1}, lambda: {"g": 3, "logs": {}}, models=("g",), arrays=("logs",))
    with pytest.raises(TypeError, match=r"build's 'logs' must return a dict of NumPy arrays, got list"):
        cache.cached_set({"seed": 1}, lambda: {"logs": [1]}, arrays=("logs",))
    assert list((cache.cache_dir()).rglob("*.*")) == [], "a refused set must leave no file"


# ---- metrics: MSE and PSNR ---------------------------------------------------------------------

@pytest.mark.parametrize("metric", [mse, psnr])
@pytest.mark.parametrize(
    "reference, images, message",
    [
        (IMAGES, IMAGES + 2, r"images holds values in \[2, 2\]; expected pixels in \[0, 1\]"),
        (IMAGES - 0.5, IMAGES, r"reference holds values in \[-0.5, -0.5\]; expected pixels in \[0, 1\]"),
        (
            IMAGES,
            np.full_like(IMAGES, np.nan),
            r"images holds NaN or infinite values; expected pixels in \[0, 1\]",
        ),
        (IMAGES, IMAGES[:1], r"reference has shape \(2, 28, 28\) but images has shape \(1, 28, 28\)"),
        (np.zeros(0), np.zeros(0), r"reference must not be empty"),
    ],
)
def test_metrics_name_the_bad_argument(metric, reference, images, message):
    with pytest.raises(ValueError, match=message):
        metric(reference, images)


def test_psnr_checks_like_mse():
    with pytest.raises(ValueError, match=r"images holds values in \[-1, -1\]; expected pixels in \[0, 1\]"):
        psnr(IMAGES, IMAGES - 1)


# ---- noise, progress bars and model banks (notebooks 02 and 03) -------------------------------

@pytest.mark.parametrize(
    "value, message",
    [
        (-0.1, r"noise_factor must be a finite number >= 0.0, got -0.1"),
        (float("nan"), r"noise_factor must be a finite number >= 0.0, got nan"),
        ("0.5", r"noise_factor must be a number >= 0.0, got '0.5'"),
        (True, r"noise_factor must be a number >= 0.0, got True"),
    ],
)
def test_check_noise_factor_names_the_range(value, message):
    with pytest.raises(ValueError, match=message):
        check_noise_factor(value)


def test_check_noise_factor_with_an_upper_bound():
    expected = r"noise_factor must be a finite number between 0.0 and 1.0, got 1.2"
    with pytest.raises(ValueError, match=expected):
        check_noise_factor(1.2, high=1.0)
    assert check_noise_factor(np.float32(0.25), high=1.0) == 0.25


def _train_nothing(**params):  # never called: every bank below is refused before training
    raise AssertionError("a refused setting must not train")


def test_model_bank_names_its_bad_settings():
    with pytest.raises(TypeError, match=r"train_fn must be callable, got 'train'"):
        ModelBank("ae", "train", profile="quick", seed=0)
    with pytest.raises(ValueError, match=r"name must be letters, digits, '_' or '.', got 'my bank'"):
        ModelBank("my bank", _train_nothing, profile="quick", seed=0)
    expected = r"profile='fast' is not a known profile; expected one of full, quick"
    with pytest.raises(ValueError, match=expected):
        ModelBank("ae", _train_nothing, profile="fast", seed=0)
    with pytest.raises(ValueError, match=r"seed must be a non-negative int, got -1"):
        ModelBank("ae", _train_nothing, profile="quick", seed=-1)
    with pytest.raises(TypeError, match=r"extra_key must be a dict such as \{'epochs': 50\}, got \[50\]"):
        ModelBank("ae", _train_nothing, profile="quick", seed=0, extra_key=[50])


def test_model_bank_get_needs_a_setting_and_a_real_progress_bar():
    bank = ModelBank("ae", _train_nothing, profile="quick", seed=0)
    with pytest.raises(ValueError, match=r"get needs the setting to train or load, e.g. get\(code_size=32\)"):
        bank.get()
    with pytest.raises(TypeError, match=r"progress must be a TrainingProgress or None, got str"):
        bank.get(code_size=32, progress="bar")
    with pytest.raises(ValueError, match=r"key entries must be letters.*'code_size'='3 2'"):
        bank.get(code_size="3 2")
    assert list(cache.cache_dir().rglob("*.*")) == [], "a refused setting must leave no file"


def test_training_progress_names_its_arguments():
    with pytest.raises(TypeError, match=r"description must be a str such as 'fit', got 3"):
        TrainingProgress(3)
    with pytest.raises(ValueError, match=r"every_seconds must be a number >= 0, got -1"):
        TrainingProgress("fit").callback(every_seconds=-1)


def test_figure_png_wants_a_matplotlib_figure():
    with pytest.raises(TypeError, match=r"fig must be a matplotlib Figure, got ndarray"):
        figure_png(np.zeros((28, 28)))
    with pytest.raises(ValueError, match=r"dpi must be an int between 10 and 600, got 0"):
        figure_png(Figure(), dpi=0)


def test_denoiser_explorer_refuses_bad_settings_before_training():
    bank = ModelBank("dn", _train_nothing, profile="quick", seed=0)
    clean = np.zeros((12, 784), np.float32)
    with pytest.raises(TypeError, match=r"bank must be a lessons_lib.progress.ModelBank, got dict"):
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
    with pytest.raises(ValueError, match=r"clean must hold pixels in \[0, 1\]"):
        DenoiserExplorer(bank, clean + 2, noise_seed=1)


# ---- GAN callbacks, plots and sample quality (notebook 04) -------------------------------------

def _generator(z_dim=4):
    import keras

    inputs = keras.Input((z_dim,))
    pixels = keras.layers.Dense(784, activation="sigmoid")(inputs)
    return keras.Model(inputs, keras.layers.Reshape((28, 28, 1))(pixels))


def test_tile_and_write_grid_png_name_bad_images(tmp_path):
    with pytest.raises(ValueError, match=r"images must have shape \(n, h, w\) with n > 0, got \(28, 28\)"):
        tile(np.zeros((28, 28)))
    with pytest.raises(ValueError, match=r"n_cols must be a positive int, got 0"):
        tile(IMAGES, n_cols=0)
    target = tmp_path / "grids" / "step_000010.png"
    with pytest.raises(ValueError, match=r"images holds values in \[-1, 2\]; expected pixels in \[0, 1\]"):
        write_grid_png(np.stack([IMAGES[0] - 1, IMAGES[1] + 2]), target)
    with pytest.raises(ValueError, match=r"images holds NaN or infinite values; expected pixels in \[0, 1\]"):
        write_grid_png(np.full((2, 28, 28), np.nan), target)
    with pytest.raises(ValueError, match=r"path must end in .png, got '.*grid.jpg'"):
        write_grid_png(IMAGES, tmp_path / "grid.jpg")
    with pytest.raises(TypeError, match=r"path must be a str or os.PathLike to a .png file, got 3"):
        write_grid_png(IMAGES, 3)
    assert not target.parent.exists() or list(target.parent.iterdir()) == [], "a refused grid wrote a file"


def test_gan_callbacks_name_their_bad_arguments(tmp_path):
    from lessons_lib.metrics import build_digit_classifier

    generator, classifier = _generator(), build_digit_classifier()
    features = np.zeros((10, 64))
    with pytest.raises(ValueError, match=r"noise must have shape \(n, z_dim\) with n > 0, got \(4,\)"):
        SampleGrids(generator, np.zeros(4), every=10)
    with pytest.raises(ValueError, match=r"noise holds NaN or infinite values"):
        SampleGrids(generator, np.full((3, 4), np.inf), every=10)
    with pytest.raises(ValueError, match=r"every must be a positive int, got 0"):
        SampleGrids(generator, np.zeros((3, 4)), every=0)
    with pytest.raises(TypeError, match=r"generator must be a Keras model \(callable\), got str"):
        SampleGrids("generator", np.zeros((3, 4)), every=10)
    with pytest.raises(TypeError, match=r"folder must be a str or os.PathLike folder"):
        SampleGrids(generator, np.zeros((3, 4)), every=10, folder=5)
    expected = r"reference_features must be finite classifier features of shape \(n, d\)"
    with pytest.raises(ValueError, match=expected):
        FIDTracker(generator, classifier, np.zeros(64), lambda n: np.zeros((n, 4)), every=10)
    with pytest.raises(TypeError, match=r"sample_noise must be a function n -> \(n, z_dim\) noise"):
        FIDTracker(generator, classifier, features, np.zeros((8, 4)), every=10)
    with pytest.raises(ValueError, match=r"classifier must be a Keras model with a layer named 'features'"):
        FIDTracker(generator, generator, features, lambda n: np.zeros((n, 4)), every=10)
    with pytest.raises(ValueError, match=r"n_samples must be a positive int, got 1.5"):
        FIDTracker(generator, classifier, features, lambda n: np.zeros((n, 4)), every=10, n_samples=1.5)
    with pytest.raises(ValueError, match=r"every must be a positive int, got -5"):
        StepLosses(every=-5)


def test_plot_gan_training_names_the_curve_that_does_not_fit():
    steps, values = [10, 20, 30], [40.0, 20.0, 10.0]
    losses = {"d_loss": [0.7, 0.6, 0.6], "g_loss": [0.8, 0.9, 1.0]}
    with pytest.raises(ValueError, match=r"fid has 2 values but fid_steps has 3; expected equal"):
        plot_gan_training(steps, values[:2], steps, losses, show=False)
    with pytest.raises(ValueError, match=r"losses\['g_loss'\] has 2 values but loss_steps has 3"):
        plot_gan_training(steps, values, steps, {**losses, "g_loss": [0.8, 0.9]}, show=False)
    with pytest.raises(ValueError, match=r"fid holds NaN or infinite values; expected finite numbers"):
        plot_gan_training(steps, [40.0, np.nan, 10.0], steps, losses, show=False)
    expected = r"fid_steps must be a non-empty 1-D sequence of numbers, got shape \(0,\)"
    with pytest.raises(ValueError, match=expected):
        plot_gan_training([], [], steps, losses, show=False)
    expected = r"losses must be a non-empty dict such as \{'d_loss': \[...\]\}, got \{\}"
    with pytest.raises(ValueError, match=expected):
        plot_gan_training(steps, values, steps, {}, show=False)
    with pytest.raises(ValueError, match=r"references\['lecture'\] must be a finite number, got 'n/a'"):
        plot_gan_training(steps, values, steps, losses, references={"lecture": "n/a"}, show=False)
    figure = plot_gan_training(steps, values, steps, losses, references={"real": np.float32(4.5)}, show=False)
    assert len(figure.axes) == 2


def test_latent_interpolation_names_its_arguments():
    expected = r"z_a and z_b must be 1-D vectors of the same length, got \(4,\) and \(3,\)"
    with pytest.raises(ValueError, match=expected):
        interpolate(np.zeros(4), np.zeros(3), 0.5)
    with pytest.raises(ValueError, match=r"t must be in \[0, 1\], got -0.5"):
        interpolate(np.zeros(4), np.ones(4), -0.5)
    with pytest.raises(ValueError, match=r"t must be in \[0, 1\], got nan"):
        interpolate(np.zeros(4), np.ones(4), float("nan"))


def test_sample_quality_names_images_and_reference_apart():
    from lessons_lib.metrics import build_digit_classifier

    classifier = build_digit_classifier()
    good = np.zeros((4, 28, 28))
    expected = r"^reference holds values in \[0, 255\]; expected pixels in \[0, 1\]"
    with pytest.raises(ValueError, match=expected):
        mnist_fid(classifier, good, np.full((4, 28, 28), 255.0) * (np.arange(4) > 0)[:, None, None])
    expected = r"^images must have shape \(n, 28, 28\) or \(n, 28, 28, 1\), got \(4, 784\)"
    with pytest.raises(ValueError, match=expected):
        mnist_fid(classifier, np.zeros((4, 784)), good)
    with pytest.raises(ValueError, match=r"^reference holds NaN or infinite values"):
        sample_quality(classifier, good, np.full((4, 28, 28), np.nan))
    with pytest.raises(ValueError, match=r"threshold must be strictly between 0 and 1, got 0"):
        sample_quality(classifier, good, good, threshold=0)
    expected = r"probabilities must have shape \(n, 10\) with n > 0, got \(0, 10\)"
    with pytest.raises(ValueError, match=expected):
        digit_counts(np.zeros((0, 10)))
    with pytest.raises(ValueError, match=r"probabilities must hold finite values in \[0, 1\]"):
        digit_counts(np.full((3, 10), np.nan))
    with pytest.raises(ValueError, match=r"threshold must be a number strictly between 0 and 1, got '0.9'"):
        digit_counts(np.full((3, 10), 0.1), threshold="0.9")


# ---- every public function has a bad-input test ----------------------------------------------

#: Public names that take no input a student could get wrong.
NO_INPUT = {
    "lessons_lib.cache.cache_dir": "no arguments",
    "lessons_lib.cache.forget_memory": "no arguments",
    "lessons_lib.data.MnistFileError": "the error class itself",
    "lessons_lib.metrics.build_digit_classifier": "no arguments",
    "lessons_lib.progress.Trained": "a result record that lessons_lib fills in, not built by students",
    "lessons_lib.tf_warnings.send_tensorflow_warnings_to_stderr": "no arguments",
}




def _public_names() -> dict[str, str]:
    names = {}
    for info in pkgutil.iter_modules(lessons_lib.__path__):
        module = importlib.import_module(f"lessons_lib.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if obj.__module__ == module.__name__:
                names[f"{module.__name__}.{name}"] = name
    return names


def _is_raises_block(node: ast.AST) -> bool:
    return isinstance(node, ast.With) and any(
        isinstance(item.context_expr, ast.Call)
        and isinstance(item.context_expr.func, ast.Attribute)
        and item.context_expr.func.attr == "raises"
        for item in node.items
    )


def _names(nodes: list[ast.AST]) -> set[str]:
    found = set()
    for node in nodes:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name):
                found.add(inner.id)
            elif isinstance(inner, ast.Attribute):
                found.add(inner.attr)
    return found


def _names_used_inside_pytest_raises() -> set[str]:
    """Names used in ``with pytest.raises(...)`` blocks, and in the parametrize lists of tests that
    call a parameter inside such a block (``call()`` with ``call=lambda: f(bad)``)."""
    used: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            blocks = [node for node in ast.walk(function) if _is_raises_block(node)]
            if not blocks:
                continue
            used |= _names([stmt for block in blocks for stmt in block.body])
            used |= _names(function.decorator_list)
    return used


def test_every_public_function_has_a_bad_input_test():
    used = _names_used_inside_pytest_raises()
    public = _public_names()
    untested = {q for q, name in public.items() if name not in used and q not in NO_INPUT}
    assert sorted(untested) == [], (
        "public lessons_lib functions/classes that no test calls inside pytest.raises "
        "(add a bad-input test, or list them in NO_INPUT with the reason)"
    )
    assert len(public) > 30, "the walk missed lessons_lib modules"
