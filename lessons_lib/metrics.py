"""Numbers that say how good a reconstruction or a sample is.

- :func:`mse` and :func:`psnr`: notebooks 02 and 03 (autoencoder and denoiser quality).
- GAN sample quality, notebook 04 (and ``benchmarks/gan.py``):
  :func:`digit_classifier` (a small CNN trained once on the full MNIST and shipped with the course in
  ``lessons_lib/weights/``, the same ruler in every notebook, profile and benchmark),
  :func:`classifier_outputs` (its penultimate-layer features and class probabilities),
  :func:`frechet_distance` / :func:`mnist_fid` (the FID recipe on that classifier's features instead
  of Inception's: an "MNIST-FID", comparable only with other MNIST-FIDs from the same classifier),
  :func:`confident_share` (how many samples the classifier recognises with confidence),
  :func:`digit_shares` (how the samples split over the ten digits) and :func:`digit_coverage`
  (how many of the 10 digits appear: mode collapse shows there), the last bundled with the FID by
  :func:`sample_quality` (``benchmarks/gan_latent.py``);
- checking that ruler (``benchmarks/gan.py``, notebook 04): :func:`fid_under_damage` with
  :func:`add_noise`, :func:`blur` and :func:`drop_digits`.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from lessons_lib.checks import (
    check_finite_array,
    check_images01,
    check_number,
    check_positive_int,
    check_seed,
)


def _pair(reference: Any, images: Any) -> tuple[np.ndarray, np.ndarray]:
    ref = check_images01(reference, "reference", dtype=np.float64)
    img = check_images01(images, "images", dtype=np.float64)
    if ref.shape != img.shape:
        raise ValueError(f"reference has shape {ref.shape} but images has shape {img.shape}; expected equal")
    return ref, img


def mse(reference: Any, images: Any) -> float:
    """Mean squared error over all pixels of two equally shaped stacks of [0, 1] images."""
    ref, img = _pair(reference, images)
    return float(np.mean((ref - img) ** 2))


def psnr(reference: Any, images: Any) -> float:
    """Peak signal-to-noise ratio in dB for [0, 1] images: ``10 * log10(1 / MSE)``.

    Computed on the mean squared error over the whole stack (higher is better; identical
    images give ``inf``).
    """
    error = mse(reference, images)
    return float("inf") if error == 0 else float(10.0 * np.log10(1.0 / error))


# --- GAN sample quality (notebook 04) ------------------------------------------------------------

#: Bump when the classifier's architecture or training changes (it is part of the cache key).
CLASSIFIER_VERSION = 2
CLASSIFIER_NAME = "mnist_classifier"
FEATURES_LAYER = "features"


def _stack28(images: Any, name: str) -> np.ndarray:
    """``(n, 28, 28)``, ``(n, 28, 28, 1)`` or ``(n, 784)`` [0, 1] images as float32 ``(n, 28, 28, 1)``."""
    return check_images01(images, name, shape="digits", dtype=np.float32)[..., None]


def build_digit_classifier() -> Any:
    """The measuring instrument: a small CNN whose 64-unit ``features`` layer feeds the MNIST-FID.

    Two 3x3 convolutions, each followed by 2x2 max-pooling, then dropout and the features layer:
    about 99.1 % correct on the 10,000 test digits after 4 epochs (version 1, two strided
    convolutions without pooling, reached about 97 %).
    """
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input((28, 28, 1), name="image"),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(name="pool1"),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dropout(0.3, name="dropout"),
            layers.Dense(64, activation="relu", name=FEATURES_LAYER),
            layers.Dense(10, activation="softmax", name="probabilities"),
        ],
        name="digit_classifier",
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


#: The recipe of the shipped classifier: ``digit_classifier()`` with these arguments loads it.
SHIPPED_RECIPE = {"epochs": 4, "seed": 0}
#: The weights of ``build_digit_classifier`` trained with ``SHIPPED_RECIPE`` on the full MNIST,
#: written by ``scripts/make_digit_classifier.py`` and committed: every learner, notebook and
#: benchmark measures with the same ruler, so their MNIST-FIDs compare (as the FID's Inception
#: network is one fixed set of weights).
SHIPPED_CLASSIFIER = (
    Path(__file__).resolve().parent / "weights" / f"digit_classifier_v{CLASSIFIER_VERSION}.npz"
)


def classifier_code_digest() -> str:
    """A digest of ``build_digit_classifier``'s source: the shipped weights belong to that code."""
    return hashlib.sha256(inspect.getsource(build_digit_classifier).encode("utf-8")).hexdigest()


