"""Surviving what students' machines do to a notebook: one kernel per notebook, ``smoke`` profile.

Each notebook runs as on a laptop without internet, in the ``smoke`` profile (same code, data and
shapes, fewest steps: the point is that it survives, not what it prints), from an empty model cache:

- the network is unreachable (``tests/offline/sitecustomize.py`` is on the kernel's ``PYTHONPATH``);
- ``LESSONS_MNIST`` is unset and the Keras home is empty, so no data file is at hand;
- ``HOME`` and ``TMPDIR`` are empty temporary folders; the other settings are those ``make`` exports
  (Jupyter, IPython and matplotlib folders under build/).

In that kernel:

1. **Run All offline**: no error; it says exactly once that it uses the bundled sample, because the
   network is blocked. Every model is trained and saved.
2. In the cache, the newest model file is deleted (its entry must be trained again), and the newest
   model file and the newest array file of two *other* entries are cut to half their size (a
   damaged or half-written file). Then, as after a restart (``lessons_lib.cache.forget_memory``),
   **Run All again**, with ``lessons_lib.files.atomic_write`` patched so that the save of the deleted
   model is **interrupted** (a ``KeyboardInterrupt`` after half the file is written):
   - each damaged file is reported once on stderr and rebuilt (a complete archive again);
   - Run All stops with the ``KeyboardInterrupt`` at the interrupted save; the model's file does not
     exist, no model or array file in the cache is incomplete, no temporary file remains.
3. Afterwards ``HOME`` holds only the Keras home (``~/.keras``), ``TMPDIR`` nothing at all, and no file
   of the repository outside ``cache/`` and ``build/`` was written (this test's cache is a temporary
   folder).

Outputs are not compared (10,000 training digits instead of 60,000, fewer steps): the comparisons
with the committed outputs are nbval's, in the quick profile, twice in one kernel
(tests/nbval_plugin.py). Notebook 01 keeps nothing in the cache: the checks of step 2 are skipped.
"""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import nbtools
import pytest

ROOT = nbtools.ROOT
OFFLINE_SITE = Path(__file__).with_name("offline")
MARKER = "network blocked for the offline test"

#: Where a notebook run may write inside the repository: the model cache, build/ (Jupyter, IPython and
#: matplotlib files, see the Makefile), Python's bytecode caches, and the tools' own folders.
ALLOWED_IN_REPO = {"build", "cache", ".venv", "node_modules", ".git", "__pycache__", ".pytest_cache",
                   ".ruff_cache", ".ipynb_checkpoints"}

RESTART_AND_INTERRUPT_THE_SAVE_OF = """
from pathlib import Path as _Path

import lessons_lib.cache as _cache
import lessons_lib.files as _files

_cache.forget_memory()  # what a kernel restart does: every entry is read from its files again
_victim = _Path({victim!r})
_real_atomic_write = _files.atomic_write


def _interrupted_atomic_write(path, write):
    if _Path(path) != _victim:
        return _real_atomic_write(path, write)

    def half_then_interrupt(tmp):
        write(tmp)
        size = tmp.stat().st_size
        with open(tmp, "r+b") as handle:
            handle.truncate(size // 2)
        raise KeyboardInterrupt("simulated: the student pressed Interrupt while the model was saved")

    return _real_atomic_write(path, half_then_interrupt)


_files.atomic_write = _interrupted_atomic_write
"""


def make_environment() -> dict[str, str]:
    """The variables ``make`` exports to its recipes that point into the repository's build/ folder."""
    recipe = "_print_env:\n\t@env -0\n"
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-", "_print_env"],
        cwd=ROOT, input=recipe, capture_output=True, text=True, check=True,
    )
    pairs = (item.split("=", 1) for item in result.stdout.split("\0") if "=" in item)
    build = str(ROOT / "build")
    return {name: value for name, value in pairs if value.startswith(build)}


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _repository_files() -> dict[str, int]:
    """Every file of the repository outside ALLOWED_IN_REPO, with its modification time."""
    found = {}
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in ALLOWED_IN_REPO]
        for name in files:
            path = Path(folder) / name
            found[str(path.relative_to(ROOT))] = path.stat().st_mtime_ns
    return found


def _cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _pick_victim_and_damaged(cache: Path) -> tuple[Path | None, list[Path]]:
    """The newest model file, and the newest model and array files of two other entries."""
    files = nbtools.cache_files(cache)
    models = [p for p in files if p.suffix == ".keras"]
    if not models:
        return None, []
    victim = models[-1]
    taken = {nbtools.entry_of(victim)}
    damaged = []
    for suffix in (".keras", ".npz"):
        candidates = [p for p in files if p.suffix == suffix and nbtools.entry_of(p) not in taken]
        if candidates:
            damaged.append(candidates[-1])
            taken.add(nbtools.entry_of(candidates[-1]))
    return victim, damaged


