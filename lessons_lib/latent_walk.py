"""A latent-space explorer (잠재 공간 탐색기) for a trained generator: notebooks 04 and 06.

A slider ``t`` walks along the straight line between two latent points ``z_a`` and ``z_b``;
the picture shows ``G(z_a)``, ``G((1 - t) z_a + t z_b)`` and ``G(z_b)`` side by side, with the
whole walk as a strip of frames underneath. A button draws two new end points.

The generator is passed in (the model stays in the notebook). Everything the widget does is also
a plain method (:meth:`LatentWalk.set_t`, :meth:`LatentWalk.new_endpoints`,
:meth:`LatentWalk.current_image`), so tests drive it without a browser. Its text form
(what nbval compares) names only the settings, never the pixels.

The controls and the picture always agree (:class:`lessons_lib.explorer.ExplorerBase`): when a
redraw fails or is interrupted (a move of ``t``, a digit button, "new end points"), the error is
raised and the slider, the digit and the end points return to those of the picture still shown.

:class:`DigitWalk` (notebook 06) does the same for a **conditional** generator (조건부 생성자), one
that takes ``[z, one-hot digit label]``: ten toggle buttons choose the digit, and the style walk
keeps it fixed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np

from lessons_lib.checks import check_int, check_labels, check_number, check_positive_int, check_seed
from lessons_lib.explorer import ExplorerBase


def _check_t(t: Any) -> float:
    return check_number(t, "t", low=0, high=1)


def interpolate(z_a: Any, z_b: Any, t: float) -> np.ndarray:
    """The point ``(1 - t) * z_a + t * z_b`` on the line between two latent vectors (t in [0, 1])."""
    a = np.asarray(z_a, dtype="float32")
    b = np.asarray(z_b, dtype="float32")
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"z_a and z_b must be 1-D vectors of the same length, got {a.shape} and {b.shape}")
    t = _check_t(t)
    return ((1.0 - t) * a + t * b).astype("float32")


def uniform_noise(
    z_dim: int, low: float = -1.0, high: float = 1.0
) -> Callable[[np.random.Generator, int], Any]:
    """A sampler ``(rng, n) -> (n, z_dim)`` for z ~ U(low, high)^z_dim (the lecture's latent prior)."""
    z_dim = check_positive_int(z_dim, "z_dim")
    low, high = check_number(low, "low"), check_number(high, "high", low=low, open_low=True)

    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(low, high, size=(n, z_dim)).astype("float32")

    return sample


def _png(image: np.ndarray) -> bytes:
    from matplotlib.image import imsave

    buffer = io.BytesIO()
    imsave(buffer, np.clip(image, 0.0, 1.0), cmap="gray", vmin=0.0, vmax=1.0, format="png")
    return buffer.getvalue()


class LatentWalk(ExplorerBase):
    """Slider + button + picture for walking between two latent points of ``generator``.

    ``generator`` maps ``(n, z_dim)`` float32 noise to ``(n, 28, 28)``, ``(n, 28, 28, 1)`` or
    ``(n, 784)`` images in [0, 1]. Both are checked up front: a Keras model whose input does not
    take ``z_dim`` numbers, or a generator whose output is not one 28x28 image per latent point,
    is a ``ValueError`` naming the argument. ``n_frames`` is the number of frames in the strip;
    ``scale`` the pixel magnification. A redraw that fails puts ``t`` and the end points back on
    the picture shown, then raises (:meth:`ExplorerBase.update`).
    """

    def __init__(
        self,
        generator: Any,
        z_dim: int,
        *,
        seed: int = 0,
        n_frames: int = 9,
        scale: int = 4,
        sampler: Callable[[np.random.Generator, int], Any] | None = None,
    ) -> None:
        z_dim = check_positive_int(z_dim, "z_dim")
        n_frames = check_int(n_frames, "n_frames", low=2)
        scale = check_positive_int(scale, "scale")
        if not callable(generator):
            kind = type(generator).__name__
            raise TypeError(f"generator must be a Keras model (callable on noise), got {kind}")
        if sampler is not None and not callable(sampler):
            raise TypeError(f"sampler must be a function (rng, n) -> (n, z_dim) noise, got {sampler!r}")
        self._check_generator_input(generator, z_dim)
        self.generator, self.z_dim, self.n_frames, self.scale = generator, z_dim, n_frames, scale
        self.sampler = sampler or uniform_noise(z_dim)
        self.rng = np.random.default_rng(check_seed(seed))
        self.z_a, self.z_b = self._draw_pair()
        self._first_call(np.stack([self.z_a, self.z_b]))
        self._build_widgets()

    def _build_widgets(self) -> None:
        self.slider = widgets.FloatSlider(
            value=0.5, min=0.0, max=1.0, step=0.05, description="t", continuous_update=True,
            readout_format=".2f",
        )
        self.button = widgets.Button(description="new end points", icon="refresh")
        self.image = widgets.Image(format="png")
        self.caption = widgets.HTML()
        self.slider.observe(self._on_change, names="value")
        self.button.on_click(lambda _button: self.new_endpoints())
        self.widget = _WalkBox(self, children=[*self._control_rows(), self.caption, self.image])
        self.update()

    def _control_rows(self) -> list[Any]:
        return [widgets.HBox([self.slider, self.button])]

    # --- plain methods (used by the widgets and by tests) ---
    def _draw_pair(self) -> tuple[np.ndarray, np.ndarray]:
        pair = np.asarray(self.sampler(self.rng, 2), dtype="float32")
        if pair.shape != (2, self.z_dim):
            raise ValueError(f"sampler must return shape (2, {self.z_dim}), got {pair.shape}")
        return pair[0], pair[1]

    def _first_call(self, z: np.ndarray) -> None:
        """Call the generator once before any widget exists: a wrong ``z_dim`` is named here."""
        try:
            images = self._call(z)
        except Exception as error:
            reason = f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
            raise ValueError(
                f"generator could not be called on noise of shape {z.shape} ({reason}); "
                f"check that z_dim={self.z_dim} is the size of the generator's input"
            ) from error
        self._images(images, z)

    def _check_generator_input(self, generator: Any, z_dim: int) -> None:
        """A Keras model declares its input shape: it must take ``z_dim`` numbers per latent point."""
        _check_generator_input(generator, z_dim)

    def _call(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(self.generator(self._inputs(z), training=False), dtype="float32")

    def _inputs(self, z: np.ndarray) -> Any:
        """What the generator is called on for the latent points ``z``."""
        return np.asarray(z, dtype="float32")

    @staticmethod
    def _images(images: np.ndarray, z: np.ndarray) -> np.ndarray:
        if images.shape not in ((len(z), 28, 28), (len(z), 28, 28, 1), (len(z), 784)):
            raise ValueError(
                f"generator must return one 28x28 image per latent point, shape (n, 28, 28), "
                f"(n, 28, 28, 1) or (n, 784); for noise of shape {z.shape} it returned shape {images.shape}"
            )
        return images.reshape(len(z), 28, 28)

    def _generate(self, z: np.ndarray) -> np.ndarray:
        return self._images(self._call(z), z)

    @property
    def t(self) -> float:
        return float(self.slider.value)

    def set_t(self, t: float) -> None:
        """Move the slider (and the picture) to ``t`` in [0, 1]."""
        self.slider.value = _check_t(t)

    def new_endpoints(self) -> None:
        """Draw two new latent end points (what the button does) and redraw.

        If the redraw fails, the end points shown stay and the error is raised.
        """
        self.z_a, self.z_b = self._draw_pair()
        self.update()

    def current_z(self) -> np.ndarray:
        return interpolate(self.z_a, self.z_b, self.t)

    def current_image(self) -> np.ndarray:
        """``G(z(t))`` as a (28, 28) array."""
        return self._generate(self.current_z()[None])[0]

    def frames(self) -> np.ndarray:
        """The whole walk: ``n_frames`` images at evenly spaced t, shape (n_frames, 28, 28)."""
        ts = np.linspace(0.0, 1.0, self.n_frames)
        return self._generate(np.stack([interpolate(self.z_a, self.z_b, t) for t in ts]))

    def picture(self) -> np.ndarray:
        """The picture the widget shows: [G(z_a) | G(z(t)) | G(z_b)] centred over the strip of frames,
        on a grey background (the caption above it names the images)."""
        ends = self._generate(np.stack([self.z_a, self.current_z(), self.z_b]))
        gap = np.ones((28, 6), "float32") * 0.5
        top = np.concatenate([ends[0], gap, ends[1], gap, ends[2]], axis=1)
        strip = np.concatenate(list(self.frames()), axis=1)
        width = max(top.shape[1], strip.shape[1])

        def centred(row: np.ndarray) -> np.ndarray:  # on the grey of the gaps, not on black
            left = (width - row.shape[1]) // 2
            return np.pad(row, ((0, 0), (left, width - row.shape[1] - left)), constant_values=0.5)

        canvas = np.concatenate([centred(top), np.full((4, width), 0.5, "float32"), centred(strip)], axis=0)
        return np.kron(canvas, np.ones((self.scale, self.scale), "float32"))

    def _setting(self) -> dict[str, Any]:
        return {"t": self.slider.value, "z_a": self.z_a.copy(), "z_b": self.z_b.copy()}

    def _restore_setting(self, setting: Mapping[str, Any]) -> None:
        self.z_a, self.z_b = setting["z_a"].copy(), setting["z_b"].copy()
        self.slider.value = setting["t"]

    def caption_text(self) -> str:
        """What the caption above the picture says: which image is which."""
        return (f"top: G(z_a) at t = 0 | G(z(t)) at t = {self.t:.2f} | G(z_b) at t = 1; "
                f"below: the walk from z_a (left) to z_b (right) in {self.n_frames} steps")

    def _draw(self) -> None:
        """Compute the whole picture first; the image widget changes only once it is done."""
        picture = _png(self.picture())
        self.image.value = picture
        self.caption.value = self.caption_text()

    def __repr__(self) -> str:
        return f"LatentWalk(z_dim={self.z_dim}, t={self.t:.2f}, n_frames={self.n_frames})"


def _check_generator_input(generator: Any, z_dim: int) -> None:
    """A Keras model declares its input shape: it must be ``(None, z_dim)``."""
    try:
        declared = generator.input_shape
    except (AttributeError, ValueError):  # a plain function, or a Sequential model never built
        return
    if not isinstance(declared, tuple) or not declared or declared[-1] is None:
        return
    if len(declared) != 2:
        raise ValueError(
            f"generator must take latent vectors of shape (n, z_dim); its input has shape {declared}"
        )
    if declared[-1] != z_dim:
        raise ValueError(
            f"z_dim={z_dim} does not fit the generator, which takes noise of shape {declared}; "
            f"z_dim must be {declared[-1]}"
        )


class _WalkBox(widgets.VBox):
    """A VBox whose text form names the settings only (nbval compares text, not pixels)."""

    def __init__(self, walk: LatentWalk, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._walk = walk

    def __repr__(self) -> str:
        return repr(self._walk)


def check_digit(value: Any, n_classes: int = 10) -> int:
    """Return ``value`` if it is a digit label 0 .. n_classes - 1; else a ValueError naming ``digit``."""
    return check_int(value, "digit", low=0, high=n_classes - 1)


def one_hot_digits(digits: Any, n_classes: int = 10) -> np.ndarray:
    """The labels ``digits`` (ints 0 .. n_classes - 1) as float32 one-hot rows, shape (n, n_classes).

    Notebook 06 feeds these to its conditional generator (``[z, one_hot_digits(labels)]``).
    """
    labels = check_labels(digits, "digits", n_classes=n_classes)
    return np.eye(int(n_classes), dtype="float32")[labels]


def _check_conditional_inputs(generator: Any, z_dim: int, n_classes: int) -> None:
    """A Keras model declares its inputs: they must be ``[(None, z_dim), (None, n_classes)]``."""
    try:
        declared = generator.input_shape
    except (AttributeError, ValueError):
        return
    expected = [(None, z_dim), (None, n_classes)]
    if isinstance(declared, list | tuple) and all(isinstance(shape, tuple) for shape in declared):
        if [tuple(shape) for shape in declared] != expected:
            raise ValueError(
                f"generator must take [z, labels] of shapes {expected} (z_dim={z_dim}, "
                f"n_classes={n_classes}); its inputs have shapes {list(declared)}"
            )
    elif isinstance(declared, tuple):
        raise ValueError(
            f"generator must be conditional, taking [z, labels] of shapes {expected}; "
            f"it takes one input of shape {declared}"
        )


class DigitWalk(LatentWalk):
    """:class:`LatentWalk` for a conditional generator: ten buttons choose the digit (notebook 06).

    ``generator`` maps ``[z, labels]`` (``(n, z_dim)`` noise and ``(n, n_classes)`` one-hot labels)
    to one 28x28 image per row; ``digit`` is the digit shown first. The slider walks the style
    (the latent point) while the digit stays the chosen one; :meth:`set_digit` (what a button
    does) redraws the same walk for another digit. A redraw that fails puts the digit button
    back on the digit shown, then raises.
    """

    def __init__(
        self, generator: Any, z_dim: int, *, digit: int = 7, n_classes: int = 10, **kwargs: Any
    ) -> None:
        self.n_classes = check_int(n_classes, "n_classes", low=2)
        self._digit = check_digit(digit, self.n_classes)
        super().__init__(generator, z_dim, **kwargs)

    def _check_generator_input(self, generator: Any, z_dim: int) -> None:
        _check_conditional_inputs(generator, z_dim, self.n_classes)

    def _build_widgets(self) -> None:
        self.digit_buttons = widgets.ToggleButtons(
            options=list(range(self.n_classes)), value=self._digit, description="digit",
            style={"button_width": "2.2em"},
        )
        self.digit_buttons.observe(self._on_change, names="value")
        super()._build_widgets()

    def _control_rows(self) -> list[Any]:
        return [self.digit_buttons, *super()._control_rows()]

    def _inputs(self, z: np.ndarray) -> Any:
        z = np.asarray(z, dtype="float32")
        return [z, one_hot_digits(np.full(len(z), self._digit), self.n_classes)]

    @property
    def digit(self) -> int:
        return self._digit

    def set_digit(self, digit: int) -> None:
        """Show ``digit`` (0 .. n_classes - 1): the same walk, the other digit."""
        self.digit_buttons.value = check_digit(digit, self.n_classes)

    def _setting(self) -> dict[str, Any]:
        return {**super()._setting(), "digit": self._digit}

    def _restore_setting(self, setting: Mapping[str, Any]) -> None:
        self._digit = setting["digit"]
        self.digit_buttons.value = setting["digit"]
        super()._restore_setting(setting)

    def _draw(self) -> None:
        self._digit = check_digit(self.digit_buttons.value, self.n_classes)
        super()._draw()

    def __repr__(self) -> str:
        return f"DigitWalk(digit={self.digit}, z_dim={self.z_dim}, t={self.t:.2f}, n_frames={self.n_frames})"
