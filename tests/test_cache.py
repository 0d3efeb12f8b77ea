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


def _gan_like_set(calls):
    def build():
        calls.append(1)
        return {"gen": _tiny_model(), "disc": _tiny_model(), "logs": {"loss": np.arange(3.0) + len(calls)}}

    return build


def test_set_is_built_once_then_loaded_from_disk():
    calls = []
    build = _gan_like_set(calls)
    first, hit1 = cache.cached_set({"seed": 1}, build, models=("gen", "disc"), arrays=("logs",))
    cache.forget_memory()  # a new kernel
    again, hit2 = cache.cached_set({"seed": 1}, build, models=("gen", "disc"), arrays=("logs",))
    assert (hit1, hit2, len(calls)) == (False, True, 1)
    assert np.array_equal(again["logs"]["loss"], [1.0, 2.0, 3.0])
    for name in ("gen", "disc"):
        assert all(np.array_equal(a, b) for a, b in zip(first[name].get_weights(), again[name].get_weights(),
                                                         strict=True))


def test_one_corrupt_member_rebuilds_the_whole_set(capsys):
    calls = []
    build = _gan_like_set(calls)
    cache.cached_set({"seed": 1}, build, models=("gen", "disc"), arrays=("logs",))
    cache.forget_memory()
    disc_path = cache.entry_path("disc", {"seed": 1}, "keras")
    disc_path.write_bytes(disc_path.read_bytes()[:100])  # half-written by an older tool
    rebuilt, hit = cache.cached_set({"seed": 1}, build, models=("gen", "disc"), arrays=("logs",))
    reports = [line for line in capsys.readouterr().err.splitlines() if "could not be loaded" in line]
    assert not hit and len(calls) == 2
    assert len(reports) == 1 and str(disc_path) in reports[0]
    cache.forget_memory()
    # the generator on disk is the rebuilt one, not the older one that loaded fine
    loaded, hit = cache.cached_set({"seed": 1}, build, models=("gen", "disc"), arrays=("logs",))
    assert hit and len(calls) == 2
    assert np.array_equal(loaded["logs"]["loss"], [2.0, 3.0, 4.0])
    assert all(np.array_equal(a, b) for a, b in zip(rebuilt["gen"].get_weights(), loaded["gen"].get_weights(),
                                                     strict=True))


def test_retrain_rebuilds_a_complete_set():
    calls = []
    build = _gan_like_set(calls)
    cache.cached_set({"seed": 1}, build, models=("gen", "disc"), arrays=("logs",))
    _, hit = cache.cached_set({"seed": 1}, build, models=("gen", "disc"), arrays=("logs",), retrain=True)
    assert not hit and len(calls) == 2
