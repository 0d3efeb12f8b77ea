"""lessons_lib.latent_walk: the slider walks between two latent points, the button draws new ones."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib.latent_walk import (
    DigitWalk,
    LatentWalk,
    check_digit,
    interpolate,
    one_hot_digits,
    uniform_noise,
)


class BrightnessGenerator:
    """A stand-in generator: the image's brightness is the first latent coordinate mapped to [0, 1]."""

    def __init__(self):
        self.calls = 0

    def __call__(self, z, training=False):
        assert training is False
        self.calls += 1
        z = np.asarray(z)
        level = (z[:, :1] + 1) / 2
        return np.broadcast_to(level[:, :, None, None], (len(z), 28, 28, 1)).astype("float32")


class Breaking:
    """Wraps a stand-in generator; after :meth:`fail_from` every call from the n-th on raises ``error``."""

    def __init__(self, generator, error):
        self.generator, self.error, self.calls, self.first_failing = generator, error, 0, None

    def fail_from(self, n):
        """Calls 1 .. n-1 from now on still work (e.g. the top row of the picture), then all fail."""
        self.first_failing = self.calls + n

    def heal(self):
        self.first_failing = None

    def __call__(self, inputs, training=False):
        self.calls += 1
        if self.first_failing is not None and self.calls >= self.first_failing:
            raise self.error("generator ran out of memory")
        return self.generator(inputs, training=training)


def _shown(walk):
    """What the student sees: the controls, the end points behind the picture, the picture's bytes."""
    digit = (walk.digit, walk.digit_buttons.value) if isinstance(walk, DigitWalk) else None
    return {
        "t": walk.t, "digit": digit, "z_a": walk.z_a.tolist(), "z_b": walk.z_b.tolist(),
        "png": bytes(walk.image.value), "text": repr(walk.widget),
    }


def test_interpolate_is_the_straight_line():
    a, b = np.array([0.0, 2.0]), np.array([1.0, -2.0])
    assert np.allclose(interpolate(a, b, 0.0), a)
    assert np.allclose(interpolate(a, b, 1.0), b)
    assert np.allclose(interpolate(a, b, 0.25), [0.25, 1.0])


def test_slider_moves_the_picture_between_the_end_points():
    walk = LatentWalk(BrightnessGenerator(), z_dim=4, seed=3)
    start, end = (walk.z_a[0] + 1) / 2, (walk.z_b[0] + 1) / 2
    walk.set_t(0.0)
    assert np.allclose(walk.current_image(), start)
    walk.set_t(1.0)
    assert np.allclose(walk.current_image(), end)
    png_at_end = walk.image.value
    walk.set_t(0.5)
    assert np.allclose(walk.current_image(), (start + end) / 2, atol=1e-6)
    assert walk.image.value != png_at_end and walk.image.value[:4] == b"\x89PNG"
    frames = walk.frames()
    assert frames.shape == (9, 28, 28)
    assert np.allclose(frames[:, 0, 0], np.linspace(start, end, 9), atol=1e-6)


def test_button_draws_new_end_points_and_redraws():
    walk = LatentWalk(BrightnessGenerator(), z_dim=4, seed=3)
    old_a, old_png = walk.z_a.copy(), walk.image.value
    walk.button.click()
    assert not np.allclose(walk.z_a, old_a)
    assert walk.image.value != old_png
    assert np.all(np.abs(walk.z_a) <= 1) and walk.z_a.shape == (4,)


def test_same_seed_same_walk_and_text_form_names_settings_only():
    first = LatentWalk(BrightnessGenerator(), z_dim=8, seed=1)
    second = LatentWalk(BrightnessGenerator(), z_dim=8, seed=1)
    assert np.array_equal(first.z_a, second.z_a) and np.array_equal(first.z_b, second.z_b)
    assert repr(first.widget) == "LatentWalk(z_dim=8, t=0.50, n_frames=9)"
    assert first.widget._repr_mimebundle_()["text/plain"] == "LatentWalk(z_dim=8, t=0.50, n_frames=9)"


def test_picture_shape_follows_scale():
    walk = LatentWalk(BrightnessGenerator(), z_dim=2, n_frames=5, scale=2)
    picture = walk.picture()
    assert picture.shape == (2 * (28 + 4 + 28), 2 * 5 * 28)


