"""lessons_lib.cache: trained once, reused after, retrained when the code or data changed; never a
half-written or stale entry served, never a student's or an instructor's entry deleted."""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from lessons_lib import cache, files

KEY = {"code": 2, "profile": "quick", "seed": 1}


pytestmark = pytest.mark.usefixtures("isolated_cache")  # tests/conftest.py


def _tiny_model():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _counting(calls, make=_tiny_model):  # calls: a list, mutable, so no part of the fingerprint
    def train():
        calls.append(1)
        return make()

    return train


def _notebook(tmp_path: Path, source: str, name: str = "lesson_cells"):
    """Import ``source`` as a module: the cells of a notebook, as the fingerprint sees them."""
    path = tmp_path / f"{name}_{time.monotonic_ns()}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LESSON = """
import numpy as np
EPOCHS = {epochs}
x_train = np.arange(12, dtype="float32").reshape(4, 3) * {scale}

def build_model():
    import keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="{activation}")])
    model.compile(optimizer="adam", loss="mse")
    return model

def train_model():
    model = build_model()
    model.fit(x_train, x_train[:, :2], epochs=EPOCHS, verbose=0)
    return model
"""


def _lesson(tmp_path, epochs=1, scale=1.0, activation="relu"):
    return _notebook(tmp_path, LESSON.format(epochs=epochs, scale=scale, activation=activation))


# -- trained once, reused ----------------------------------------------------------------------------


def test_model_is_trained_once_then_reused_in_memory_and_after_a_restart():
    calls = []
    train = _counting(calls)
    first, hit1 = cache.cached_model("tiny", KEY, train)
    second, hit2 = cache.cached_model("tiny", KEY, train)
    assert (hit1, hit2, len(calls)) == (False, True, 1)
    assert second is first
    cache.forget_memory()  # a new kernel: reloaded from disk, still not retrained
    third, hit3 = cache.cached_model("tiny", KEY, train)
    assert hit3 and len(calls) == 1
    assert all(np.array_equal(a, b) for a, b in zip(first.get_weights(), third.get_weights(), strict=True))
    where = cache.entry("tiny", KEY)
    assert where.manifest.name == "code-2_profile-quick_seed-1.json"
    names = sorted(p.name for p in where.folder.iterdir() if not p.name.endswith(".lock"))
    assert names == ["code-2_profile-quick_seed-1.json", "code-2_profile-quick_seed-1.model.keras"]


def test_other_key_trains_another_model():
    cache.cached_model("tiny", {"code": 2}, _tiny_model)
    _, hit = cache.cached_model("tiny", {"code": 4}, _tiny_model)
    assert not hit


def test_retrain_always_builds():
    calls = []
    cache.cached_model("tiny", KEY, _counting(calls))
    _, hit = cache.cached_model("tiny", KEY, _counting(calls), retrain=True)
    assert not hit and len(calls) == 2


# -- a student's edit, or other data, trains again -------------------------------------------------


def test_an_edited_build_function_trains_again_and_says_which(tmp_path, capsys):
    lesson = _lesson(tmp_path)
    _, hit = cache.cached_model("ae", KEY, lesson.train_model)
    assert not hit
    cache.forget_memory()
    same = _lesson(tmp_path)  # the notebook run again, unedited: loaded from the cache
    assert cache.cached_model("ae", KEY, same.train_model)[1]
    capsys.readouterr()
    edited = _lesson(tmp_path, activation="tanh")  # the student changed the activation
    model, hit = cache.cached_model("ae", KEY, edited.train_model)
    err = capsys.readouterr().err
    assert not hit
    assert "build_model changed since the cached model: training it again" in err, err
    assert model.layers[-1].get_config()["activation"] == "tanh"
    cache.forget_memory()
    assert cache.cached_model("ae", KEY, _lesson(tmp_path, activation="tanh").train_model)[1]
    # the edited entry replaced the old one: entries do not pile up
    assert len(list(cache.entry("ae", KEY).folder.glob("*.keras"))) == 1


@pytest.mark.slow
def test_an_edited_setting_and_other_data_train_again(tmp_path, capsys):
    cache.cached_model("ae", KEY, _lesson(tmp_path).train_model)
    _, hit = cache.cached_model("ae", KEY, _lesson(tmp_path, epochs=2).train_model)
    assert not hit and "EPOCHS changed" in capsys.readouterr().err
    _, hit = cache.cached_model("ae", KEY, _lesson(tmp_path, epochs=2, scale=0.5).train_model)
    assert not hit and "x_train changed" in capsys.readouterr().err


@pytest.mark.slow
def test_the_mnist_the_course_loaded_is_part_of_every_entry(tmp_path, monkeypatch, capsys):
    from lessons_lib import data

    lesson = _lesson(tmp_path)
    monkeypatch.setattr(data, "_loaded_digest", "10000/2000 digits abc")  # trained offline on the sample
    cache.cached_model("ae", KEY, lesson.train_model)
    cache.forget_memory()
    monkeypatch.setattr(data, "_loaded_digest", "full MNIST")  # later, online: the full set
    _, hit = cache.cached_model("ae", KEY, lesson.train_model)
    assert not hit and "MNIST data changed since the cached model" in capsys.readouterr().err


@pytest.mark.slow
def test_is_cached_follows_the_fingerprint(tmp_path):
    lesson = _lesson(tmp_path)
    assert not cache.is_cached("ae", KEY, lesson.train_model)
    cache.cached_model("ae", KEY, lesson.train_model)
    cache.forget_memory()
    assert cache.is_cached("ae", KEY, _lesson(tmp_path).train_model)
    assert not cache.is_cached("ae", KEY, _lesson(tmp_path, activation="tanh").train_model)


# -- damaged, missing, interrupted -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda p: p.write_bytes(b""), "it is empty"),
        (lambda p: p.write_bytes(p.read_bytes()[:100]), "it is damaged"),
        (lambda p: (p.unlink(), p.mkdir()), "it is a folder, not a file"),
    ],
    ids=["empty", "cut-in-half", "a-folder"],
)
def test_a_damaged_member_is_reported_with_its_reason_and_rebuilt(capsys, damage, reason):
    calls = []
    cache.cached_model("tiny", KEY, _counting(calls))
    cache.forget_memory()
    member = cache.entry("tiny", KEY).member("model", "model")
    damage(member)
    model, hit = cache.cached_model("tiny", KEY, _counting(calls))
    err = capsys.readouterr().err
    reports = [line for line in err.splitlines() if "could not be loaded" in line]
    assert not hit and len(calls) == 2 and model is not None
    assert len(reports) == 1 and str(member) in reports[0] and reason in reports[0], err
    assert "File not found" not in err


def _entry_files(where):
    """The entry's files (not its lock) and their bytes."""
    found = [p for p in where.folder.iterdir() if p.suffix != ".lock"]
    return {p.name: p.read_bytes() if p.is_file() else "a folder" for p in found}


