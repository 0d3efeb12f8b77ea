"""lessons_lib.data: every source of MNIST, and clear errors for wrong files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from nbtools import SHARED_MNIST

from lessons_lib import data
from lessons_lib.data import (
    EXPECTED_FILE,
    MnistFileError,
    check_mnist_arrays,
    flatten,
    load_mnist,
    load_mnist_with_source,
    read_mnist_npz,
    to_float,
    unflatten,
)

FULL = Path(os.environ.get("LESSONS_MNIST") or SHARED_MNIST)


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
    with pytest.raises(MnistFileError, match="nope.npz' does not exist; expected a Keras-layout mnist.npz"):
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
    import make_mnist_sample  # noqa: F401  (scripts/ is on pytest's pythonpath)


# ---- bad input: each error names the file (resolved) and what was expected ---------------------

def _mnist(**changes: np.ndarray) -> dict[str, np.ndarray]:
    arrays = {
        "x_train": np.zeros((3, 28, 28), np.uint8),
        "y_train": np.array([0, 1, 2], np.uint8),
        "x_test": np.zeros((2, 28, 28), np.uint8),
        "y_test": np.array([3, 4], np.uint8),
    }
    arrays.update(changes)
    return arrays


def _env_error(monkeypatch, value: str) -> str:
    monkeypatch.setenv(data.MNIST_ENV, value)
    with pytest.raises(MnistFileError) as caught:
        load_mnist()
    message = str(caught.value)
    assert EXPECTED_FILE in message, message
    assert f"(from $LESSONS_MNIST={value!r})" in message, message
    return message


def test_mnist_env_pointing_at_a_folder_says_it_is_a_folder(tmp_path, monkeypatch):
    message = _env_error(monkeypatch, str(tmp_path))
    assert message.startswith(f"MNIST file {str(tmp_path)!r} (from $LESSONS_MNIST=")
    assert " is a folder; " in message
    _write(tmp_path / "mnist.npz", **_small())
    assert f"this folder holds one: {str(tmp_path / 'mnist.npz')!r}" in _env_error(monkeypatch, str(tmp_path))


def test_mnist_env_pointing_at_a_text_file_says_it_holds_text(tmp_path, monkeypatch):
    notes = tmp_path / "notes.txt"
    notes.write_text("x_train, y_train: see the README\n")
    message = _env_error(monkeypatch, str(notes))
    assert f"MNIST file {str(notes)!r}" in message and "is not an .npz archive (it holds text)" in message
    assert "pickle" not in message


def test_mnist_env_pointing_at_a_npy_file_names_the_file(tmp_path, monkeypatch):
    single = tmp_path / "x_train.npy"
    np.save(single, np.zeros((3, 28, 28), np.uint8))
    message = _env_error(monkeypatch, str(single))
    assert f"MNIST file {str(single)!r}" in message
    assert "is a single NumPy array (.npy), not an .npz archive of arrays" in message


def test_mnist_env_as_a_relative_path_is_shown_resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = _env_error(monkeypatch, "data/mnist.npz")
    assert message.startswith(f"MNIST file {str(tmp_path / 'data' / 'mnist.npz')!r} (from $LESSONS_MNIST=")
    assert "does not exist" in message
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(MnistFileError, match=r"empty.npz' \(given as 'empty.npz'\) is empty; expected a"):
        load_mnist("empty.npz")


def test_unreadable_data_file_names_the_file(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"\x00" * 100)
    expected = r"mnist.npz' is not an .npz archive \(it holds data of another kind\); expected a Keras-layout"
    with pytest.raises(MnistFileError, match=expected):
        load_mnist(bad)
    with pytest.raises(MnistFileError, match=expected):
        load_mnist_with_source(bad)


def test_data_file_from_the_environment_is_checked_not_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv(data.MNIST_ENV, str(tmp_path / "missing.npz"))
    with pytest.raises(MnistFileError, match=r"missing.npz' \(from \$LESSONS_MNIST=.*\) does not exist"):
        load_mnist()


def test_path_of_the_wrong_type():
    with pytest.raises(TypeError, match="path must be a str or os.PathLike to an .npz file, got int"):
        read_mnist_npz(60000)


def test_expectation_must_be_one_of_the_three(tmp_path):
    with pytest.raises(ValueError, match=r"expect must be one of full, sample, any, got 'ful'"):
        read_mnist_npz(_write(tmp_path / "m.npz", **_small()), expect="ful")
    with pytest.raises(ValueError, match=r"expect must be one of full, sample, any, got None"):
        check_mnist_arrays(_mnist(), expect=None)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"y_train": np.array([0, 1, 12], np.uint8)}, r"y_train must hold labels 0-9, got .* to 12"),
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
