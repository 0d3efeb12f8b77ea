"""Surviving what students' machines do to a notebook: one kernel per notebook, ``smoke`` profile.

Each notebook runs as on a laptop without internet, in the ``smoke`` profile (same code, data and
shapes, fewest steps: the point is that it survives, not what it prints), from an empty model cache:

- the network is unreachable (``tests/offline/sitecustomize.py`` is on the kernel's ``PYTHONPATH``);
- ``LESSONS_MNIST`` is unset and the Keras home is empty, so no data file is at hand;
- ``HOME`` and ``TMPDIR`` are empty temporary folders; the other settings are those ``make`` exports
  (Jupyter, IPython and matplotlib folders under build/).

In that kernel, **Run All offline**: no error; it says exactly once that it uses the bundled
sample, because the network is blocked; every model is trained and saved. Along the way, right after
the cells that first save models (so that everything they use is as Run All left it):

- **damaged files**: after the first cell that saves a model, that model's file is cut to half its
  size (a damaged or half-written file); at the next cell that saves an array file of another
  entry, that array file too. Each time, as after a kernel restart
  (``lessons_lib.cache.forget_memory``), the cell runs again: the damaged file is reported once on
  stderr and rebuilt (a complete archive again);
- **interrupted save**: at the next cell after the first that saves a model of another entry, that
  model's file is deleted, ``lessons_lib.files.atomic_write`` is patched so that its save is
  interrupted (a ``KeyboardInterrupt`` after half the file is written) and, after a restart, the
  cell runs again: it stops with the ``KeyboardInterrupt``; the model's file does not exist, no
  model or array file in the cache is incomplete, no temporary file remains. (Run All then goes on
  from the next cell, with what the first run of that cell defined.)

- **the student copy** (``make student``): its code cells before the first exercise must be the
  lesson's own (so this run executes them), and the first exercise stub, run in this kernel right
  after the cell before it (where a fresh kernel running the copy stands), stops with
  ``NotImplementedError``: the copy runs up to its first exercise, without a run of its own.

Afterwards ``HOME`` holds only the Keras home (``~/.keras``), ``TMPDIR`` nothing at all, and no file of
the repository outside ``cache/`` and ``build/`` was written (this test's cache is a temporary folder).

Only those cells run twice, not the whole notebook: a second Run All would double the cost.
Outputs are not compared (10,000 training digits instead
of 60,000, fewer steps): the comparisons with the committed outputs are nbval's, in the quick
profile, twice in one kernel (tests/nbval_plugin.py). Notebook 01 keeps nothing in the cache: the
damage and interruption checks are skipped.
"""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import make_student  # scripts/ (pytest's pythonpath)
import nbtools
import pytest

ROOT = nbtools.ROOT
OFFLINE_SITE = Path(__file__).with_name("offline")
MARKER = "network blocked for the offline test"

#: Where a notebook run may write inside the repository: the model cache, build/ (Jupyter, IPython and
#: matplotlib files, see the Makefile), Python's bytecode caches, and the tools' own folders.
ALLOWED_IN_REPO = {"build", "cache", ".venv", "node_modules", ".git", "__pycache__", ".pytest_cache",
                   ".ruff_cache", ".ipynb_checkpoints"}

RESTART = """
import lessons_lib.cache as _cache

_cache.forget_memory()  # what a kernel restart does: every entry is read from its files again
"""

UNPATCH = """
_files.atomic_write = _real_atomic_write
"""