def train_digit_classifier(*, epochs: int = 4, seed: int = 0) -> Any:
    """A new classifier, trained now on the MNIST this machine has (about a minute on 2 CPU cores)."""
    check_positive_int(epochs, "epochs")
    seed = check_seed(seed)
    import keras

    from lessons_lib.data import load_mnist, to_float

    keras.utils.set_random_seed(seed)
    (x_train, y_train), _ = load_mnist()
    model = build_digit_classifier()
    model.fit(to_float(x_train)[..., None], y_train, epochs=epochs, batch_size=128, verbose=0)
    return model


def load_shipped_classifier(path: str | Path = SHIPPED_CLASSIFIER) -> Any:
    """The classifier shipped with the course (``SHIPPED_CLASSIFIER``), loaded in a fraction of a second.

    Raises ``FileNotFoundError`` when the file is missing and ``ValueError`` when it is damaged or
    was trained by other code of ``build_digit_classifier`` (run ``scripts/make_digit_classifier.py``).
    """
    path = Path(path)
    again = "run scripts/make_digit_classifier.py to train and write it again"
    if not path.is_file():
        raise FileNotFoundError(f"the shipped digit classifier {path} is missing; {again}")
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = dict(stored)
    except (OSError, ValueError) as error:
        raise ValueError(f"the shipped digit classifier {path} is damaged ({error}); {again}") from None
    if str(arrays.pop("code_digest", "")) != classifier_code_digest():
        raise ValueError(f"the shipped digit classifier {path} was trained by other code of "
                         f"build_digit_classifier; {again}")
    model = build_digit_classifier()
    names = [f"weight_{i:02d}" for i in range(len(model.weights))]
    shapes = [tuple(w.shape) for w in model.weights]
    if sorted(arrays) != names or [arrays[n].shape for n in names] != shapes:
        raise ValueError(f"the shipped digit classifier {path} is damaged: expected arrays {names} "
                         f"of shapes {shapes}; {again}")
    model.set_weights([arrays[n] for n in names])
    return model


def save_shipped_classifier(model: Any, path: str | Path = SHIPPED_CLASSIFIER) -> Path:
    """Write ``model``'s weights (and the digest of its code) to ``path`` atomically."""
    from lessons_lib.files import atomic_write_npz

    if not callable(getattr(model, "get_weights", None)):
        raise TypeError(
            f"model must be a Keras model from build_digit_classifier, got {type(model).__name__}"
        )
    arrays = {f"weight_{i:02d}": np.asarray(w) for i, w in enumerate(model.get_weights())}
    arrays["code_digest"] = np.array(classifier_code_digest())
    return atomic_write_npz(path, arrays, compressed=True)


def digit_classifier(*, epochs: int = 4, seed: int = 0, retrain: bool = False) -> tuple[Any, bool]:
    """Return ``(classifier, loaded)``: the MNIST digit classifier behind every MNIST-FID.

    Notebooks 04, 05 and 06 and the benchmarks call it with the defaults: it loads the classifier
    shipped with the course (:func:`load_shipped_classifier`, ``loaded`` True), so everybody measures
    with the same ruler and nobody waits for it. Another recipe (``epochs``, ``seed``), or
    ``retrain=True``, trains one now on the MNIST this machine has (about a minute on 2 CPU cores)
    and caches it in ``cache/`` (``loaded`` True when it came from there). The key holds no profile:
    the same instrument measures both profiles.
    """
    check_positive_int(epochs, "epochs")
    seed = check_seed(seed)
    if not retrain and {"epochs": epochs, "seed": seed} == SHIPPED_RECIPE:
        return load_shipped_classifier(), True
    from lessons_lib.cache import cached_model

    def train() -> Any:
        return train_digit_classifier(epochs=epochs, seed=seed)

    key = {"version": CLASSIFIER_VERSION, "epochs": epochs, "seed": seed}
    return cached_model(CLASSIFIER_NAME, key, train, retrain=retrain)