@pytest.mark.parametrize("unreadable", ["manifest", "member"])
def test_an_unreadable_entry_is_reported_with_the_reason_skipped_and_never_deleted(
    monkeypatch, capsys, unreadable
):
    """Another user's private entry (mode 0600, or chmod 000): os.access is mocked, as root reads all."""
    calls = []
    cache.cached_model("tiny", KEY, _counting(calls))
    cache.forget_memory()
    where = cache.entry("tiny", KEY)
    path = where.manifest if unreadable == "manifest" else where.member("model", "model")
    before = _entry_files(where)
    real_access = os.access

    def access(target, mode, *args, **kwargs):
        if Path(target) == path:
            return False  # neither readable nor writable for this user
        return real_access(target, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    model, hit = cache.cached_model("tiny", KEY, _counting(calls))
    err = capsys.readouterr().err
    assert not hit and len(calls) == 2 and model is not None, "the entry must be skipped and trained here"
    reports = [line for line in err.splitlines() if "could not be loaded" in line]
    assert len(reports) == 1, err
    assert str(path) in reports[0] and "it cannot be read (permission denied)" in reports[0], err
    assert any("is not saved" in line and "in memory" in line for line in err.splitlines()), err
    assert "Traceback" not in err and "PermissionError" not in err
    assert _entry_files(where) == before, "an entry this user cannot read must never be deleted"
    again, hit = cache.cached_model("tiny", KEY, _counting(calls))
    assert hit and again is model and len(calls) == 2  # the session keeps the one trained here


def test_a_manifest_that_is_a_folder_is_reported_and_skipped(capsys):
    calls = []
    cache.cached_model("tiny", KEY, _counting(calls))
    cache.forget_memory()
    where = cache.entry("tiny", KEY)
    where.manifest.unlink()
    where.manifest.mkdir()
    (where.manifest / "inside.txt").write_text("someone's notes")
    before = _entry_files(where)
    assert not cache.is_cached("tiny", KEY, _counting(calls))
    model, hit = cache.cached_model("tiny", KEY, _counting(calls))
    err = capsys.readouterr().err
    assert not hit and len(calls) == 2 and model is not None
    reports = [line for line in err.splitlines() if "could not be loaded" in line]
    assert len(reports) == 1 and str(where.manifest) in reports[0], err
    assert "it is a folder, not a file" in reports[0], err
    assert any("is not saved" in line and "is a folder" in line for line in err.splitlines()), err
    assert "Traceback" not in err and "IsADirectoryError" not in err
    assert _entry_files(where) == before and (where.manifest / "inside.txt").read_text() == "someone's notes"


def test_an_interrupted_save_leaves_no_entry_and_no_temporary_file(monkeypatch):
    real = files.atomic_write

    def interrupted(path, write):
        def half(tmp):
            write(tmp)
            tmp.write_bytes(tmp.read_bytes()[:50])
            raise KeyboardInterrupt

        return real(path, half)

    monkeypatch.setattr(files, "atomic_write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cache.cached_model("tiny", KEY, _tiny_model)
    where = cache.entry("tiny", KEY)
    assert not where.exists()
    assert [p.name for p in where.folder.iterdir() if not p.name.endswith(".lock")] == []


def test_interrupted_training_leaves_no_entry():
    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.cached_model("tiny", {"code": 8}, interrupted)
    assert not cache.entry("tiny", {"code": 8}).exists()


def test_stale_temporaries_of_killed_saves_are_cleaned():
    where = cache.entry("tiny", KEY)
    where.folder.mkdir(parents=True)
    stale = where.folder / f".{where.stem}.model.k1ll3d00.tmp.keras"
    stale.write_bytes(b"half")
    other = where.folder / ".another_entry.model.abcdefgh.tmp.keras"
    other.write_bytes(b"someone else's")
    cache.cached_model("tiny", KEY, _tiny_model)
    assert not stale.exists() and other.exists()


def test_arrays_round_trip_and_a_damaged_file_recomputes():
    calls = []

    def compute():
        calls.append(1)
        return {"mse": np.array([0.1, 0.2])}

    arrays, hit = cache.cached_arrays("scores", {"seed": 0}, compute)
    again, hit2 = cache.cached_arrays("scores", {"seed": 0}, compute)
    assert (hit, hit2, len(calls)) == (False, True, 1)
    assert np.array_equal(again["mse"], [0.1, 0.2])
    cache.forget_memory()
    cache.entry("scores", {"seed": 0}).member("arrays", "arrays").write_bytes(b"garbage")
    _, hit3 = cache.cached_arrays("scores", {"seed": 0}, compute)
    assert not hit3 and len(calls) == 2


def _gan_like_set(calls):
    def build():
        calls.append(1)
        return {"gen": _tiny_model(), "disc": _tiny_model(), "logs": {"loss": np.arange(3.0) + len(calls)}}

    return build


def _gan(build, **kwargs):
    return cache.cached_set("gan", {"seed": 1}, build, models=("gen", "disc"), arrays=("logs",), **kwargs)


def test_set_is_built_once_then_loaded_from_disk():
    calls = []
    build = _gan_like_set(calls)
    first, hit1 = _gan(build)
    cache.forget_memory()  # a new kernel
    again, hit2 = _gan(build)
    assert (hit1, hit2, len(calls)) == (False, True, 1)
    assert np.array_equal(again["logs"]["loss"], [1.0, 2.0, 3.0])
    for name in ("gen", "disc"):
        pairs = zip(first[name].get_weights(), again[name].get_weights(), strict=True)
        assert all(np.array_equal(a, b) for a, b in pairs)


def test_one_damaged_member_rebuilds_the_whole_set(capsys):
    calls = []
    build = _gan_like_set(calls)
    _gan(build)
    cache.forget_memory()
    disc = cache.entry("gan", {"seed": 1}).member("disc", "model")
    disc.write_bytes(disc.read_bytes()[:100])  # half-written by an older tool
    rebuilt, hit = _gan(build)
    reports = [line for line in capsys.readouterr().err.splitlines() if "could not be loaded" in line]
    assert not hit and len(calls) == 2
    assert len(reports) == 1 and str(disc) in reports[0]
    cache.forget_memory()
    loaded, hit = _gan(build)  # the generator on disk is the rebuilt one, not the older one
    assert hit and len(calls) == 2
    assert np.array_equal(loaded["logs"]["loss"], [2.0, 3.0, 4.0])


# -- disks fill up, machines are shared ----------------------------------------------------------------


def test_a_full_disk_keeps_the_trained_model_in_memory_and_says_why(monkeypatch, capsys):
    calls = []

    def disk_full(path, write):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(files, "atomic_write", disk_full)
    model, hit = cache.cached_model("tiny", KEY, _counting(calls))
    err = capsys.readouterr().err
    assert not hit and model is not None
    notices = [line for line in err.splitlines() if cache.NOTICE in line]
    assert len(notices) == 1 and "No space left on device" in notices[0] and "in memory" in notices[0], err
    again, hit = cache.cached_model("tiny", KEY, _counting(calls))
    assert hit and again is model and len(calls) == 1  # the session keeps it: no second training
    assert not cache.entry("tiny", KEY).exists()


@pytest.mark.parametrize(
    ("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)], ids=["022", "002", "077"]
)
def test_cache_files_get_the_users_umask(umask, mode):
    old = os.umask(umask)
    try:
        cache.cached_model("tiny", KEY, _tiny_model)
    finally:
        os.umask(old)
    where = cache.entry("tiny", KEY)
    for path in (where.manifest, where.member("model", "model")):
        assert path.stat().st_mode & 0o777 == mode, f"{path} is {oct(path.stat().st_mode & 0o777)}"


SHARED_CELLS = """
calls = []
def train():
    calls.append(1)
    import keras
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
"""
STUDENT = """
import shared_cells
from lessons_lib import cache
for name in ("tiny", "broken", "private"):
    model, hit = cache.cached_model(name, {key}, shared_cells.train)
    print(name, hit, len(shared_cells.calls))
"""
#: Root that cannot bypass file permissions: another user, for the files of the "instructor" (uid 65534).
AS_ANOTHER_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-chown"]


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv")
@pytest.mark.slow
def test_a_shared_read_only_cache_is_used_and_never_deleted(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    monkeypatch.setenv(cache.CACHE_ENV, str(shared))
    (tmp_path / "shared_cells.py").write_text(SHARED_CELLS)
    lesson = _notebook(tmp_path, SHARED_CELLS, name="shared_cells")
    for name in ("tiny", "broken", "private"):  # the instructor pre-fills the cache
        cache.cached_model(name, KEY, lesson.train)
    broken = cache.entry("broken", KEY).member("model", "model")
    broken.write_bytes(broken.read_bytes()[:100])
    cache.entry("private", KEY).member("model", "model").chmod(0o600)
    for path in [shared, *shared.rglob("*")]:
        os.chown(path, 65534, 65534)
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in shared.rglob("*")}
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(tmp_path)}  # shared_cells.py
    script = STUDENT.format(key=KEY)
    result = subprocess.run(
        [*AS_ANOTHER_USER, sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == ["tiny True 0", "broken False 1", "private False 2"], result.stdout
    notices = [line for line in result.stderr.splitlines() if cache.NOTICE in line]
    assert any("could not be loaded: it is damaged" in line for line in notices), result.stderr
    assert any("could not be loaded: it cannot be read (permission denied)" in line for line in notices)
    assert sum("read-only" in line and "in memory" in line for line in notices) == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in shared.rglob("*")} == before


SLOW_CELLS = """
import time
from pathlib import Path
import numpy as np
LOG = {log!r}
def compute():
    with open(LOG, "a") as log:
        log.write("computed\\n")
    time.sleep(4)
    return {{"x": np.arange(3)}}
"""


@pytest.mark.slow
def test_a_second_process_waits_for_the_first_and_loads_its_result(tmp_path, capfd):
    log = tmp_path / "log"
    cells = tmp_path / "slow_cells.py"
    cells.write_text(SLOW_CELLS.format(log=str(log)))
    script = (
        "import slow_cells\n"
        "from lessons_lib import cache\n"
        "cache.cached_arrays('shared', {'seed': 0}, slow_cells.compute)\n"
    )
    first = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(tmp_path)})
    try:
        deadline = time.monotonic() + 60
        while not log.exists():
            assert time.monotonic() < deadline and first.poll() is None, "the first process did not start"
            time.sleep(0.1)
        lesson = _notebook(tmp_path, cells.read_text(), name="slow_cells")
        arrays, hit = cache.cached_arrays("shared", {"seed": 0}, lesson.compute)
    finally:
        first.wait(timeout=60)
    assert hit and np.array_equal(arrays["x"], [0, 1, 2])
    assert log.read_text() == "computed\n", "the second process trained the entry again"
    assert "waiting for it" in capfd.readouterr().err


# -- clear errors ----------------------------------------------------------------------------------------


def test_lessons_cache_pointing_at_a_file_says_it_must_be_a_folder(tmp_path, monkeypatch):
    target = tmp_path / "a_file"
    target.write_text("not a folder")
    monkeypatch.setenv(cache.CACHE_ENV, str(target))
    named = rf"LESSONS_CACHE='{re.escape(str(target))}' \(resolved: {re.escape(str(target.resolve()))}\)"
    with pytest.raises(NotADirectoryError, match=rf"^{named} must be a folder, but it is a file$"):
        cache.cache_dir()
    monkeypatch.setenv(cache.CACHE_ENV, str(target / "below"))
    expected = r"LESSONS_CACHE=.*a_file/below.*part of that path is a file"
    with pytest.raises(NotADirectoryError, match=expected):
        cache.cache_dir()


def test_bad_names_and_keys_are_refused():
    with pytest.raises(ValueError, match="name must be letters"):
        cache.entry("../escape", {})
    with pytest.raises(ValueError, match="key entries must be"):
        cache.entry("ok", {"code": "a/b"})
    with pytest.raises(TypeError, match=r"key must be a dict such as"):
        cache.cached_arrays("scores", ["quick", 42], dict)
    with pytest.raises(TypeError, match="train must be a callable"):
        cache.cached_model("ae", {"seed": 1}, "train")
    with pytest.raises(TypeError, match="compute must be a callable"):
        cache.cached_arrays("ae", {"seed": 1}, None)


def test_cached_set_names_what_build_must_return():
    with pytest.raises(ValueError, match=r"needs at least one member name"):
        cache.cached_set("gan", {"seed": 1}, dict)
    with pytest.raises(ValueError, match=r"must name each member once"):
        cache.cached_set("gan", {"seed": 1}, dict, models=("g",), arrays=("g",))
    with pytest.raises(ValueError, match=r"member names must be"):
        cache.cached_set("gan", {"seed": 1}, dict, models=("g/x",))
    with pytest.raises(TypeError, match=r"code must be the notebook function"):
        cache.cached_set("gan", {"seed": 1}, dict, models=("g",), code=[3])
    with pytest.raises(TypeError, match=r"exactly the entries \['g', 'logs'\], got \['g'\]"):
        cache.cached_set("gan", {"seed": 1}, lambda: {"g": None}, models=("g",), arrays=("logs",))
    with pytest.raises(TypeError, match=r"build's 'g' must be a Keras model, got int"):
        cache.cached_set("gan", {"seed": 1}, lambda: {"g": 3, "logs": {}}, models=("g",), arrays=("logs",))
    with pytest.raises(TypeError, match=r"build's 'logs' must return a dict of NumPy arrays, got list"):
        cache.cached_set("gan", {"seed": 1}, lambda: {"logs": [1]}, arrays=("logs",))
    with pytest.raises(TypeError, match=r"compute must return numeric arrays; object arrays would need"):
        cache.cached_arrays("s", {"seed": 1}, lambda: {"x": np.array([{}, None], dtype=object)})
    with pytest.raises(TypeError, match=r"train must return a Keras model, got list"):
        cache.cached_model("ae", {"seed": 1}, lambda: [1, 2])
    with pytest.raises(TypeError, match=r"compute must return a dict of NumPy arrays, got ndarray"):
        cache.cached_arrays("scores", {"seed": 1}, lambda: np.zeros(3))
    with pytest.raises(ValueError, match=r"name must be letters.*got 3"):
        cache.cached_model(3, {}, lambda: None)
    with pytest.raises(TypeError, match=r"code must be the notebook function"):
        cache.is_cached("ae", {"seed": 1}, code=["train_model"])
    leftovers = [p for p in cache.cache_dir().rglob("*") if p.is_file() and p.suffix != ".lock"]
    assert leftovers == [], "a refused entry must leave no file"


def _train_nothing(**params):  # never called: every bank below is refused before training
    raise AssertionError("a refused setting must not train")


def test_model_bank_names_its_bad_settings():
    with pytest.raises(TypeError, match=r"train_fn must be callable, got 'train'"):
        cache.ModelBank("ae", "train", profile="quick", seed=0)
    with pytest.raises(ValueError, match=r"name must be letters, digits, '_' or '.', got 'my bank'"):
        cache.ModelBank("my bank", _train_nothing, profile="quick", seed=0)
    with pytest.raises(ValueError, match=r"profile='fast' is not a known profile; expected one of full"):
        cache.ModelBank("ae", _train_nothing, profile="fast", seed=0)
    with pytest.raises(ValueError, match=r"seed must be .*got -1"):
        cache.ModelBank("ae", _train_nothing, profile="quick", seed=-1)
    with pytest.raises(TypeError, match=r"extra_key must be a dict such as \{'epochs': 50\}, got \[50\]"):
        cache.ModelBank("ae", _train_nothing, profile="quick", seed=0, extra_key=[50])


def test_model_bank_get_needs_a_setting_and_a_real_progress_bar():
    bank = cache.ModelBank("ae", _train_nothing, profile="quick", seed=0)
    with pytest.raises(ValueError, match=r"get needs the setting to train or load, e.g. get\(code_size=32\)"):
        bank.get()
    with pytest.raises(TypeError, match=r"progress must be a TrainingProgress or None, got str"):
        bank.get(code_size=32, progress="bar")
    with pytest.raises(ValueError, match=r"key entries must be letters.*'code_size'='3 2'"):
        bank.get(code_size="3 2")
    leftovers = [p for p in cache.cache_dir().rglob("*") if p.is_file()]
    assert leftovers == [], "a refused setting must leave no file"


BANK_CELLS = """
import numpy as np
x = np.linspace(0, 1, 40, dtype="float32").reshape(10, 4)

def build(code_size):
    import keras
    inputs = keras.Input((4,))
    code = keras.layers.Dense(code_size, activation="{activation}")(inputs)
    return keras.Model(inputs, keras.layers.Dense(4)(code))

def train(code_size, callbacks):
    model = build(code_size)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x, epochs=2, verbose=0, callbacks=callbacks)
    return model
"""


def test_model_bank_keeps_model_and_curves_together_and_retrains_an_edited_train_fn(tmp_path, capsys):
    lesson = _notebook(tmp_path, BANK_CELLS.format(activation="relu"))
    bank = cache.ModelBank("ae", lesson.train, profile="quick", seed=0)
    first = bank.get(code_size=2)
    assert not first.from_cache and first.history["loss"] and bank.trained == [{"code_size": 2}]
    cache.forget_memory()
    again = cache.ModelBank("ae", lesson.train, profile="quick", seed=0).get(code_size=2)
    assert again.from_cache and again.history == first.history
    assert bank.is_cached(code_size=2)
    tanh = _notebook(tmp_path, BANK_CELLS.format(activation="tanh"))
    edited = cache.ModelBank("ae", tanh.train, profile="quick", seed=0)
    assert not edited.is_cached(code_size=2)
    capsys.readouterr()
    assert not edited.get(code_size=2).from_cache
    expected = "ae (code_size 2): build changed since the cached model: training it again"
    assert expected in capsys.readouterr().err


def test_model_bank_retrains_a_model_whose_curves_were_lost(tmp_path, capsys):
    lesson = _notebook(tmp_path, BANK_CELLS.format(activation="relu"))
    bank = cache.ModelBank("ae", lesson.train, profile="quick", seed=0)
    bank.get(code_size=2)
    cache.forget_memory()
    curves = cache.entry("ae", bank.key(code_size=2)).member("history", "arrays")
    curves.write_bytes(curves.read_bytes()[: curves.stat().st_size // 2])
    trained = bank.get(code_size=2)
    assert not trained.from_cache and trained.history["loss"]
    assert f"{curves} could not be loaded" in capsys.readouterr().err


def test_the_manifest_records_the_fingerprint(tmp_path):
    lesson = _lesson(tmp_path)
    cache.cached_model("ae", KEY, lesson.train_model)
    manifest = json.loads(cache.entry("ae", KEY).manifest.read_text())
    assert {"build_model", "train_model", "EPOCHS", "x_train"} <= set(manifest["fingerprint"])
    assert manifest["members"] == {"model": "model"}


def test_prune_deletes_only_what_no_entry_uses(tmp_path):
    cache.cached_model("tiny", KEY, _tiny_model)
    where = cache.entry("tiny", KEY)
    old_layout = where.folder / "code-2_profile-quick_seed-7.keras"  # the cache before manifests
    old_layout.write_bytes(b"old")
    stale = where.folder / f".{where.stem}.model.abcdefgh.tmp.keras"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = where.folder / f".{where.stem}.model.ijklmnop.tmp.keras"  # a save in progress
    fresh.write_bytes(b"half")
    assert sorted(cache.prune()) == sorted([old_layout, stale])
    assert where.manifest.exists() and where.member("model", "model").exists() and fresh.exists()
    cache.forget_memory()
    assert cache.cached_model("tiny", KEY, _tiny_model)[1]
    with pytest.raises(NotADirectoryError, match="folder must be the cache folder"):
        cache.prune(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="older_than must be a finite number of seconds >= 0, got -1"):
        cache.prune(older_than=-1)


def test_a_long_key_is_saved_under_a_short_name_and_loaded_again(capsys):
    """Notebook 04's key (every setting of its set-up) once made a name too long to save."""
    calls = []
    key = {f"setting_{i:02d}": f"value_{i:02d}_" + "x" * 20 for i in range(12)}  # a stem of 480 characters
    other = {**key, "setting_11": "another"}
    build = _gan_like_set(calls)
    cache.cached_set("gan", key, build, models=("gen", "disc"), arrays=("logs",))
    cache.forget_memory()  # a new kernel
    _, hit = cache.cached_set("gan", key, build, models=("gen", "disc"), arrays=("logs",))
    _, other_hit = cache.cached_set("gan", other, build, models=("gen", "disc"), arrays=("logs",))
    assert (hit, other_hit, len(calls)) == (True, False, 2)
    assert "could not be saved" not in capsys.readouterr().err
    names = [path.name for path in cache.cache_dir().glob("gan/*")]
    assert len(names) == 10 and max(len(name) for name in names) < 200, names  # 2 x (4 files + lock)
    assert all(name.startswith("setting_00-value_00_") for name in names if not name.startswith("."))
