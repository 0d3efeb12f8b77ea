"""What students do to notebooks, for every notebook in notebooks/ (quick profile; issue 6, 1/2/4).

For each notebook, one sequence of real kernel runs (``_runs``) on a copy of the course's model cache
(``make test`` runs the notebooks under nbval first, so the cache is warm and nothing is trained twice):

1. **Run All** in a fresh kernel (models loaded from the cache files, or trained when missing);
2. **Run All again in the same kernel** (models from memory, every layer created again);
3. the last model entry the notebook uses is deleted and, in a fresh kernel, **training is interrupted
   while the model is saved** (a ``KeyboardInterrupt`` after half the file is written): the entry must
   not appear under its real name, no entry may be half-written, no temporary file may remain;
4. that model entry and the last array entry are cut to half their size (a damaged or half-written
   file) and the notebook gets **Restart and Run All**: each must be reported once on stderr, rebuilt,
   never loaded.

Passes 1, 2 and 4 must each give the committed notebook's checked outputs under nbval's rules
(tests/nbtools.py). With the nbval run of ``make test`` (fresh kernel, empty cache on a fresh clone)
that is four runs of each notebook compared with the same reference, hence with each other: point 4
of issue 6 ("three consecutive nbval runs") without three more full nbval invocations. (There is no
separate "the runs equal each other" test: it could not fail while these pass.)
Memory is measured after passes 1 and 2.

Cost: one cached run, one in-memory run and the retraining of one or two models per notebook.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import nbtools
import pytest
from nbclient.exceptions import CellExecutionError

pytestmark = pytest.mark.slow

MB = 1024 * 1024
# Run All twice in one kernel may keep some more memory (TensorFlow's function caches, the
# allocator's pools); a leak of the notebook's models or data would add a whole first run's worth.
MAX_SECOND_RUN_GROWTH = 0.25

INTERRUPT_DURING_SAVE = """
import lessons_lib.cache as _cache

_real_atomic_write = _cache._atomic_write