def classifier_outputs(
    classifier: Any, images: Any, *, batch_size: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(features, probabilities)`` of ``classifier`` on [0, 1] digit images.

    ``features`` are the activations of the layer named ``features`` (n, 64); ``probabilities``
    the softmax output (n, 10).
    """
    import keras

    x = _stack28(images, "images")
    batch_size = check_positive_int(batch_size, "batch_size")
    try:
        features_layer = classifier.get_layer(FEATURES_LAYER)
    except ValueError as error:
        raise ValueError(f"classifier must have a layer named {FEATURES_LAYER!r}") from error
    probe = keras.Model(classifier.inputs[0], [features_layer.output, classifier.outputs[0]])
    feats, probs = [], []
    for start in range(0, len(x), batch_size):
        f, p = probe(x[start : start + batch_size], training=False)
        feats.append(np.asarray(f, dtype=np.float64))
        probs.append(np.asarray(p, dtype=np.float64))
    return np.concatenate(feats), np.concatenate(probs)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(features_a: Any, features_b: Any) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (the FID formula).

    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2)``; 0 for identical sets.
    """
    a = check_finite_array(features_a, "features_a", shape=("n", "d"), min_len=2)
    b = check_finite_array(features_b, "features_b", shape=("n", "d"), min_len=2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"features_a has {a.shape[1]} features but features_b has {b.shape[1]}; expected equal"
        )
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _psd_sqrt(cov_a)
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_cross = float(np.sum(np.sqrt(np.clip(middle, 0, None))))
    value = float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_cross)
    return max(value, 0.0)


def mnist_fid(classifier: Any, images: Any, reference: Any) -> float:
    """MNIST-FID of ``images`` against ``reference`` images (both [0, 1]), lower is better."""
    _stack28(images, "images")  # name the bad argument before any work
    _stack28(reference, "reference")
    features = classifier_outputs(classifier, images)[0]
    return frechet_distance(features, classifier_outputs(classifier, reference)[0])


def _probabilities(probabilities: Any) -> np.ndarray:
    return check_finite_array(
        probabilities,
        "probabilities",
        shape=("n", 10),
        within=(0.0, 1.0),
        tolerance=1e-6,
        what="the classifier's softmax probabilities",
    )


def _threshold(threshold: float) -> float:
    return check_number(threshold, "threshold", low=0, high=1, open_low=True, open_high=True)


def confident_share(probabilities: Any, *, threshold: float = 0.9) -> float:
    """Share of samples whose top class probability is at least ``threshold`` (0-1)."""
    p = _probabilities(probabilities)
    return float(np.mean(p.max(axis=1) >= _threshold(threshold)))


def digit_counts(probabilities: Any, *, threshold: float = 0.9) -> np.ndarray:
    """How many confidently recognised samples fall on each digit 0-9 (length-10 int array)."""
    p = _probabilities(probabilities)
    confident = p.max(axis=1) >= _threshold(threshold)
    return np.bincount(p.argmax(axis=1)[confident], minlength=10)


def digit_shares(probabilities: Any) -> np.ndarray:
    """The share of the samples the classifier reads as each digit 0-9 (its most likely class; length 10).

    Every sample counts, confident or not: a GAN that draws one digit rarely shows it as a small
    share (notebook 04 and ``benchmarks/gan.py`` report the smallest).
    """
    p = _probabilities(probabilities)
    return np.bincount(p.argmax(axis=1), minlength=10) / len(p)


def digit_coverage(probabilities: Any, *, threshold: float = 0.9, min_share: float = 0.01) -> int:
    """How many of the 10 digits appear among the confident samples (each >= ``min_share`` of all).

    A GAN that collapses onto a few modes draws only a few digits: its coverage drops below 10.
    """
    check_number(min_share, "min_share", low=0, high=1, open_high=True)
    counts = digit_counts(probabilities, threshold=threshold)
    total = len(_probabilities(probabilities))
    return int(np.sum(counts >= max(1, min_share * total)))


def sample_quality(
    classifier: Any, images: Any, reference: Any, *, threshold: float = 0.9
) -> dict[str, float]:
    """MNIST-FID, confident share, digits covered and smallest digit share of some samples, from one pass
    of the classifier: ``fid``, ``confident``, ``digits``, ``min_share``."""
    _threshold(threshold)
    _stack28(images, "images")  # name the bad argument before any work
    _stack28(reference, "reference")
    feats, probs = classifier_outputs(classifier, images)
    ref_feats, _ = classifier_outputs(classifier, reference)
    return {
        "fid": frechet_distance(feats, ref_feats),
        "confident": confident_share(probs, threshold=threshold),
        "digits": float(digit_coverage(probs, threshold=threshold)),
        "min_share": float(digit_shares(probs).min()),
    }


# --- Checking the ruler: the MNIST-FID must grow with damage (benchmarks/gan.py, notebook 04) ------


