"""scripts/execute_notebooks.py (`make outputs`): the saved outputs carry no TensorFlow start-up noise
and no path of the machine that made them."""

from __future__ import annotations

import re

import nbformat
import pytest
from execute_notebooks import (  # in scripts/
    ROOT,
    TF_STARTUP_LINE,
    execute,
    hide_machine_paths,
    strip_tensorflow_startup_lines,
)
from nbtools import NOTEBOOKS

STARTUP = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    "I0000 00:00:1795887583.838258   20707 port.cc:153] oneDNN custom operations are on.\n"
    "E0000 00:00:1795887585.353706   20707 cuda_executor.cc:1228] failed call to cuInit: INTERNAL\n"
)


def _notebook(*stderr_texts: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("import keras")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=t) for t in stderr_texts]
    cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text="I0000 printed on purpose\n"))
    return nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("text")])


def test_startup_lines_go_and_other_stderr_stays():
    warning = "dense.py:107: UserWarning: Do not pass an `input_shape` argument to a layer.\n"
    nb = _notebook(STARTUP, STARTUP + warning)
    assert strip_tensorflow_startup_lines(nb) == 6
    outputs = nb.cells[0].outputs
    expected = [("stderr", warning), ("stdout", "I0000 printed on purpose\n")]
    assert [(o.name, o.text) for o in outputs] == expected


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_hold_no_tensorflow_startup_lines(notebook):
    nb = nbformat.read(notebook, as_version=4)
    noisy = [
        (index, line)
        for index, cell in enumerate(nb.cells)
        for output in cell.get("outputs", [])
        if output.get("name") == "stderr"
        for line in output["text"].splitlines()
        if TF_STARTUP_LINE.match(line)
    ]
    assert noisy == [], f"regenerate with `make outputs`: {noisy[:3]}"


def test_an_unknown_profile_is_refused_before_a_kernel_starts(tmp_path):
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), path)
    with pytest.raises(ValueError, match=r"^profile='fast' is not a known profile; expected one of full"):
        execute(path, profile="fast")


def test_machine_paths_leave_warnings_tracebacks_and_results():
    import sys

    venv_file = f"{ROOT}/.venv/lib/python3.11/site-packages/keras/src/layers/core/dense.py"
    stdlib_file = f"{sys.base_prefix}/lib/python3.11/warnings.py"
    cell = nbformat.v4.new_code_cell("compile")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=f"{venv_file}:107: UserWarning: x\n"),
        nbformat.v4.new_output("error", ename="ValueError", evalue="admin",
                               traceback=[f"File {venv_file}:12", f"File {stdlib_file}:3"]),
        nbformat.v4.new_output("execute_result", data={"text/plain": f"'{venv_file}'"}, execution_count=1),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    assert hide_machine_paths(nb) == 2
    text = nbformat.writes(nb)
    assert str(ROOT) not in text and sys.base_prefix not in text
    assert ".venv/lib/python3.11/site-packages/keras/src/layers/core/dense.py:107" in text
    assert "<python>/lib/python3.11/warnings.py" in text


#: An absolute path into an installation: "/home/me/course/.venv/...", "/usr/lib/python3/site-packages/...".
ABSOLUTE_INSTALL_PATH = re.compile(r"(?<![\w.>])/(?:[\w.\-]+/)*(?:\.venv|site-packages|\.pyenv)/")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_show_no_machine_paths(notebook):
    nb = nbformat.read(notebook, as_version=4)
    found = [
        (index, match.group(0))
        for index, cell in enumerate(nb.cells)
        for output in cell.get("outputs", [])
        for text in _texts(output)
        for match in ABSOLUTE_INSTALL_PATH.finditer("".join(text))
    ]
    assert found == [], f"{notebook.name} shows machine paths (regenerate: `make outputs`): {found[:3]}"


def _texts(output) -> list:
    plain = output.get("data", {}).get("text/plain", "")
    return [output.get("text", ""), *output.get("traceback", []), plain]
