"""lessons_lib.callbacks: what notebook 04 watches while ``fit`` trains its GAN.

A tiny model is trained for a few steps with the callbacks attached; a separate tiny generator
stands in for the GAN's (the callbacks only call it), so the tests are fast and need no MNIST.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.image import imread

from lessons_lib.callbacks import FIDTracker, SampleGrids, StepLosses, plot_gan_training, tile, write_grid_png
from lessons_lib.metrics import build_digit_classifier, classifier_outputs


def _generator(z_dim=4, seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((z_dim,))
    pixels = keras.layers.Dense(784, activation="sigmoid")(inputs)
    return keras.Model(inputs, keras.layers.Reshape((28, 28, 1))(pixels))


def _fit_steps(callbacks, steps, *, epochs=1):
    """Train a throwaway model for ``steps`` batches per epoch, with ``callbacks`` attached."""
    import keras

    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(steps * 4, 3)).astype("float32")
    model.fit(x, x[:, :1], batch_size=4, epochs=epochs, verbose=0, callbacks=callbacks)


def test_sample_grids_keep_the_fixed_noise_images_every_n_steps(tmp_path):
    generator = _generator()
    noise = np.random.default_rng(2).uniform(-1, 1, size=(6, 4)).astype("float32")
    grids = SampleGrids(generator, noise, every=3, folder=tmp_path / "grids", n_cols=3)
    _fit_steps([grids], steps=4, epochs=2)  # 8 steps: records at 0 (before training), 3 and 6
    assert grids.steps == [0, 3, 6]
    assert [g.shape for g in grids.grids] == [(6, 28, 28)] * 3
    # The generator is not trained by this fit, so the same noise gives the same images each time.
    np.testing.assert_allclose(grids.grids[0], np.asarray(generator(noise))[..., 0], atol=1e-6)
    assert [f.name for f in grids.files] == ["step_000000.png", "step_000003.png", "step_000006.png"]
    assert sorted(p.name for p in (tmp_path / "grids").iterdir()) == [f.name for f in grids.files]
    picture = imread(grids.files[0])
    assert picture.shape[:2] == (2 * 28, 3 * 28)  # 6 images in rows of 3


def test_sample_grids_without_a_start_grid():
    grids = SampleGrids(_generator(), np.zeros((2, 4)), every=2, at_start=False)
    _fit_steps([grids], steps=5)
    assert grids.steps == [2, 4]
    assert grids.files == []


def test_step_losses_follow_the_logs():
    losses = StepLosses(every=2)
    _fit_steps([losses], steps=6)
    assert losses.steps == [2, 4, 6]
    assert list(losses.values) == ["loss"]
    assert len(losses.values["loss"]) == 3
    assert all(np.isfinite(losses.values["loss"]))


def test_fid_tracker_measures_the_generator_against_the_reference():
    classifier = build_digit_classifier()  # untrained is enough: the same features on both sides
    generator = _generator()
    real = np.asarray(generator(np.zeros((50, 4)))).clip(0, 1)
    reference, _ = classifier_outputs(classifier, real)
    tracker = FIDTracker(
        generator, classifier, reference, lambda n: np.zeros((n, 4), "float32"), every=2, n_samples=50
    )
    _fit_steps([tracker], steps=4)
    assert tracker.steps == [2, 4]
    # Samples from the very noise the reference came from: the distance is (numerically) zero.
    assert tracker.fid == pytest.approx([0.0, 0.0], abs=1e-6)


def test_fid_tracker_can_measure_the_model_a_function_returns_at_each_check():
    classifier = build_digit_classifier()
    first, second = _generator(seed=0), _generator(seed=1)
    noise = np.random.default_rng(0).uniform(-1, 1, (50, 4)).astype("float32")
    reference, _ = classifier_outputs(classifier, np.asarray(first(noise)).clip(0, 1))
    calls = []

    def current():  # e.g. gan.averaged_generator: a new model at each check
        calls.append(len(calls))
        return first if len(calls) == 1 else second

    tracker = FIDTracker(current, classifier, reference, lambda n: noise[:n], every=2, n_samples=50)
    _fit_steps([tracker], steps=4)
    assert calls == [0, 1]
    assert tracker.fid[0] == pytest.approx(0.0, abs=1e-9)
    assert tracker.fid[1] > 1e-6  # the second model draws other images


def test_tile_lays_images_out_in_rows():
    images = np.arange(5, dtype=np.float32)[:, None, None] * np.ones((5, 2, 3), np.float32)
    canvas = tile(images, n_cols=2)
    assert canvas.shape == (3 * 2, 2 * 3)
    assert canvas[0, 0] == 0 and canvas[0, 3] == 1 and canvas[2, 0] == 2 and canvas[4, 0] == 4
    assert canvas[4, 3] == 0  # the empty last cell stays black
    assert tile(images[..., None], n_cols=10).shape == (2, 5 * 3)  # channel axis dropped, n_cols capped


def test_write_grid_png_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "grid.png"
    write_grid_png(np.zeros((4, 28, 28)), target, n_cols=2)
    write_grid_png(np.ones((4, 28, 28)), target, n_cols=2)
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]
    assert imread(target)[..., 0].min() == pytest.approx(1.0)


def test_plot_gan_training_draws_fid_with_references_and_losses():
    fig = plot_gan_training(
        [100, 200], [40.0, 20.0], [10, 20, 30], {"d_loss": [0.7, 0.6, 0.6], "g_loss": [0.8, 0.9, 1.0]},
        references={"real vs real": 4.5}, show=False,
    )
    left, right = fig.axes
    assert left.get_yscale() == "log"
    assert [line.get_label() for line in left.get_lines()] == ["this GAN", "real vs real: 4.5"]
    assert [line.get_label() for line in right.get_lines()][:2] == ["d_loss", "g_loss"]
    np.testing.assert_array_equal(left.get_lines()[0].get_ydata(), [40.0, 20.0])


def test_plot_gan_training_labels_fid_ticks_as_numbers_and_draws_several_curves():
    fig = plot_gan_training(
        [100, 200], {"generator": [400.0, 12.0], "moving average": [300.0, 9.0]}, [10], {"d_loss": [0.7]},
        show=False,
    )
    fig.canvas.draw()
    left = fig.axes[0]
    assert [line.get_label() for line in left.get_lines()] == ["generator", "moving average"]
    labels = [t.get_text() for t in left.get_yticklabels() if t.get_text()]
    assert labels and all(text.replace(".", "").isdigit() for text in labels), labels
    with pytest.raises(ValueError, match=r"fid\['generator'\] has 1 values but fid_steps has 2"):
        plot_gan_training([1, 2], {"generator": [3.0]}, [1], {"d_loss": [0.7]}, show=False)


# ---- bad input ----------------------------------------------------------------------------------

IMAGES = np.zeros((2, 28, 28), dtype="float32")


def test_tile_and_write_grid_png_name_bad_images(tmp_path):
    expected = r"images must be a non-empty stack of images \(n, h, w\), .*got shape \(28, 28\)"
    with pytest.raises(ValueError, match=expected):
        tile(np.zeros((28, 28)))
    with pytest.raises(ValueError, match=r"n_cols must be a positive int, got 0"):
        tile(IMAGES, n_cols=0)
    target = tmp_path / "grids" / "step_000010.png"
    with pytest.raises(ValueError, match=r"images holds values in \[-1, 2\]; expected pixels in \[0, 1\]"):
        write_grid_png(np.stack([IMAGES[0] - 1, IMAGES[1] + 2]), target)
    with pytest.raises(ValueError, match=r"images holds NaN or infinite values; expected pixels in \[0, 1\]"):
        write_grid_png(np.full((2, 28, 28), np.nan), target)
    with pytest.raises(ValueError, match=r"images must be a non-empty stack of images"):
        write_grid_png(np.zeros((28, 28)), target)
    with pytest.raises(ValueError, match=r"path must end in .png, got '.*grid.jpg'"):
        write_grid_png(IMAGES, tmp_path / "grid.jpg")
    with pytest.raises(TypeError, match=r"path must be a str or os.PathLike to a .png file, got 3"):
        write_grid_png(IMAGES, 3)
    assert not target.parent.exists() or list(target.parent.iterdir()) == [], "a refused grid wrote a file"


def test_write_grid_png_interrupted_keeps_the_old_grid(tmp_path, monkeypatch):
    """The grid goes through lessons_lib.files.atomic_write: an interrupted save leaves the old file."""
    import matplotlib.image

    target = tmp_path / "grid.png"
    write_grid_png(np.zeros((4, 28, 28)), target, n_cols=2)
    before = target.read_bytes()

    def interrupted(path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(matplotlib.image, "imsave", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_grid_png(np.ones((4, 28, 28)), target, n_cols=2)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]


def test_gan_callbacks_name_their_bad_arguments(tmp_path):
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
    with pytest.raises(ValueError, match=r"n_cols must be a positive int, got -1"):
        SampleGrids(generator, np.zeros((3, 4)), every=10, n_cols=-1)
    expected = r"reference_features must have shape \(n, d\) with n >= 2"
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
    with pytest.raises(ValueError, match=r"references\['real'\] must be a finite number, got inf"):
        plot_gan_training(steps, values, steps, losses, references={"real": float("inf")}, show=False)
    figure = plot_gan_training(steps, values, steps, losses, references={"real": np.float32(4.5)}, show=False)
    assert len(figure.axes) == 2