def _interrupted_atomic_write(path, write):
    def half_then_interrupt(tmp):
        write(tmp)
        size = tmp.stat().st_size
        with open(tmp, "r+b") as handle:
            handle.truncate(size // 2)
        raise KeyboardInterrupt("simulated: the student pressed Interrupt while the model was saved")
    _real_atomic_write(path, half_then_interrupt)

_cache._atomic_write = _interrupted_atomic_write
"""


RECORD_CACHE_USE = """
import lessons_lib.cache as _cache

_used_cache_entries = []
_real_entry_path = _cache.entry_path

def _recording_entry_path(*args, **kwargs):
    path = _real_entry_path(*args, **kwargs)
    _used_cache_entries.append(str(path))
    return path

_cache.entry_path = _recording_entry_path
"""


def _used_entries(kernel: nbtools.Kernel) -> list[Path]:
    cell = kernel.run("print('\\n'.join(dict.fromkeys(_used_cache_entries)))")
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
    return [Path(line) for line in text.splitlines() if line and Path(line).is_file()]


@pytest.fixture(scope="module", params=nbtools.NOTEBOOKS, ids=lambda p: p.stem)
def _runs(request, tmp_path_factory):
    path: Path = request.param
    reference = nbtools.read(path)
    # Start from the course's cache as a student has it after a first run (make test runs the
    # notebooks under nbval before these tests, so models are not trained twice); a copy, so
    # the entries can be damaged.
    cache = tmp_path_factory.mktemp(f"cache_{path.stem}") / "cache"
    course_cache = Path(os.environ.get("LESSONS_CACHE") or nbtools.ROOT / "cache")
    if course_cache.is_dir():
        shutil.copytree(course_cache, cache)
    env = {"LESSONS_PROFILE": "quick", "LESSONS_CACHE": str(cache)}
    result: dict = {"reference": reference, "cache": cache}

    with nbtools.kernel(env) as kernel:
        kernel.run(RECORD_CACHE_USE)
        result["first"] = kernel.run_all(reference, allow_errors=True)
        result["rss_first"] = kernel.rss()
        result["second"] = kernel.run_all(reference, allow_errors=True)
        result["rss_second"] = kernel.rss()
        print(f"{path.stem}: kernel RSS {result['rss_first'] / MB:.0f} MB after Run All, "
              f"{result['rss_second'] / MB:.0f} MB after the second")
        used = _used_entries(kernel)
    result["used"] = used

    models = [p for p in used if p.suffix == ".keras"]
    arrays = [p for p in used if p.suffix == ".npz"]
    damaged = models[-1:]
    # an array entry of another model (the damaged model's own history is rewritten, not loaded)
    others = [p for p in arrays if not models or p.stem != models[-1].stem]
    damaged += others[-1:] or arrays[-1:]
    result["damaged"] = damaged
    if models:
        victim = models[-1]
        saved = victim.read_bytes()
        victim.unlink()
        with nbtools.kernel(env) as kernel:
            kernel.run(INTERRUPT_DURING_SAVE)
            try:
                kernel.run_all(reference)
                interrupted = None
            except CellExecutionError as error:
                interrupted = str(error)
        result["interrupted"] = {
            "victim": victim,
            "error": interrupted,
            "exists_after": victim.exists(),
            "broken_entries": [p for p in nbtools.cache_entries(cache) if not zipfile.is_zipfile(p)],
            "temporary_files": nbtools.temporary_files(cache),
        }
        victim.write_bytes(saved)
    for entry in damaged:  # half-written by an older tool, or damaged on disk
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2])
    with nbtools.kernel(env) as kernel:
        result["restarted"] = kernel.run_all(reference, allow_errors=True)
    return result


def test_run_all_from_a_fresh_kernel_gives_the_committed_checked_outputs(_runs):
    assert nbtools.errors(_runs["first"]) == []
    assert nbtools.differences(_runs["reference"], _runs["first"]) == []


def test_run_all_twice_in_one_kernel_gives_the_same_checked_outputs(_runs):
    assert nbtools.errors(_runs["second"]) == []
    assert nbtools.differences(_runs["reference"], _runs["second"]) == []


def test_second_run_all_does_not_grow_memory_without_bound(_runs):
    first, second = _runs["rss_first"], _runs["rss_second"]
    assert second <= first * (1 + MAX_SECOND_RUN_GROWTH), (
        f"kernel memory grew from {first / MB:.0f} MB to {second / MB:.0f} MB on the second Run All"
    )


def test_interrupted_save_leaves_no_entry_and_no_temporary_file(_runs):
    if "interrupted" not in _runs:
        pytest.skip("this notebook keeps no model in the cache")
    state = _runs["interrupted"]
    assert state["error"] is not None and "KeyboardInterrupt" in state["error"], (
        f"Run All did not stop on the interrupted save of {state['victim'].name}"
    )
    assert not state["exists_after"], f"{state['victim']} exists after an interrupted save"
    assert state["broken_entries"] == [], "an interrupted save left a half-written entry"
    assert state["temporary_files"] == []


def test_restart_and_run_all_rebuilds_every_corrupt_entry(_runs):
    restarted = _runs["restarted"]
    assert nbtools.errors(restarted) == []
    assert nbtools.differences(_runs["reference"], restarted) == []
    stderr = nbtools.stderr_text(restarted)
    if not _runs["damaged"]:
        pytest.skip("this notebook keeps nothing in the cache")
    for entry in _runs["damaged"]:
        reports = [
            line for line in stderr.splitlines() if nbtools.CORRUPT_NOTICE in line and str(entry) in line
        ]
        if entry.suffix == ".keras" or entry.stem not in {p.stem for p in _runs["damaged"] if p != entry}:
            assert len(reports) == 1, f"{entry} was cut in half: expected one report on stderr, got {reports}"
        else:  # the history of the damaged model: rewritten with the retrained model, never loaded
            assert len(reports) <= 1, reports
        assert zipfile.is_zipfile(entry), f"{entry} was not rebuilt"
    assert nbtools.temporary_files(_runs["cache"]) == []
