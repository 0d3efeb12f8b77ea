"""The course's notebook tooling for tests: paths, and running notebooks as students do.

**Paths** (defined here only): ``ROOT`` (the repository), ``NOTEBOOK_DIR``, ``NOTEBOOKS`` (the
lessons ``notebooks/NN_*.ipynb``, in order), ``KOREAN_NOTEBOOKS`` (their Korean twins in ``notebooks/ko/``),
``SHARED_MNIST`` (the course machine's full MNIST, ``../shared/data/mnist.npz``, when it is there).

The nbval rules (what is compared, masked, skipped) are in tests/nbval_plugin.py.

**Running notebooks as students do** (:func:`kernel`, :class:`Kernel`): Run All, again, extra cells
in the same kernel, outside nbval. Used by tests/test_offline.py and tests/test_edits_retrain.py.
**Student copies** (:func:`run_make_student`): `make student`, for tests/test_student.py and
tests/test_offline.py.
**Servers** (:func:`free_port`, :func:`stop_server`): for the JupyterLab servers of
tests/test_lab_server.py and tests/browser/conftest.py. Not a test module itself.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
# the Korean edition (한국어판), written by scripts/sync_korean.py
KOREAN_NOTEBOOKS = sorted((NOTEBOOK_DIR / "ko").glob("[0-9][0-9]_*.ipynb"))
# the course machine's full MNIST (the Makefile's LESSONS_MNIST default); may be missing
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"

SAMPLE_NOTICE = "using the bundled real-MNIST sample"
CORRUPT_NOTICE = "could not be loaded"


def stderr_text(nb: nbformat.NotebookNode) -> str:
    """All stderr a run printed (TensorFlow logs, warnings, lessons_lib notices)."""
    return "".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    )


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """``ename: evalue`` of every error output of cells not tagged ``raises-exception``."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "raises-exception" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output['ename']}: {output['evalue']}")
    return found


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def blank(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without outputs, as a student's "Clear All Outputs" leaves it."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    return nb


class Kernel:
    """One live kernel on which notebooks are run cell by cell, like JupyterLab's Run All."""

    def __init__(self, client: NotebookClient):
        self.client = client

    def run(self, code: str) -> nbformat.NotebookNode:
        """Run one extra cell (not part of the notebook) and return it with its outputs (errors too)."""
        cell = nbformat.v4.new_code_cell(code)
        notebook, self.client.nb = self.client.nb, nbformat.v4.new_notebook(cells=[cell])
        allow_errors, self.client.allow_errors = self.client.allow_errors, True
        try:
            self.client.execute_cell(cell, 0, store_history=False)
        finally:
            self.client.nb, self.client.allow_errors = notebook, allow_errors
        return cell

    def run_all(
        self,
        nb: nbformat.NotebookNode,
        *,
        allow_errors: bool = False,
        after_cell: Callable[[int], None] | None = None,
    ) -> nbformat.NotebookNode:
        """Run every code cell of a blank copy of ``nb`` in order; return the executed copy.

        A failing cell (not tagged ``raises-exception``) raises nbclient's ``CellExecutionError``
        unless ``allow_errors``; then the run stops there, as JupyterLab's Run All does.
        ``after_cell(index)`` is called after each code cell (e.g. to see what it wrote).
        """
        run = blank(nb)
        self.client.nb = run
        self.client.reset_execution_trackers()
        self.client.allow_errors = allow_errors
        for index, cell in enumerate(run.cells):
            if cell.cell_type != "code":
                continue
            self.client.execute_cell(cell, index)
            if after_cell is not None:
                after_cell(index)
            if allow_errors and any(o.get("output_type") == "error" for o in cell.outputs) and (
                "raises-exception" not in cell.metadata.get("tags", [])
            ):
                break
        return run


@contextmanager
def kernel(
    env: Mapping[str, str] | None = None, *, unset: tuple[str, ...] = (), timeout: int = 1800
) -> Iterator[Kernel]:
    """A fresh ``python3`` kernel started in notebooks/: ``os.environ`` updated by ``env``, less ``unset``."""
    client = NotebookClient(
        nbformat.v4.new_notebook(),
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    full_env = dict(os.environ)
    full_env.update(env or {})
    for name in unset:
        full_env.pop(name, None)
    with client.setup_kernel(env=full_env):
        yield Kernel(client)


def cache_files(folder: Path) -> list[Path]:
    """The model (``.keras``) and array (``.npz``) files of the cache in ``folder``, oldest first."""
    files = [p for p in folder.rglob("*") if p.suffix in (".keras", ".npz") and not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, str(p)))


def entry_of(path: Path) -> tuple[Path, str]:
    """The cache entry of a member file: ``<cache>/<name>/<stem>.<member>.keras`` -> ``(folder, stem)``."""
    return path.parent, path.name.rsplit(".", 2)[0]


def temporary_files(folder: Path) -> list[Path]:
    """Temporary files of ``lessons_lib.files.atomic_write`` under ``folder`` (none may survive a run)."""
    from lessons_lib.files import TEMPORARY_MARK

    return sorted(p for p in folder.rglob(".*") if TEMPORARY_MARK in p.name)


def run_make_student(output_dir: Path, *notebooks: Path, process: bool = False) -> str:
    """Run scripts/make_student.py as `make student` does, from the folder above ``output_dir``; its output.

    In this process by default (its ``main`` with the same arguments: importing nbformat costs a new
    process seconds), or as a separate process with ``process=True``.
    """
    argv = ["--output-dir", str(output_dir), *map(str, notebooks)]
    if process:
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "make_student.py"), *argv],
            capture_output=True, text=True, cwd=output_dir.parent,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout
    import make_student  # scripts/ (pytest's pythonpath)

    here, output = Path.cwd(), io.StringIO()
    os.chdir(output_dir.parent)
    try:
        with contextlib.redirect_stdout(output):
            assert make_student.main(argv) == 0
    finally:
        os.chdir(here)
    return output.getvalue()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_server(process: subprocess.Popen, timeout: float) -> None:
    """Stop a server started with ``start_new_session=True`` and its children: SIGTERM, then SIGKILL."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
