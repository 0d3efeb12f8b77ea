"""lessons_lib.latent_walk: the slider walks between two latent points, the button draws new ones."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib.latent_walk import LatentWalk, interpolate, uniform_noise


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


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"z_dim": 0}, "z_dim must be an int >= 1"),
        ({"z_dim": 4, "n_frames": 1}, "n_frames must be an int >= 2"),
        ({"z_dim": 4, "sampler": lambda rng, n: np.zeros((n, 3))}, r"sampler must return shape \(2, 4\)"),
    ],
)
def test_bad_settings_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LatentWalk(BrightnessGenerator(), **kwargs)


def test_bad_t_is_named():
    walk = LatentWalk(BrightnessGenerator(), z_dim=2)
    with pytest.raises(ValueError, match=r"t must be in \[0, 1\], got 1.5"):
        walk.set_t(1.5)
    with pytest.raises(ValueError, match="z_dim must be a positive int"):
        uniform_noise(0)
