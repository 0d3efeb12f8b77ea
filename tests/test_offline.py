"""Offline, and writing nothing outside the repository (issue 6, points 3 and 6), for every notebook.

Each notebook runs top to bottom in the quick profile as on a laptop without internet:

- the network is unreachable (``tests/offline/sitecustomize.py`` is on the kernel's ``PYTHONPATH``);
- ``LESSONS_MNIST`` is unset and the Keras home is empty, so no data file is at hand;
- ``HOME`` and ``TMPDIR`` are empty temporary folders; the other settings are those ``make`` exports
  (Jupyter, IPython and matplotlib folders under build/).

It must run without errors on the bundled sample and say so exactly once; afterwards ``HOME`` may
only hold the Keras home (``~/.keras``), ``TMPDIR`` nothing at all, and no file of the repository
outside ``cache/`` and ``build/`` may have been written (the model cache of this test is a temporary
folder). Outputs that print shapes
differ from the committed ones (10,000 training digits instead of 60,000): they are not compared.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import nbtools
import pytest

pytestmark = pytest.mark.slow

ROOT = nbtools.ROOT
OFFLINE_SITE = Path(__file__).with_name("offline")
MARKER = "network blocked for the offline test"


def make_environment() -> dict[str, str]:
    """The variables ``make`` exports to its recipes that point into the repository's build/ folder."""
    recipe = "_print_env:\n\t@env -0\n"
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-", "_print_env"],
        cwd=nbtools.ROOT, input=recipe, capture_output=True, text=True, check=True,
    )
    pairs = (item.split("=", 1) for item in result.stdout.split("\0") if "=" in item)
    build = str(nbtools.ROOT / "build")
    return {name: value for name, value in pairs if value.startswith(build)}


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


#: Where a notebook run may write inside the repository: the model cache, build/ (Jupyter, IPython and
#: matplotlib files, see the Makefile), Python's bytecode caches, and the tools' own folders.
ALLOWED_IN_REPO = {"build", "cache", ".venv", "node_modules", ".git", "__pycache__", ".pytest_cache",
                   ".ruff_cache", ".ipynb_checkpoints"}


def _repository_files() -> dict[str, int]:
    """Every file of the repository outside ALLOWED_IN_REPO, with its modification time."""
    found = {}
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in ALLOWED_IN_REPO]
        for name in files:
            path = Path(folder) / name
            found[str(path.relative_to(ROOT))] = path.stat().st_mtime_ns
    return found


def test_make_keeps_tool_folders_in_build():
    names = set(make_environment())
    assert {"JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"} <= names, names


@pytest.mark.parametrize("path", nbtools.NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_offline_on_the_sample_and_writes_only_where_allowed(path, tmp_path, monkeypatch):
    home, tmp, cache = tmp_path / "home", tmp_path / "tmp", tmp_path / "cache"
    for folder in (home, tmp):
        folder.mkdir()
    for name, value in make_environment().items():
        monkeypatch.setenv(name, value)
    for name in ("LESSONS_MNIST", "KERAS_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setenv("LESSONS_PROFILE", "quick")
    monkeypatch.setenv("LESSONS_CACHE", str(cache))
    python_path = [str(OFFLINE_SITE), os.environ.get("PYTHONPATH")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, python_path)))

    repository_before = _repository_files()
    with nbtools.kernel() as kernel:
        run = kernel.run_all(nbtools.read(path), allow_errors=True)
    repository_after = _repository_files()

    assert nbtools.errors(run) == []
    notices = [line for line in nbtools.stderr_text(run).splitlines() if nbtools.SAMPLE_NOTICE in line]
    assert len(notices) == 1, f"expected one notice about the bundled sample, got {notices}"
    assert MARKER in notices[0], f"the notice does not come from the blocked network: {notices[0]}"
    outside = [name for name in _files(home) if not name.startswith(".keras/")]
    assert outside == [], f"files written in HOME outside the Keras home: {outside}"
    assert _files(tmp) == [], "files left in TMPDIR"
    changed = sorted(name for name, mtime in repository_after.items() if repository_before.get(name) != mtime)
    assert changed == [], f"files written in the repository outside cache/ and build/: {changed}"