def test_top_row_sits_centred_on_grey_and_the_caption_names_the_images():
    walk = LatentWalk(BrightnessGenerator(), z_dim=2, n_frames=9, scale=1)
    picture = walk.picture()
    top_width = 3 * 28 + 2 * 6
    left = (9 * 28 - top_width) // 2
    beside = np.concatenate([picture[:28, :left], picture[:28, left + top_width :]], axis=1)
    assert beside.size and np.all(beside == 0.5), "no black filler beside the three images on top"
    walk.set_t(0.25)
    assert "G(z_a) at t = 0" in walk.caption.value and "G(z(t)) at t = 0.25" in walk.caption.value
    assert "G(z_b) at t = 1" in walk.caption.value


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_failed_redraw_puts_t_and_the_end_points_back_on_the_picture_shown(error):
    """A redraw that fails (or Ctrl-C) part-way: the slider and end points stay those of the picture."""
    generator = Breaking(BrightnessGenerator(), error)
    walk = LatentWalk(generator, z_dim=4, seed=3)
    walk.set_t(0.25)
    before = _shown(walk)
    generator.fail_from(2)  # the top row of the new picture is generated, the strip fails
    with pytest.raises(error, match="generator ran out of memory"):
        walk.slider.value = 0.75  # a student's drag
    assert _shown(walk) == before, "the slider must return to the t whose picture is shown"
    with pytest.raises(error, match="generator ran out of memory"):
        walk.set_t(1.0)
    assert _shown(walk) == before
    with pytest.raises(error, match="generator ran out of memory"):
        walk.new_endpoints()  # what the "new end points" button does
    assert _shown(walk) == before, "the end points must stay those of the picture shown"

    generator.heal()  # the walk still works afterwards
    walk.set_t(0.75)
    assert walk.t == 0.75 and bytes(walk.image.value) != before["png"]
    assert np.allclose(walk.current_image(), (walk.z_a[0] + 1) / 2 * 0.25 + (walk.z_b[0] + 1) / 2 * 0.75)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"z_dim": 0}, "z_dim must be a positive int, got 0"),
        ({"z_dim": 4.0}, "z_dim must be a positive int, got 4.0"),
        ({"z_dim": 4, "n_frames": 1}, "n_frames must be an int >= 2, got 1"),
        ({"z_dim": 4, "scale": True}, "scale must be a positive int, got True"),
        ({"z_dim": 4, "seed": -1}, "seed must be a non-negative int, got -1"),
        ({"z_dim": 4, "sampler": lambda rng, n: np.zeros((n, 3))}, r"sampler must return shape \(2, 4\)"),
    ],
)
def test_bad_settings_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LatentWalk(BrightnessGenerator(), **kwargs)


def test_bad_t_is_named():
    walk = LatentWalk(BrightnessGenerator(), z_dim=2)
    with pytest.raises(ValueError, match=r"t must be a finite number between 0 and 1, got 1.5"):
        walk.set_t(1.5)
    assert walk.t == 0.5
    with pytest.raises(ValueError, match="z_dim must be a positive int"):
        uniform_noise(0)
    with pytest.raises(ValueError, match=r"high must be a finite number > 1.0, got 1.0"):
        uniform_noise(2, low=1.0, high=1.0)


def test_latent_interpolation_names_its_arguments():
    expected = r"z_a and z_b must be 1-D vectors of the same length, got \(4,\) and \(3,\)"
    with pytest.raises(ValueError, match=expected):
        interpolate(np.zeros(4), np.zeros(3), 0.5)
    with pytest.raises(ValueError, match=r"t must be a finite number between 0 and 1, got -0.5"):
        interpolate(np.zeros(4), np.ones(4), -0.5)
    with pytest.raises(ValueError, match=r"t must be a finite number between 0 and 1, got nan"):
        interpolate(np.zeros(4), np.ones(4), float("nan"))


def _keras_generator(z_dim: int, output_shape: tuple[int, ...] = (28, 28, 1)):
    import keras

    inputs = keras.Input((z_dim,))
    pixels = keras.layers.Dense(int(np.prod(output_shape)), activation="sigmoid")(inputs)
    return keras.Model(inputs, keras.layers.Reshape(output_shape)(pixels))


def test_a_z_dim_the_generator_does_not_take_is_named_before_any_widget():
    """Issue 12: a wrong z_dim gave Keras's call trace; the generator's input is checked up front."""
    generator = _keras_generator(4)
    expected = r"^z_dim=5 does not fit the generator, which takes noise of shape \(None, 4\); z_dim must be 4"
    with pytest.raises(ValueError, match=expected):
        LatentWalk(generator, z_dim=5)
    assert repr(LatentWalk(generator, z_dim=4)) == "LatentWalk(z_dim=4, t=0.50, n_frames=9)"


def test_a_generator_that_fails_on_the_noise_is_named_with_z_dim():
    def strict(z, training=False):  # a plain function: no declared input shape to compare
        if z.shape[1] != 3:
            raise ValueError(f"expected 3 numbers per point, got {z.shape[1]}")
        return np.zeros((len(z), 28, 28))

    expected = (
        r"^generator could not be called on noise of shape \(2, 5\) \(ValueError: expected 3 numbers "
        r"per point, got 5\); check that z_dim=5 is the size of the generator's input$"
    )
    with pytest.raises(ValueError, match=expected):
        LatentWalk(strict, z_dim=5)
    with pytest.raises(TypeError, match=r"generator must be a Keras model \(callable on noise\), got str"):
        LatentWalk("generator", z_dim=5)


@pytest.mark.parametrize("output_shape", [(15,), (28, 28, 3), (14, 14)])
def test_a_generator_with_the_wrong_output_shape_is_named(output_shape):
    """Issue 12: a wrong output gave "cannot reshape array of size 30"; the output is checked up front."""
    returned = ", ".join(map(str, (2, *output_shape)))
    expected = (
        r"^generator must return one 28x28 image per latent point, shape \(n, 28, 28\), \(n, 28, 28, 1\) "
        rf"or \(n, 784\); for noise of shape \(2, 4\) it returned shape \({returned}\)$"
    )
    with pytest.raises(ValueError, match=expected):
        LatentWalk(_keras_generator(4, output_shape), z_dim=4)


