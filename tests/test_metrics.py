"""lessons_lib.metrics: MSE and PSNR on [0, 1] images; for the GANs, the Fréchet distance, confidence,
digit coverage and the shipped digit classifier; and clear errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import cache, metrics


def test_mse_and_psnr_known_values():
    a = np.zeros((2, 28, 28))
    b = np.full((2, 28, 28), 0.1)
    assert metrics.mse(a, b) == pytest.approx(0.01)
    assert metrics.psnr(a, b) == pytest.approx(20.0)
    assert metrics.psnr(a, a) == float("inf")


def test_frechet_distance_of_a_set_with_itself_is_zero():
    features = np.random.default_rng(0).normal(size=(500, 8))
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_sees_a_shift_of_the_mean():
    features = np.random.default_rng(1).normal(size=(400, 5))
    shift = np.array([1.0, 2.0, 0.0, 0.0, 2.0])
    # Same covariance, means 3 apart: the distance is |shift|^2 = 9.
    assert metrics.frechet_distance(features, features + shift) == pytest.approx(9.0, rel=1e-9)


def test_frechet_distance_sees_a_change_of_spread():
    features = np.random.default_rng(2).normal(size=(400, 6))
    features -= features.mean(axis=0)  # mean 0, so 2 * features has the same mean
    # b = 2a: cov_b = 4 cov_a, so tr(S + 4S - 2 * 2S) = tr(S).
    expected = np.trace(np.cov(features, rowvar=False))
    assert metrics.frechet_distance(features, 2 * features) == pytest.approx(expected, rel=1e-7)
    assert metrics.frechet_distance(features, 2 * features) == pytest.approx(
        metrics.frechet_distance(2 * features, features), rel=1e-7
    )


def _one_hot(labels, confidence=0.95):
    probs = np.full((len(labels), 10), (1 - confidence) / 9)
    probs[np.arange(len(labels)), labels] = confidence
    return probs


def test_confidence_and_coverage_show_mode_collapse():
    varied = _one_hot(np.arange(100) % 10)
    collapsed = _one_hot(np.array([1, 7, 7] * 30))
    unsure = np.full((50, 10), 0.1)
    assert metrics.confident_share(varied) == 1.0
    assert metrics.digit_coverage(varied) == 10
    assert metrics.digit_coverage(collapsed) == 2
    assert metrics.digit_counts(collapsed).tolist() == [0, 30, 0, 0, 0, 0, 0, 60, 0, 0]
    assert metrics.confident_share(unsure) == 0.0
    assert metrics.digit_coverage(unsure) == 0
    half = np.concatenate([varied[:50], unsure])
    assert metrics.confident_share(half) == 0.5


def test_digit_shares_count_every_sample_by_its_most_likely_digit():
    probs = _one_hot(np.array([3, 3, 5, 9]))
    probs[0] = 0.1  # an unsure sample still counts, for its most likely digit (0 on a tie)
    assert metrics.digit_shares(probs).tolist() == [0.25, 0, 0, 0.25, 0, 0.25, 0, 0, 0, 0.25]


def test_rare_digits_do_not_count_as_covered():
    labels = np.array([3] * 995 + [5] * 5)
    assert metrics.digit_coverage(_one_hot(labels), min_share=0.01) == 1
    assert metrics.digit_coverage(_one_hot(labels), min_share=0.0) == 2


@pytest.mark.slow
def test_classifier_recognises_real_digits_and_fid_ranks_real_above_noise(isolated_cache):
    from lessons_lib.data import load_mnist, to_float

    classifier, loaded = metrics.digit_classifier()  # the shipped ruler: nothing trained, nothing cached
    assert loaded and not (isolated_cache.exists() and any(isolated_cache.iterdir()))
    (x_train, _), (x_test, y_test) = load_mnist()
    real, other = to_float(x_test[:1000]), to_float(x_train[:1000])
    features, probs = metrics.classifier_outputs(classifier, real)
    assert features.shape == (1000, 64) and probs.shape == (1000, 10)
    assert np.mean(probs.argmax(axis=1) == y_test[:1000]) > 0.98
    assert metrics.confident_share(probs) > 0.9
    assert metrics.digit_coverage(probs) == 10

    noise = np.random.default_rng(0).uniform(size=(1000, 28, 28))
    blurred_real = (real + np.roll(real, 2, axis=2)) / 2
    real_vs_real = metrics.mnist_fid(classifier, other, real)
    real_vs_blur = metrics.mnist_fid(classifier, blurred_real, real)
    real_vs_noise = metrics.mnist_fid(classifier, noise, real)
    assert real_vs_real < real_vs_blur < real_vs_noise
    quality = metrics.sample_quality(classifier, noise, real)
    assert quality["fid"] == pytest.approx(real_vs_noise)
    noise_probs = metrics.classifier_outputs(classifier, noise)[1]
    assert quality["min_share"] == pytest.approx(metrics.digit_shares(noise_probs).min())

    # The ruler's check (benchmarks/gan.py runs it on 10,000 digits): every damage raises the FID.
    (_, y_train), _ = load_mnist()
    small = {"gaussian noise (sigma)": (0.0, 0.1, 0.3), "gaussian blur (sigma, pixels)": (0.0, 1.0, 2.0),
             "digits left out": (0, 3, 6)}
    table = metrics.fid_under_damage(classifier, other, y_train[:1000], real, small)
    for damage, rows in table.items():
        fids = [fid for _, fid in rows]
        assert fids == sorted(fids) and len(set(fids)) == 3, (damage, fids)
    assert table["digits left out"][0][1] == pytest.approx(real_vs_real)


def test_the_shipped_classifier_is_99_percent_correct_on_the_full_test_set():
    from lessons_lib.data import load_mnist_with_source, to_float

    (_, (x_test, y_test)), source = load_mnist_with_source()
    assert source == "file" and len(y_test) == 10_000, "set LESSONS_MNIST to the full mnist.npz (make does)"
    classifier, loaded = metrics.digit_classifier()
    assert loaded
    probs = metrics.classifier_outputs(classifier, to_float(x_test))[1]
    assert np.mean(probs.argmax(axis=1) == y_test) >= 0.99


@pytest.mark.slow
def test_another_recipe_is_trained_now_then_loaded_from_the_cache(isolated_cache):
    from lessons_lib.data import load_mnist, to_float

    classifier, loaded = metrics.digit_classifier(epochs=1)
    assert not loaded
    real = to_float(load_mnist()[1][0][:50])
    probs = metrics.classifier_outputs(classifier, real)[1]
    cache.forget_memory()  # a new kernel: loaded from the file, not trained again
    again, loaded = metrics.digit_classifier(epochs=1)
    assert loaded
    assert np.allclose(metrics.classifier_outputs(again, real)[1], probs, atol=1e-5)


def test_shipped_weights_round_trip_and_bad_files_are_refused(tmp_path):
    model = metrics.build_digit_classifier()
    path = metrics.save_shipped_classifier(model, tmp_path / "ruler.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["ruler.npz"]  # no temporary file left
    loaded = metrics.load_shipped_classifier(path)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        assert np.array_equal(a, b)

    expected = "model must be a Keras model from build_digit_classifier, got NoneType"
    with pytest.raises(TypeError, match=expected):
        metrics.save_shipped_classifier(None, tmp_path / "none.npz")
    missing = r"missing\.npz is missing; run scripts/make_digit_classifier"
    with pytest.raises(FileNotFoundError, match=missing):
        metrics.load_shipped_classifier(tmp_path / "missing.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="garbage.npz is damaged"):
        metrics.load_shipped_classifier(garbage)
    with np.load(path) as stored:
        arrays = dict(stored)
    other_code = tmp_path / "other_code.npz"
    np.savez(other_code, **{**arrays, "code_digest": np.array("0" * 64)})
    with pytest.raises(ValueError, match="trained by other code of build_digit_classifier"):
        metrics.load_shipped_classifier(other_code)
    short = tmp_path / "short.npz"
    np.savez(short, **{k: v for k, v in arrays.items() if k != "weight_00"})
    with pytest.raises(ValueError, match=r"short.npz is damaged: expected arrays \['weight_00'"):
        metrics.load_shipped_classifier(short)


def test_damage_helpers_change_what_they_say_and_nothing_else():
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(20, 28, 28)).astype("float32")
    assert np.array_equal(metrics.blur(images, 0), images)
    assert np.array_equal(metrics.add_noise(images, 0), images)
    noisy = metrics.add_noise(images, 0.5)
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.array_equal(noisy, images)
    dot = np.zeros((1, 28, 28), "float32")
    dot[0, 14, 14] = 1.0
    spread = metrics.blur(dot, 1.0)[0]
    assert spread[14, 14] < 1 and spread[14, 15] > 0 and spread.sum() == pytest.approx(1.0, rel=1e-4)
    labels = np.arange(20) % 10
    kept = metrics.drop_digits(images, labels, 3)
    assert kept.shape == images.shape
    for image in kept:  # every image is one of the digits 3-9
        assert any(np.array_equal(image, images[i]) for i in np.flatnonzero(labels >= 3))


# ---- bad input: a clear error naming the argument ----------------------------------------------

ONE = np.zeros((1, 28, 28))


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: metrics.mse(ONE, np.full((1, 28, 28), 1.5)),
            r"images holds values in \[1.5, 1.5\]; expected pixels in \[0, 1\]",
        ),
        (lambda: metrics.mse(ONE, np.full((1, 28, 28), np.nan)), "images holds NaN"),
        (
            lambda: metrics.mse(ONE, np.zeros((2, 28, 28))),
            r"reference has shape \(1, 28, 28\) but images has shape \(2, 28, 28\)",
        ),
        (lambda: metrics.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4))), "features_a has 3 features"),
        (
            lambda: metrics.frechet_distance(np.zeros(5), np.zeros((5, 4))),
            r"features_a must have shape \(n, d\)",
        ),
        (lambda: metrics.frechet_distance(np.full((5, 2), np.nan), np.zeros((5, 2))), "features_a holds NaN"),
        (lambda: metrics.confident_share(np.zeros((4, 9))), r"probabilities must have shape \(n, 10\)"),
        (
            lambda: metrics.confident_share(np.zeros((4, 10)), threshold=1.0),
            "threshold must be a finite number strictly between 0 and 1, got 1.0",
        ),
        (
            lambda: metrics.digit_coverage(np.zeros((4, 10)), min_share=1.5),
            r"min_share must be a finite number in \[0, 1\), got 1.5",
        ),
        (
            lambda: metrics.digit_coverage(np.zeros((4, 10)), min_share="1%"),
            r"min_share must be a finite number in \[0, 1\), got '1%'",
        ),
        (lambda: metrics.digit_classifier(epochs=0), "epochs must be a positive int"),
        (lambda: metrics.digit_shares(np.full((2, 9), 0.1)), "probabilities must have shape"),
        (lambda: metrics.blur(ONE, -1), "sigma must be"),
        (lambda: metrics.add_noise(ONE, float("nan")), "sigma must be"),
        (lambda: metrics.drop_digits(ONE, [3], 10), "n_dropped must be an int between 0 and 9, got 10"),
        (lambda: metrics.drop_digits(ONE, [3, 4], 1), "labels"),
        (lambda: metrics.fid_under_damage(None, ONE, [1], ONE, {"swirl": (1,)}), "levels has unknown damage"),
        (lambda: metrics.digit_classifier(seed=-1), "seed must be a non-negative int, got -1"),
        (lambda: metrics.train_digit_classifier(epochs=0), "epochs must be a positive int"),
    ],
)
def test_bad_inputs_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


IMAGES = np.zeros((2, 28, 28), dtype="float32")


@pytest.mark.parametrize("metric", [metrics.mse, metrics.psnr])
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
        (
            IMAGES,
            IMAGES.astype(np.uint8),
            r"images must be float pixels in \[0, 1\] \(use lessons_lib.data.to_float\), got dtype uint8",
        ),
    ],
)
def test_metrics_name_the_bad_argument(metric, reference, images, message):
    with pytest.raises(ValueError, match=message):
        metric(reference, images)


def test_psnr_checks_like_mse():
    with pytest.raises(ValueError, match=r"images holds values in \[-1, -1\]; expected pixels in \[0, 1\]"):
        metrics.psnr(IMAGES, IMAGES - 1)


def test_classifier_outputs_refuses_wrong_images():
    with pytest.raises(ValueError, match=r"images holds values in \[2, 2\]; expected pixels in \[0, 1\]"):
        metrics.classifier_outputs(None, np.full((2, 28, 28), 2.0))
    with pytest.raises(ValueError, match=r"images must be a non-empty stack of images \(n, 28, 28\)"):
        metrics.classifier_outputs(None, np.zeros((2, 32, 32)))
    with pytest.raises(ValueError, match=r"batch_size must be a positive int, got 0"):
        metrics.classifier_outputs(None, np.zeros((2, 784)), batch_size=0)


def test_sample_quality_names_images_and_reference_apart():
    classifier = metrics.build_digit_classifier()
    good = np.zeros((4, 28, 28))
    expected = r"^reference holds values in \[0, 255\]; expected pixels in \[0, 1\]"
    with pytest.raises(ValueError, match=expected):
        metrics.mnist_fid(classifier, good, np.full((4, 28, 28), 255.0) * (np.arange(4) > 0)[:, None, None])
    expected = r"^images must be a non-empty stack of images \(n, 28, 28\), .*got shape \(4, 27, 27\)"
    with pytest.raises(ValueError, match=expected):
        metrics.mnist_fid(classifier, np.zeros((4, 27, 27)), good)
    with pytest.raises(ValueError, match=r"^reference holds NaN or infinite values"):
        metrics.sample_quality(classifier, good, np.full((4, 28, 28), np.nan))
    expected = r"^threshold must be a finite number strictly between 0 and 1, got 0$"
    with pytest.raises(ValueError, match=expected):
        metrics.sample_quality(classifier, good, good, threshold=0)
    expected = r"probabilities must have shape \(n, 10\) with n > 0, got \(0, 10\)"
    with pytest.raises(ValueError, match=expected):
        metrics.digit_counts(np.zeros((0, 10)))
    expected = r"probabilities holds NaN or infinite values; expected .*probabilities in \[0, 1\]"
    with pytest.raises(ValueError, match=expected):
        metrics.digit_counts(np.full((3, 10), np.nan))
    expected = r"threshold must be a finite number strictly between 0 and 1, got '0.9'"
    with pytest.raises(ValueError, match=expected):
        metrics.digit_counts(np.full((3, 10), 0.1), threshold="0.9")
    # a flat row of 784 pixels is a 28x28 digit too: the same features as the square image
    flat_features, _ = metrics.classifier_outputs(classifier, good.reshape(4, 784))
    np.testing.assert_array_equal(flat_features, metrics.classifier_outputs(classifier, good)[0])
