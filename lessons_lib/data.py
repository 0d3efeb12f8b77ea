"""MNIST for every lesson: loading, checking, scaling and flattening.

``load_mnist()`` returns the Keras layout ``(x_train, y_train), (x_test, y_test)`` as uint8 and
tries, in order:

1. an explicit ``.npz`` file: the ``path`` argument, else the ``LESSONS_MNIST`` environment variable
   (an explicit file that is missing or wrong is an error, never skipped);
2. Keras's own ``keras.datasets.mnist.load_data()`` (its cache in ``~/.keras/datasets``, else its
   download);
3. the real-MNIST sample shipped in this package (the first 10,000 training and 2,000 test digits,
   written by ``scripts/make_mnist_sample.py``), with one line on stderr saying so.

Whatever the source, the arrays are checked (keys, shapes, dtype, labels 0-9) before use; a full
set must also match the SHA-256 sums of the published MNIST. Files are read with
``allow_pickle=False``.

Used by all four notebooks.
"""

from __future__ import annotations

import hashlib
import os
import sys
import zipfile
from pathlib import Path
from typing import Literal

import numpy as np

from lessons_lib.checks import check_choice, check_labels

MNIST_ENV = "LESSONS_MNIST"
SAMPLE_PATH = Path(__file__).with_name("sample") / "mnist_sample.npz"
SAMPLE_SIZES = {"train": 10_000, "test": 2_000}
KEYS = ("x_train", "y_train", "x_test", "y_test")
#: What an explicit MNIST file (``path`` or ``$LESSONS_MNIST``) must be; every file error says it.
EXPECTED_FILE = "a Keras-layout mnist.npz (an .npz archive of uint8 arrays x_train, y_train, x_test, y_test)"
FULL_SIZES = {"train": 60_000, "test": 10_000}

#: SHA-256 of each array's raw bytes for the complete MNIST (see shared/data/README.md).
FULL_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}

Source = Literal["file", "keras", "sample"]
Split = tuple[np.ndarray, np.ndarray]

_sample_notice_shown = False


class MnistFileError(ValueError):
    """A data file that is missing, unreadable or does not hold MNIST."""