# ---- DigitWalk: the conditional walk of notebook 06 -------------------------------------------

class DigitGenerator:
    """A stand-in conditional generator: row r of the image is bright for digit d when r // 2 == d,
    and the brightness is the first latent coordinate mapped to [0, 1]."""

    def __call__(self, inputs, training=False):
        assert training is False
        z, labels = (np.asarray(a) for a in inputs)
        assert labels.shape == (len(z), 10) and np.allclose(labels.sum(axis=1), 1)
        images = np.zeros((len(z), 28, 28, 1), "float32")
        for i, digit in enumerate(labels.argmax(axis=1)):
            images[i, 2 * digit : 2 * digit + 2] = (z[i, 0] + 1) / 2
        return images


def _bright_rows(image):
    return sorted(set(np.nonzero(image.max(axis=1) > 0)[0].tolist()))


def test_digit_buttons_change_the_digit_and_keep_the_style():
    walk = DigitWalk(DigitGenerator(), z_dim=4, digit=7, seed=3)
    assert _bright_rows(walk.current_image()) == [14, 15]
    level, png = walk.current_image().max(), walk.image.value
    walk.digit_buttons.value = 2  # what a click on the "2" button does
    assert walk.digit == 2 and _bright_rows(walk.current_image()) == [4, 5]
    assert np.isclose(walk.current_image().max(), level), "the latent point (style) must stay"
    assert walk.image.value != png
    walk.set_t(1.0)
    assert np.isclose(walk.current_image().max(), (walk.z_b[0] + 1) / 2)
    assert all(_bright_rows(frame) in ([4, 5], []) for frame in walk.frames())
    assert repr(walk.widget) == "DigitWalk(digit=2, z_dim=4, t=1.00, n_frames=9)"


def test_one_hot_digits_are_rows_of_the_identity():
    assert np.array_equal(one_hot_digits([0, 9, 3]), np.eye(10, dtype="float32")[[0, 9, 3]])
    assert one_hot_digits(np.arange(4), n_classes=4).dtype == np.float32


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: DigitWalk(DigitGenerator(), z_dim=4, digit=10), "digit must be"),
        (lambda: DigitWalk(DigitGenerator(), z_dim=4, digit="7"), "digit must be"),
        (lambda: DigitWalk(DigitGenerator(), z_dim=4).set_digit(-1), "digit must be"),
        (lambda: check_digit(3.0), "digit must be"),
        (lambda: one_hot_digits([1, 10]), "digits must hold labels 0-9"),
        (lambda: one_hot_digits([]), "digits must be a non-empty"),
        (lambda: one_hot_digits([0.5]), "digits must be a non-empty"),
        (lambda: one_hot_digits([1], n_classes=1), "n_classes must be"),
    ],
)
def test_digit_walk_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_digit_walk_checks_the_generator_inputs_up_front():
    import keras

    z, label = keras.Input((4,)), keras.Input((10,))
    conditional = keras.Model([z, label], keras.layers.Reshape((28, 28, 1))(
        keras.layers.Dense(784, activation="sigmoid")(keras.layers.Concatenate()([z, label]))))
    with pytest.raises(ValueError, match=r"must take \[z, labels\] of shapes \[\(None, 5\), \(None, 10\)\]"):
        DigitWalk(conditional, z_dim=5)
    layers = [keras.Input((4,)), keras.layers.Dense(784), keras.layers.Reshape((28, 28))]
    unconditional = keras.Sequential(layers)
    with pytest.raises(ValueError, match="generator must be conditional"):
        DigitWalk(unconditional, z_dim=4)
    assert DigitWalk(conditional, z_dim=4).current_image().shape == (28, 28)


def test_an_interrupted_redraw_puts_the_digit_button_back_on_the_digit_shown():
    generator = Breaking(DigitGenerator(), KeyboardInterrupt)
    walk = DigitWalk(generator, z_dim=4, digit=7, seed=3)
    before = _shown(walk)
    generator.fail_from(2)
    with pytest.raises(KeyboardInterrupt):
        walk.digit_buttons.value = 2  # what a click on the "2" button does
    assert _shown(walk) == before, "the digit button must return to the digit whose picture is shown"
    assert repr(walk.widget) == "DigitWalk(digit=7, z_dim=4, t=0.50, n_frames=9)"
    with pytest.raises(KeyboardInterrupt):
        walk.set_digit(3)
    assert _shown(walk) == before
    with pytest.raises(KeyboardInterrupt):
        walk.button.click()  # "new end points", interrupted
    assert _shown(walk) == before
    with pytest.raises(KeyboardInterrupt):
        walk.set_t(0.0)
    assert _shown(walk) == before

    generator.heal()
    walk.digit_buttons.value = 2
    assert walk.digit == 2 and _bright_rows(walk.current_image()) == [4, 5]
    assert bytes(walk.image.value) != before["png"]