def add_noise(images: Any, sigma: float, *, seed: int = 0) -> np.ndarray:
    """``images`` plus Gaussian noise of standard deviation ``sigma``, clipped to [0, 1]."""
    x = _stack28(images, "images")[..., 0]
    sigma = check_number(sigma, "sigma", low=0)
    noise = np.random.default_rng(check_seed(seed)).normal(0.0, 1.0, size=x.shape).astype(np.float32)
    return np.clip(x + sigma * noise, 0.0, 1.0)


def blur(images: Any, sigma: float) -> np.ndarray:
    """``images`` blurred by a Gaussian of ``sigma`` pixels (separable, zero padding); 0 changes nothing."""
    x = _stack28(images, "images")[..., 0]
    sigma = check_number(sigma, "sigma", low=0)
    if sigma == 0:
        return x.copy()
    radius = int(np.ceil(3 * sigma))
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    weights /= weights.sum()
    for axis in (1, 2):
        padding = [(0, 0), (0, 0), (0, 0)]
        padding[axis] = (radius, radius)
        padded = np.pad(x, padding)
        size = x.shape[axis]
        x = sum(w * np.take(padded, np.arange(i, i + size), axis=axis) for i, w in enumerate(weights))
    return np.clip(x.astype(np.float32), 0.0, 1.0)


def drop_digits(images: Any, labels: Any, n_dropped: int, *, seed: int = 0) -> np.ndarray:
    """As many images as given, with digits ``0 .. n_dropped - 1`` left out (mode dropping).

    The dropped digits' places are filled with images of the other digits drawn at random, so the
    set keeps its size and only its variety shrinks: what a partly collapsed GAN does.
    """
    from lessons_lib.checks import check_int, check_labels

    x = _stack28(images, "images")[..., 0]
    y = check_labels(labels, "labels", n=len(x))
    n_dropped = check_int(n_dropped, "n_dropped", low=0, high=9)
    kept = np.flatnonzero(y >= n_dropped)
    rng = np.random.default_rng(check_seed(seed))
    fill = rng.choice(kept, size=len(x) - len(kept), replace=True)
    return x[np.concatenate([kept, fill])]


#: The damage :func:`fid_under_damage` applies: name -> (growing levels, the first changing nothing;
#: a function of ``(images, labels, level)`` that returns the damaged images).
DAMAGES: dict[str, tuple[tuple[float, ...], Callable[[Any, Any, float], np.ndarray]]] = {
    "gaussian noise (sigma)": ((0.0, 0.05, 0.1, 0.2, 0.3, 0.5),
                               lambda images, labels, level: add_noise(images, level)),
    "gaussian blur (sigma, pixels)": ((0.0, 0.5, 1.0, 1.5, 2.0, 3.0),
                                      lambda images, labels, level: blur(images, level)),
    "digits left out": ((0, 1, 2, 4, 6, 8),
                        lambda images, labels, level: drop_digits(images, labels, int(level))),
}
#: The levels of each damage of :data:`DAMAGES` (``benchmarks/gan.py`` uses the default).
DAMAGE_LEVELS = {name: levels for name, (levels, _) in DAMAGES.items()}


def fid_under_damage(
    classifier: Any, images: Any, labels: Any, reference: Any, levels: dict[str, Any] | None = None
) -> dict[str, list[tuple[float, float]]]:
    """The MNIST-FID of ``images`` against ``reference`` under each damage of ``levels``.

    ``levels`` maps the names of :data:`DAMAGES` to growing levels (default: :data:`DAMAGE_LEVELS`).
    Returns ``{damage: [(level, fid), ...]}``; a ruler worth trusting gives growing FIDs in every row
    (the test of the FID paper, Heusel et al. 2017, with mode dropping added). Used by
    ``benchmarks/gan.py``, whose table notebook 04 prints.
    """
    levels = DAMAGE_LEVELS if levels is None else levels
    unknown = set(levels) - set(DAMAGES)
    if unknown:
        raise ValueError(f"levels has unknown damage {sorted(unknown)}; expected some of {list(DAMAGES)}")
    reference_features = classifier_outputs(classifier, reference)[0]
    table: dict[str, list[tuple[float, float]]] = {}
    for name, values in levels.items():
        damage = DAMAGES[name][1]
        table[name] = []
        for level in values:
            features = classifier_outputs(classifier, damage(images, labels, level))[0]
            table[name].append((float(level), frechet_distance(features, reference_features)))
    return table
