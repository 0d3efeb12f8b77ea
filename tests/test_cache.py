"""lessons_lib.cache: trained once, reused after, never a half-written or corrupt entry loaded."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import cache


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    cache.forget_memory()
    yield
    cache.forget_memory()


def _tiny_model():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_model_is_trained_once_then_reused():
    calls = []

    def train():
        calls.append(1)
        return _tiny_model()

    first, hit1 = cache.cached_model("tiny", {"code": 2, "profile": "quick", "seed": 1}, train)
    second, hit2 = cache.cached_model("tiny", {"code": 2, "profile": "quick", "seed": 1}, train)
    assert (hit1, hit2, len(calls)) == (False, True, 1)
    assert second is first
    cache.forget_memory()  # a new kernel: reloaded from disk, still not retrained
    third, hit3 = cache.cached_model("tiny", {"code": 2, "profile": "quick", "seed": 1}, train)
    assert hit3 and len(calls) == 1
    assert all(np.array_equal(a, b) for a, b in zip(first.get_weights(), third.get_weights(), strict=True))
    path = cache.entry_path("tiny", {"code": 2, "profile": "quick", "seed": 1}, "keras")
    assert path.name == "code-2_profile-quick_seed-1.keras"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_other_key_trains_another_model():
    cache.cached_model("tiny", {"code": 2}, _tiny_model)
    _, hit = cache.cached_model("tiny", {"code": 4}, _tiny_model)
    assert not hit


def test_corrupt_entry_is_reported_deleted_and_rebuilt(capsys):
    path = cache.entry_path("tiny", {"code": 2}, "keras")
    path.write_bytes(b"half a zip file")
    model, hit = cache.cached_model("tiny", {"code": 2}, _tiny_model)
    assert not hit and model is not None
    assert "could not be loaded" in capsys.readouterr().err
    cache.forget_memory()
    _, hit = cache.cached_model("tiny", {"code": 2}, _tiny_model)
    assert hit


def test_interrupted_training_leaves_no_entry():
    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.cached_model("tiny", {"code": 8}, interrupted)
    assert not cache.entry_path("tiny", {"code": 8}, "keras").exists()


def test_arrays_round_trip_and_corruption():
    compute_calls = []

    def compute():
        compute_calls.append(1)
        return {"mse": np.array([0.1, 0.2])}

    arrays, hit = cache.cached_arrays("scores", {"seed": 0}, compute)
    again, hit2 = cache.cached_arrays("scores", {"seed": 0}, compute)
    assert (hit, hit2, len(compute_calls)) == (False, True, 1)
    assert np.array_equal(again["mse"], [0.1, 0.2])
    cache.entry_path("scores", {"seed": 0}, "npz").write_bytes(b"garbage")
    _, hit3 = cache.cached_arrays("scores", {"seed": 0}, compute)
    assert not hit3 and len(compute_calls) == 2


def test_bad_names_are_refused():
    with pytest.raises(ValueError, match="name must be"):
        cache.entry_path("../escape", {}, "keras")
    with pytest.raises(ValueError, match="key entries"):
        cache.entry_path("ok", {"code": "a/b"}, "keras")