INTERRUPT_THE_SAVE_OF = RESTART + """
from pathlib import Path as _Path

import lessons_lib.files as _files

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


def _student_copy(lesson: Path, folder: Path) -> dict:
    """The lesson's student copy (``make student``) and where a fresh kernel running it stops.

    Its code cells before the first exercise stub must be the lesson's own, which the survival run
    executes; the stub itself runs in that kernel right after the lesson's cell before it, where a
    fresh kernel running the copy would stand (``stub``: that lesson cell's index and the stub's source).
    """
    nbtools.run_make_student(folder, lesson)
    copy_cells = [c for c in nbtools.read(folder / lesson.name).cells if c.cell_type == "code"]
    lesson_cells = [(i, c) for i, c in enumerate(nbtools.read(lesson).cells) if c.cell_type == "code"]
    first = next((k for k, c in enumerate(copy_cells) if make_student.STUB[0] in c.source), None)
    if first is None or first == 0:
        return {"first_stub": first, "differs": [], "stub": None}
    differs = [k for k in range(first) if copy_cells[k].source != lesson_cells[k][1].source]
    stub = (lesson_cells[first - 1][0], copy_cells[first].source)
    return {"first_stub": first, "differs": differs, "stub": stub}


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


def _errors(cells: list) -> list[str]:
    outputs = [o for c in cells for o in c.outputs]
    return [f"{o['ename']}: {o['evalue']}" for o in outputs if o.get("output_type") == "error"]


def _cell_stderr(cells: list) -> str:
    return "".join(o.get("text", "") for c in cells for o in c.outputs if o.get("name") == "stderr")


class _Survival:
    """What Run All does to the cache, cell by cell, and the damage and interruption along the way."""

    def __init__(self, kernel: nbtools.Kernel, run_cells: list, cache: Path, stub: tuple[int, str] | None):
        self.kernel, self.cells, self.cache = kernel, run_cells, cache
        self.stub = stub  # (lesson cell after which the student copy's first exercise runs, its source)
        self.stub_run = None
        self.seen: set[Path] = set()
        self.damaged: list[Path] = []
        self.rebuilt: list[bool] = []  # each damaged file, a whole zip again right after its cell's rerun
        self.damaged_rerun: list = []
        self.victim: Path | None = None
        self.first_model_cell: int | None = None
        self.interrupted: dict = {}

    def _rerun(self, index: int):
        self.kernel.run(RESTART)
        return self.kernel.run(self.cells[index].source)

    def _damage_and_rerun(self, file: Path, index: int) -> None:
        _cut_in_half(file)
        self.damaged.append(file)
        self.damaged_rerun.append(self._rerun(index))
        self.rebuilt.append(zipfile.is_zipfile(file))

    def after_cell(self, index: int) -> None:
        if self.stub is not None and index == self.stub[0]:
            # the student copy's first exercise, where a fresh kernel running the copy stands now
            self.stub_run = self.kernel.run(self.stub[1])
        files = nbtools.cache_files(self.cache) if self.cache.is_dir() else []
        new = [p for p in files if p not in self.seen]  # oldest first
        self.seen.update(files)
        models = [p for p in new if p.suffix == ".keras"]
        if self.first_model_cell is None:
            if models:
                self.first_model_cell = index
                self._damage_and_rerun(models[-1], index)
            return
        first_entry = nbtools.entry_of(self.damaged[0])
        if len(self.damaged) == 1:
            arrays = [p for p in new if p.suffix == ".npz" and nbtools.entry_of(p) != first_entry]
            if arrays:
                self._damage_and_rerun(arrays[-1], index)
        models = [p for p in models if nbtools.entry_of(p) != first_entry]
        if self.victim is None and models:
            self._interrupt_the_save_of(models[-1], index)

    def _interrupt_the_save_of(self, victim: Path, index: int) -> None:
        """Delete ``victim``, then run cell ``index`` again with its save interrupted by Ctrl-C."""
        self.victim = victim
        victim.unlink()
        self.kernel.run(INTERRUPT_THE_SAVE_OF.format(victim=str(victim)))
        cell = self.kernel.run(self.cells[index].source)
        self.kernel.run(UNPATCH)
        self.interrupted = {
            "cell": cell,
            "victim_exists_after": victim.exists(),
            "incomplete": [p for p in nbtools.cache_files(self.cache) if not zipfile.is_zipfile(p)],
            "temporary_files": nbtools.temporary_files(self.cache),
        }

    def finish(self) -> None:
        """After Run All, for a notebook whose models are all one entry (04, 06: the digit classifier
        is shipped, not cached): cut that entry's own array file and run its cell again, then
        interrupt the save of one of its models."""
        if self.first_model_cell is None:
            return
        first_entry = nbtools.entry_of(self.damaged[0])
        if len(self.damaged) == 1:
            arrays = [p for p in nbtools.cache_files(self.cache)
                      if p.suffix == ".npz" and nbtools.entry_of(p) == first_entry]
            if arrays:
                self._damage_and_rerun(arrays[-1], self.first_model_cell)
        if self.victim is None:
            models = [p for p in nbtools.cache_files(self.cache) if p.suffix == ".keras"
                      and nbtools.entry_of(p) == first_entry and p not in self.damaged]
            if models:
                self._interrupt_the_save_of(models[-1], self.first_model_cell)


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
    run_cells = nbtools.blank(reference).cells
    student = _student_copy(path, base / "student")

    repository_before = _repository_files()
    with nbtools.kernel(env, unset=("LESSONS_MNIST", "KERAS_HOME")) as kernel:
        along = _Survival(kernel, run_cells, cache, student["stub"])
        run = kernel.run_all(reference, allow_errors=True, after_cell=along.after_cell)
        along.finish()
    repository_after = _repository_files()
    return {
        "home": home, "tmp": tmp, "cache": cache, "run": run, "damaged": along.damaged,
        "damaged_rerun": along.damaged_rerun, "rebuilt": along.rebuilt, "victim": along.victim,
        **along.interrupted,
        "interrupted_rerun": [along.interrupted["cell"]] if along.interrupted else [],
        "keeps_models": along.first_model_cell is not None, "student": student, "stub_run": along.stub_run,
        "repository_changed": sorted(
            name for name, mtime in repository_after.items() if repository_before.get(name) != mtime
        ),
    }


def _stderr(survival: dict) -> str:
    extra = survival.get("damaged_rerun", []) + survival.get("interrupted_rerun", [])
    return nbtools.stderr_text(survival["run"]) + _cell_stderr(extra)


def test_make_keeps_tool_folders_in_build():
    names = set(make_environment())
    assert {"JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"} <= names, names


@pytest.mark.slow
def test_runs_offline_on_the_sample_and_says_so_once(survival):
    assert nbtools.errors(survival["run"]) == []
    notices = [line for line in _stderr(survival).splitlines() if nbtools.SAMPLE_NOTICE in line]
    assert len(notices) == 1, f"expected one notice about the bundled sample, got {notices}"
    assert MARKER in notices[0], f"the notice does not come from the blocked network: {notices[0]}"


@pytest.mark.slow
def test_damaged_entries_are_reported_once_and_rebuilt(survival):
    if not survival["keeps_models"]:
        pytest.skip("this notebook keeps no model in the cache")
    assert len(survival["damaged"]) == 2, f"expected a model file and an array file: {survival['damaged']}"
    assert _errors(survival["damaged_rerun"]) == []
    stderr = _cell_stderr(survival["damaged_rerun"]).splitlines()
    for file, rebuilt in zip(survival["damaged"], survival["rebuilt"], strict=True):
        reports = [line for line in stderr if nbtools.CORRUPT_NOTICE in line and str(file) in line]
        assert len(reports) == 1, f"{file} was cut in half: expected one report on stderr, got {reports}"
        assert rebuilt, f"{file} was not rebuilt"


@pytest.mark.slow
def test_interrupted_save_leaves_no_entry_and_no_temporary_file(survival):
    if not survival["keeps_models"]:
        pytest.skip("this notebook keeps no model in the cache")
    assert survival["victim"] is not None, "no model of the cache to interrupt the save of"
    errors = _errors(survival["interrupted_rerun"])
    assert len(errors) == 1 and "KeyboardInterrupt" in errors[0], (
        f"the cell did not stop at the interrupted save of {survival['victim'].name}: {errors}"
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


@pytest.mark.slow
def test_student_copy_stops_at_its_first_exercise(survival):
    """``make student``'s copy, run from a fresh kernel, stops exactly at its first exercise."""
    student = survival["student"]
    assert student["first_stub"], "the student copy has no exercise stub after its first code cell"
    assert student["differs"] == [], (
        f"code cells {student['differs']} of the student copy, before its first exercise, "
        "differ from the lesson's"
    )
    assert nbtools.errors(survival["run"]) == [], "a lesson cell before the first exercise failed"
    outputs = survival["stub_run"].outputs if survival["stub_run"] is not None else []
    errors = [o["ename"] for o in outputs if o.get("output_type") == "error"]
    assert errors == ["NotImplementedError"], (
        f"the first exercise stub should stop with NotImplementedError: {errors}"
    )