def load_mnist(path: str | os.PathLike[str] | None = None) -> tuple[Split, Split]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)`` (uint8, images 28x28).

    See the module docstring for the order of sources. Raises :class:`MnistFileError`, naming
    the file, when an explicit file is missing, corrupt or not MNIST.
    """
    data, _ = load_mnist_with_source(path)
    return data


def load_mnist_with_source(
    path: str | os.PathLike[str] | None = None,
) -> tuple[tuple[Split, Split], Source]:
    """Like :func:`load_mnist`, also returning which source was used: file, keras or sample."""
    global _sample_notice_shown
    if path is not None:
        return _as_keras_layout(read_mnist_npz(path)), "file"
    if os.environ.get(MNIST_ENV):
        arrays = _read_npz(os.environ[MNIST_ENV], expect="any", origin=f"${MNIST_ENV}")
        return _as_keras_layout(arrays), "file"

    try:
        arrays = _load_with_keras()
    except Exception as error:  # noqa: BLE001 - any failure (offline, proxy, disk) means: fall back
        reason = f"{type(error).__name__}: {error}".splitlines()[0][:160]
        arrays = read_mnist_npz(SAMPLE_PATH, expect="sample")
        if not _sample_notice_shown:
            _sample_notice_shown = True
            print(
                f"lessons_lib: Keras could not load MNIST ({reason}); using the bundled real-MNIST "
                f"sample ({SAMPLE_SIZES['train']:,} training / {SAMPLE_SIZES['test']:,} test digits). "
                f"For the full set, run once with internet access or set {MNIST_ENV}=/path/to/mnist.npz.",
                file=sys.stderr,
            )
        return _as_keras_layout(arrays), "sample"
    return _as_keras_layout(arrays), "keras"


def _load_with_keras() -> dict[str, np.ndarray]:
    import keras  # slow import: only when no explicit file is given

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    check_mnist_arrays(arrays, name="Keras's mnist.npz", expect="full")
    return arrays


def read_mnist_npz(
    path: str | os.PathLike[str], *, expect: Literal["full", "sample", "any"] = "any"
) -> dict[str, np.ndarray]:
    """Read and check an MNIST ``.npz`` file (no pickles). Raises :class:`MnistFileError`.

    Every error names the file by its resolved path and says what was expected
    (:data:`EXPECTED_FILE`): a folder, a text file, a single ``.npy`` array, a damaged archive,
    missing arrays or arrays that are not MNIST.
    """
    return _read_npz(path, expect=expect, origin=None)


def _where(path: str | os.PathLike[str], file: Path, origin: str | None) -> str:
    """``'/abs/mnist.npz'``, plus where the name came from when that differs from the resolved path."""
    if origin is not None:
        return f"{str(file)!r} (from {origin}={os.fspath(path)!r})"
    if os.fspath(path) != str(file):
        return f"{str(file)!r} (given as {os.fspath(path)!r})"
    return repr(str(file))


def _not_an_npz(file: Path) -> str | None:
    """Why ``file`` cannot be an ``.npz`` archive, judged by its first bytes; None when it may be one."""
    with open(file, "rb") as handle:
        head = handle.read(512)
    if not head:
        return "is empty"
    if head.startswith(b"\x93NUMPY"):
        return "is a single NumPy array (.npy), not an .npz archive of arrays"
    if head.startswith(b"PK"):
        return None
    try:
        is_text = b"\x00" not in head and bool(head.decode("utf-8").strip())
    except UnicodeDecodeError as error:  # text whose last character the 512 bytes cut in two is text
        is_text = b"\x00" not in head and error.start >= len(head) - 3
    return f"is not an .npz archive (it holds {'text' if is_text else 'data of another kind'})"


def _read_npz(
    path: str | os.PathLike[str], *, expect: Literal["full", "sample", "any"], origin: str | None
) -> dict[str, np.ndarray]:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike to an .npz file, got {type(path).__name__}")
    check_choice(expect, "expect", ("full", "sample", "any"))
    file = Path(path).expanduser().resolve()
    name = f"MNIST file {_where(path, file, origin)}"
    if file.is_dir():
        inside = file / "mnist.npz"
        hint = f" (this folder holds one: {str(inside)!r})" if inside.is_file() else ""
        raise MnistFileError(f"{name} is a folder; expected {EXPECTED_FILE}{hint}")
    if not file.exists():
        raise MnistFileError(f"{name} does not exist; expected {EXPECTED_FILE}")
    try:
        problem = _not_an_npz(file)
        if problem is not None:
            raise MnistFileError(f"{name} {problem}; expected {EXPECTED_FILE}")
        with np.load(file, allow_pickle=False) as npz:
            missing = [key for key in KEYS if key not in npz.files]
            if missing:
                raise MnistFileError(
                    f"{name} lacks the arrays {missing}; expected the Keras layout with keys {list(KEYS)}"
                )
            arrays = {key: npz[key] for key in KEYS}
    except MnistFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise MnistFileError(
            f"{name} is not a readable .npz file ({type(error).__name__}: {error}); expected {EXPECTED_FILE}"
        ) from error
    check_mnist_arrays(arrays, name=name, expect=expect)
    return arrays


def check_mnist_arrays(
    arrays: dict[str, np.ndarray],
    *,
    name: str = "MNIST arrays",
    expect: Literal["full", "sample", "any"] = "any",
) -> None:
    """Check keys, dtypes, shapes and label values; for a full set also the SHA-256 sums."""
    check_choice(expect, "expect", ("full", "sample", "any"))
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or y.dtype != np.uint8:
            raise MnistFileError(
                f"{name}: x_{split}/y_{split} have dtypes {x.dtype}/{y.dtype}; expected uint8"
            )
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (x.shape[0],) or x.shape[0] == 0:
            raise MnistFileError(
                f"{name}: x_{split} has shape {x.shape} and y_{split} {y.shape}; "
                f"expected (n, 28, 28) and (n,) with n > 0"
            )
        try:
            check_labels(y, f"y_{split}")
        except ValueError as error:
            raise MnistFileError(f"{name}: {error}") from None
    counts = {split: arrays[f"x_{split}"].shape[0] for split in ("train", "test")}
    if expect == "sample" and counts != SAMPLE_SIZES:
        raise MnistFileError(f"{name}: holds {counts} digits; expected the sample's {SAMPLE_SIZES}")
    if expect == "full" or counts == FULL_SIZES:
        if counts != FULL_SIZES:
            raise MnistFileError(f"{name}: holds {counts} digits; expected the full {FULL_SIZES}")
        for key, digest in FULL_SHA256.items():
            if hashlib.sha256(np.ascontiguousarray(arrays[key]).tobytes()).hexdigest() != digest:
                raise MnistFileError(
                    f"{name}: {key} does not match the SHA-256 of the published MNIST; "
                    "the file is corrupt or not MNIST"
                )


_loaded_digest: str | None = None


def _as_keras_layout(arrays: dict[str, np.ndarray]) -> tuple[Split, Split]:
    global _loaded_digest
    counts = {split: arrays[f"x_{split}"].shape[0] for split in ("train", "test")}
    if counts == FULL_SIZES:  # checked against FULL_SHA256 on loading: the published MNIST
        _loaded_digest = "full MNIST"
    else:
        hasher = hashlib.sha256()
        for key in KEYS:
            hasher.update(np.ascontiguousarray(arrays[key]).tobytes())
        _loaded_digest = f"{counts['train']}/{counts['test']} digits {hasher.hexdigest()[:16]}"
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def loaded_mnist_digest() -> str | None:
    """Which MNIST this process loaded last (``"full MNIST"`` or the sample's digest); None before any.

    Part of every cached model's fingerprint (:mod:`lessons_lib.fingerprint`): a model trained on
    the bundled sample is never served for the full set.
    """
    return _loaded_digest


def to_float(images: np.ndarray, *, name: str = "images") -> np.ndarray:
    """Scale uint8 pixels 0-255 to float32 in [0, 1] (the lecture's ``astype('float32') / 255.``)."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"{name} must be uint8 pixels 0-255, got dtype {images.dtype}")
    return images.astype("float32") / 255.0


def flatten(images: np.ndarray, *, name: str = "images") -> np.ndarray:
    """Flatten ``(n, 28, 28)`` (or ``(n, 28, 28, 1)``) images to ``(n, 784)`` vectors."""
    images = np.asarray(images)
    if images.ndim not in (3, 4) or images.shape[1:3] != (28, 28) or (
        images.ndim == 4 and images.shape[3] != 1
    ):
        raise ValueError(f"{name} must have shape (n, 28, 28) or (n, 28, 28, 1), got {images.shape}")
    return images.reshape(len(images), 28 * 28)


def unflatten(vectors: np.ndarray, *, name: str = "vectors") -> np.ndarray:
    """Turn ``(n, 784)`` vectors back into ``(n, 28, 28)`` images."""
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[1] != 28 * 28:
        raise ValueError(f"{name} must have shape (n, 784), got {vectors.shape}")
    return vectors.reshape(len(vectors), 28, 28)
