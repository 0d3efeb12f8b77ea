"""Run notebooks the way students do (Run All, again, Restart) and compare them the way nbval does.

Used by tests/test_reliability.py and tests/test_offline.py. Not a test module itself.

``differences`` applies nbval 0.11's rules (as configured by ``make test``): cells tagged
``nbval-ignore-output`` or ``nbval-skip``, and cells never run in the reference, are not compared;
stderr, images, widget views, metadata and execution counts are not compared; consecutive streams
are merged and ``\\r`` / ``\\b`` resolved with nbval's own ``coalesce_streams``; every string goes
through the regexes of ``nbval_sanitize.cfg``.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbval.plugin import coalesce_streams, get_sanitize_patterns

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
SANITIZE = get_sanitize_patterns((ROOT / "nbval_sanitize.cfg").read_text())
# what nbval skips (its defaults without --nbdime) plus stderr (our conftest.py)
SKIP_KEYS = {
    "metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
    "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg", "stderr",
}
UNCHECKED_TAGS = {"nbval-ignore-output", "nbval-skip"}
SAMPLE_NOTICE = "using the bundled real-MNIST sample"
CORRUPT_NOTICE = "could not be loaded"


def _sanitize(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    for regex, replace in SANITIZE:
        value = re.sub(regex, replace, value)
    return value


def _flatten(outputs: list[Any]) -> dict[str, list[Any]]:
    flat: dict[str, list[Any]] = {}
    for output in coalesce_streams(copy.deepcopy(list(outputs))):
        if output["output_type"] == "stream":
            output = {"output_type": "stream", output["name"]: output["text"]}
        for key, value in output.items():
            if key in SKIP_KEYS:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIP_KEYS:
                        flat.setdefault(mime, []).append(_sanitize(data))
            else:
                flat.setdefault(key, []).append(_sanitize(value))
    return flat


def checked_outputs(nb: nbformat.NotebookNode) -> dict[int, dict[str, list[Any]]]:
    """``{cell index: outputs as nbval compares them}`` for every code cell nbval checks."""
    checked = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or UNCHECKED_TAGS & set(cell.metadata.get("tags", [])):
            continue
        checked[index] = _flatten(cell.get("outputs", []))
    return checked


def differences(reference: nbformat.NotebookNode, run: nbformat.NotebookNode) -> list[str]:
    """One line per checked cell whose outputs differ (empty: nbval would pass)."""
    ref, got = checked_outputs(reference), checked_outputs(run)
    lines = []
    for index in sorted(ref):
        if reference.cells[index].get("execution_count") is None:
            continue  # like nbval: a cell never run in the reference is not compared
        if ref[index] != got.get(index):
            first = reference.cells[index].source.splitlines()[:1]
            lines.append(
                f"cell {index} ({first[0][:60] if first else ''!r}): expected {_short(ref[index])}, "
                f"got {_short(got.get(index))}"
            )
    return lines


def _short(outputs: Any) -> str:
    text = repr(outputs)
    return text if len(text) < 400 else text[:400] + "..."


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

    @property
    def pid(self) -> int:
        return self.client.km.provisioner.pid

    def rss(self) -> int:
        """Resident memory of the kernel process and its children, in bytes."""
        import psutil

        process = psutil.Process(self.pid)
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def run(self, code: str) -> nbformat.NotebookNode:
        """Run one extra cell (not part of the notebook) and return it with its outputs."""
        cell = nbformat.v4.new_code_cell(code)
        notebook, self.client.nb = self.client.nb, nbformat.v4.new_notebook(cells=[cell])
        try:
            self.client.execute_cell(cell, 0, store_history=False)
        finally:
            self.client.nb = notebook
        return cell

    def run_all(self, nb: nbformat.NotebookNode, *, allow_errors: bool = False) -> nbformat.NotebookNode:
        """Run every code cell of a blank copy of ``nb`` in order; return the executed copy.

        A failing cell (not tagged ``raises-exception``) raises nbclient's ``CellExecutionError``
        unless ``allow_errors``; then the run stops there, as JupyterLab's Run All does.
        """
        run = blank(nb)
        self.client.nb = run
        self.client.reset_execution_trackers()
        self.client.allow_errors = allow_errors
        for index, cell in enumerate(run.cells):
            if cell.cell_type != "code":
                continue
            self.client.execute_cell(cell, index)
            if allow_errors and any(o.get("output_type") == "error" for o in cell.outputs) and (
                "raises-exception" not in cell.metadata.get("tags", [])
            ):
                break
        return run


@contextmanager
def kernel(env: Mapping[str, str] | None = None, *, timeout: int = 1800) -> Iterator[Kernel]:
    """A fresh ``python3`` kernel started in notebooks/ with ``os.environ`` updated by ``env``."""
    client = NotebookClient(
        nbformat.v4.new_notebook(),
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    full_env = dict(os.environ)
    full_env.update(env or {})
    with client.setup_kernel(env=full_env):
        yield Kernel(client)


def cache_entries(folder: Path) -> list[Path]:
    """The entries ``lessons_lib.cache`` wrote in ``folder`` (``<name>/<key>.keras|npz``), oldest first."""
    files = [p for p in folder.glob("*/*") if p.suffix in (".keras", ".npz") and not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, str(p)))


def temporary_files(folder: Path) -> list[Path]:
    """Temporary files ``lessons_lib.cache`` writes before its atomic rename (none should survive)."""
    return sorted(p for p in folder.rglob(".*") if ".tmp" in p.name)
