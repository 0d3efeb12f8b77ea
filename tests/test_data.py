"""lessons_lib.data: every source of MNIST, and clear errors for wrong files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from lessons_lib import data
from lessons_lib.data import MnistFileError, flatten, load_mnist, load_mnist_with_source, to_float

FULL = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"
FULL = Path(os.environ.get("LESSONS_MNIST") or FULL)


def _write(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


def _small(n_train: int = 5, n_test: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(data.MNIST_ENV, raising=False)
    monkeypatch.setattr(data, "_sample_notice_shown", False)


def test_explicit_file_by_argument(tmp_path):
    path = _write(tmp_path / "m.npz", **_small())
    (x_train, y_train), (x_test, y_test), = load_mnist(path)
    assert x_train.shape == (5, 28, 28) and x_test.shape == (3, 28, 28)
    assert x_train.dtype == np.uint8 and y_test.dtype == np.uint8


def test_explicit_file_by_environment(tmp_path, monkeypatch):
    path = _write(tmp_path / "m.npz", **_small(7, 2))
    monkeypatch.setenv(data.MNIST_ENV, str(path))
    (x_train, _), _ = load_mnist()
    assert len(x_train) == 7


@pytest.mark.skipif(not FULL.is_file(), reason="the full MNIST file is not on this machine")
def test_full_file_passes_the_checksums():
    ((x_train, y_train), (x_test, y_test)), source = load_mnist_with_source(FULL)
    assert source == "file"
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert set(np.unique(y_train)) == set(range(10))


def test_keras_failing_falls_back_to_the_real_sample(monkeypatch, capsys):
    def offline():
        raise OSError("URL fetch failure: Name or service not known")

    monkeypatch.setattr(data, "_load_with_keras", offline)
    ((x_train, y_train), (x_test, y_test)), source = load_mnist_with_source()
    assert source == "sample"
    assert x_train.shape == (10_000, 28, 28) and x_test.shape == (2_000, 28, 28)
    # real digits, not noise: the sample is the start of the real MNIST (its first label is a 5)
    assert y_train[0] == 5 and x_train.mean() > 20 and (x_train == 0).mean() > 0.7
    err = capsys.readouterr().err
    assert "bundled real-MNIST sample" in err and data.MNIST_ENV in err
    load_mnist()  # a second load says nothing more
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(not FULL.is_file(), reason="the full MNIST file is not on this machine")
def test_sample_is_the_start_of_the_full_set():
    full = data.read_mnist_npz(FULL)
    sample = data.read_mnist_npz(data.SAMPLE_PATH, expect="sample")
    assert np.array_equal(sample["x_train"], full["x_train"][:10_000])
    assert np.array_equal(sample["y_test"], full["y_test"][:2_000])
    assert data.SAMPLE_PATH.stat().st_size <= 2 * 1024 * 1024


def test_missing_explicit_file_is_an_error_not_a_fallback(tmp_path):
    with pytest.raises(MnistFileError, match="does not exist"):
        load_mnist(tmp_path / "nope.npz")


def test_corrupt_file_names_the_file(tmp_path):
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(MnistFileError, match="corrupt.npz.*not a readable .npz"):
        load_mnist(bad)


def test_wrong_shape_file_names_the_array(tmp_path):
    arrays = _small()
    arrays["x_train"] = arrays["x_train"].reshape(5, 784)
    path = _write(tmp_path / "flat.npz", **arrays)
    with pytest.raises(MnistFileError, match=r"flat.npz.*x_train has shape \(5, 784\)"):
        load_mnist(path)


def test_wrong_dtype_and_missing_keys_are_errors(tmp_path):
    arrays = _small()
    arrays["x_test"] = arrays["x_test"].astype("float32")
    with pytest.raises(MnistFileError, match="expected uint8"):
        load_mnist(_write(tmp_path / "float.npz", **arrays))
    arrays = _small()
    del arrays["y_test"]
    with pytest.raises(MnistFileError, match="lacks the arrays.*y_test"):
        load_mnist(_write(tmp_path / "keys.npz", **arrays))


def test_pickled_arrays_are_refused(tmp_path):
    arrays = _small()
    arrays["y_train"] = np.array([object()] * 5, dtype=object)
    path = tmp_path / "pickle.npz"
    np.savez(path, **arrays)
    with pytest.raises(MnistFileError, match="pickle.npz"):
        load_mnist(path)


def test_full_size_with_wrong_content_fails_the_checksum(tmp_path):
    arrays = _small(60_000, 10_000)
    with pytest.raises(MnistFileError, match="SHA-256"):
        load_mnist(_write(tmp_path / "fake_full.npz", **arrays))


def test_to_float_and_flatten():
    images = np.array([[[0, 255] * 14] * 28], dtype=np.uint8)
    scaled = to_float(images)
    assert scaled.dtype == np.float32 and scaled.min() == 0.0 and scaled.max() == 1.0
    assert flatten(scaled).shape == (1, 784)
    assert flatten(scaled[..., None]).shape == (1, 784)
    assert data.unflatten(flatten(scaled)).shape == (1, 28, 28)
    with pytest.raises(TypeError, match="images must be uint8"):
        to_float(scaled)
    with pytest.raises(ValueError, match=r"images must have shape \(n, 28, 28\)"):
        flatten(np.zeros((2, 27, 28)))
    with pytest.raises(ValueError, match=r"vectors must have shape \(n, 784\)"):
        data.unflatten(np.zeros((2, 783)))


def test_sample_script_is_importable_without_side_effects():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    try:
        import make_mnist_sample  # noqa: F401
    finally:
        sys.path.pop(0)