@pytest.fixture(scope="module", params=nbtools.NOTEBOOKS, ids=lambda p: p.stem)
def survival(request, tmp_path_factory) -> dict:
    path: Path = request.param
    base = tmp_path_factory.mktemp(f"offline_{path.stem}").resolve()
    home, tmp, cache = base / "home", base / "tmp", base / "cache"
    for folder in (home, tmp):
        folder.mkdir()
    python_path = os.pathsep.join(filter(None, [str(OFFLINE_SITE), os.environ.get("PYTHONPATH")]))
    env = {
        **make_environment(), "HOME": str(home), "TMPDIR": str(tmp), "PYTHONPATH": python_path,
        "LESSONS_PROFILE": "smoke", "LESSONS_CACHE": str(cache),
    }
    reference = nbtools.read(path)
    result: dict = {"home": home, "tmp": tmp, "cache": cache}

    repository_before = _repository_files()
    with nbtools.kernel(env, unset=("LESSONS_MNIST", "KERAS_HOME")) as kernel:
        result["first"] = kernel.run_all(reference, allow_errors=True)
        victim, damaged = _pick_victim_and_damaged(cache)
        result["victim"], result["damaged"] = victim, damaged
        if victim is not None:
            victim.unlink()
            for entry in damaged:
                _cut_in_half(entry)
            kernel.run(RESTART_AND_INTERRUPT_THE_SAVE_OF.format(victim=str(victim)))
            result["second"] = kernel.run_all(reference, allow_errors=True)
            result["victim_exists_after"] = victim.exists()
            result["incomplete"] = [  # the damaged files have their own test
                p for p in nbtools.cache_files(cache) if p not in damaged and not zipfile.is_zipfile(p)
            ]
            result["temporary_files"] = nbtools.temporary_files(cache)
    repository_after = _repository_files()
    result["repository_changed"] = sorted(
        name for name, mtime in repository_after.items() if repository_before.get(name) != mtime
    )
    return result


def _stderr(survival: dict) -> str:
    runs = [survival["first"], *([survival["second"]] if "second" in survival else [])]
    return "".join(nbtools.stderr_text(run) for run in runs)


def test_make_keeps_tool_folders_in_build():
    names = set(make_environment())
    assert {"JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"} <= names, names


@pytest.mark.slow
def test_runs_offline_on_the_sample_and_says_so_once(survival):
    assert nbtools.errors(survival["first"]) == []
    notices = [line for line in _stderr(survival).splitlines() if nbtools.SAMPLE_NOTICE in line]
    assert len(notices) == 1, f"expected one notice about the bundled sample, got {notices}"
    assert MARKER in notices[0], f"the notice does not come from the blocked network: {notices[0]}"


@pytest.mark.slow
def test_damaged_entries_are_reported_once_and_rebuilt(survival):
    if survival["victim"] is None:
        pytest.skip("this notebook keeps no model in the cache")
    assert survival["damaged"], "the notebook's cache has one entry only: nothing else to damage"
    stderr = nbtools.stderr_text(survival["second"]).splitlines()
    for entry in survival["damaged"]:
        reports = [line for line in stderr if nbtools.CORRUPT_NOTICE in line and str(entry) in line]
        assert len(reports) == 1, f"{entry} was cut in half: expected one report on stderr, got {reports}"
        assert zipfile.is_zipfile(entry), f"{entry} was not rebuilt"


@pytest.mark.slow
def test_interrupted_save_leaves_no_entry_and_no_temporary_file(survival):
    if survival["victim"] is None:
        pytest.skip("this notebook keeps no model in the cache")
    errors = nbtools.errors(survival["second"])
    assert len(errors) == 1 and "KeyboardInterrupt" in errors[0], (
        f"Run All did not stop at the interrupted save of {survival['victim'].name}: {errors}"
    )
    assert not survival["victim_exists_after"], f"{survival['victim']} exists after an interrupted save"
    assert survival["incomplete"] == [], "an interrupted save left a half-written file in the cache"
    assert survival["temporary_files"] == []


@pytest.mark.slow
def test_writes_nothing_outside_the_cache_build_and_the_keras_home(survival):
    outside = [name for name in _files(survival["home"]) if not name.startswith(".keras/")]
    assert outside == [], f"files written in HOME outside the Keras home: {outside}"
    assert _files(survival["tmp"]) == [], "files left in TMPDIR"
    assert survival["repository_changed"] == [], (
        f"files written in the repository outside cache/ and build/: {survival['repository_changed']}"
    )
