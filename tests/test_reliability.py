"""What students do to notebooks (issue 6, 1/2/4; issue 10): where each property is tested, and that it is.

Each property is checked for every notebook in ``make test``, in as few kernel runs as possible:

- **Run All twice in one kernel gives the committed checked outputs** (quick profile): nbval's run,
  then ``--run-all-twice`` (tests/nbval_plugin.py) runs every cell again in nbval's kernel and
  nbval compares it under the same rules; no second training, the first Run All is nbval's.
- **Memory does not grow** on the second Run All: same plugin, same kernel.
- **The sliders of 02 and 03 and 03's "train at this level" button** (driven from their explorer
  objects: the readout follows, nothing retrained, bad values refused): same plugin, same kernel,
  after the second Run All.
- **Offline on the bundled sample**, **damaged entries reported and rebuilt**, **an interrupted
  save leaves no entry and no temporary file**, **nothing written outside cache/ and build/**:
  tests/test_offline.py, one kernel per notebook in the ``smoke`` profile.

This module checks that these checks are in place: ``make test`` passes the option, the probes'
notebooks define what the probes use, and the plugin masks what it should, ignores stderr and
fails a notebook whose second run differs.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import nbformat
import nbtools
import nbval_plugin
import pytest


def test_make_test_runs_every_notebook_twice_under_nbval():
    recipe = subprocess.run(
        ["make", "-n", "--no-print-directory", "test"], cwd=nbtools.ROOT, capture_output=True, text=True,
        check=True,
    ).stdout
    command = next(line for line in recipe.splitlines() if "run_tests.sh" in line)
    assert "--nbval " in command and nbval_plugin.OPTION in command.split(), command
    for notebook in nbtools.NOTEBOOKS:
        assert str(notebook.relative_to(nbtools.ROOT)) in command.split(), f"{notebook.name} is not run"


def _top_level_names(notebook) -> set[str]:
    """Names a notebook's code cells bind at top level (assignments, definitions, imports)."""
    names: set[str] = set()
    for cell in nbtools.read(notebook).cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        code = "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in lines)
        for node in ast.parse(code).body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


@pytest.mark.parametrize("stem", sorted(nbval_plugin.PROBES))
def test_each_probe_uses_names_its_notebook_defines(stem):
    notebook = nbtools.NOTEBOOK_DIR / f"{stem}.ipynb"
    assert notebook.is_file(), f"a probe of tests/nbval_plugin.py names {notebook.name}, which is gone"
    missing = set(nbval_plugin.PROBES[stem].names) - _top_level_names(notebook)
    assert not missing, f"{notebook.name} no longer defines {sorted(missing)} (tests/nbval_plugin.py)"


def _notebook(path, *cells: tuple[str, list]) -> None:
    """A notebook whose cells hold ``source`` and the given committed outputs."""
    nb = nbformat.v4.new_notebook()
    for count, (source, outputs) in enumerate(cells, 1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        cell.outputs = outputs
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _stdout(text: str):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


@pytest.mark.slow
def test_the_plugin_masks_skips_stderr_and_fails_a_second_run_that_differs(tmp_path):
    masked = (
        "import sys, time\nprint(f'<object at {hex(id(object()))}> 3/3 - 0s {time.time_ns() % 97}ms/step')\n"
        "print('a warning that varies', time.time_ns(), file=sys.stderr)",
        [_stdout("<object at 0x7f0000000000> 3/3 - 0s 12ms/step\n"),
         nbformat.v4.new_output("stream", name="stderr", text="a warning\n")],
    )
    # committed in two stream outputs, as a kernel sends lines printed some time apart:
    # nbval merges them in place, so a second comparison must not see the second line twice
    split = ("print('one')\nimport time; time.sleep(0.2)\nprint('two')", [_stdout("one\n"), _stdout("two\n")])
    _notebook(tmp_path / "01_same.ipynb", ("x = 2\nprint(x * 21)", [_stdout("42\n")]), masked, split)
    _notebook(
        tmp_path / "02_counts.ipynb",
        ("counter = globals().get('counter', 0) + 1\nprint(counter)", [_stdout("1\n")]),
    )
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-c", "pyproject.toml", "-p", "no:cacheprovider",
            "-p", "nbval_plugin", "-q", "-rA", "--nbval", "--nbval-current-env", nbval_plugin.OPTION,
            str(tmp_path),
        ],
        cwd=nbtools.ROOT, capture_output=True, text=True, timeout=300,
    )
    report = result.stdout
    for passed in ("01_same.ipynb::Cell 1", "01_same.ipynb::Run All again: Cell 0",
                   "01_same.ipynb::Run All again: Cell 1", "01_same.ipynb::Run All again: Cell 2",
                   "01_same.ipynb::Run All again: memory after",
                   "02_counts.ipynb::Cell 0"):
        assert re.search(rf"PASSED \S*{re.escape(passed)}$", report, re.MULTILINE), report[-3000:]
    assert re.search(r"FAILED \S*02_counts.ipynb::Run All again: Cell 0", report), report[-3000:]
    assert result.returncode == 1
