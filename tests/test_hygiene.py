"""Safe habits the whole course keeps (issue 6, points 7 and 8), checked on the code itself.

- no pickles: nothing passes ``allow_pickle=True``, nothing calls ``pickle.load``;
- no ``eval`` / ``exec``;
- no ``sys.path`` edits anywhere (the editable install and pytest's ``pythonpath`` setting instead);
- every Keras ``load_model`` call passes ``safe_mode=True``;
- the JupyterLab servers the course starts listen on 127.0.0.1 and keep a token;
- ruff passes over lessons_lib, tests, scripts, benchmarks and the notebooks' code cells, and
  ``make test`` runs it (dependencies pinned: tests/test_environment.py).

Scanned: lessons_lib/, scripts/, benchmarks/, tests/ (this file excepted) and every notebook's code cells.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbtools import NOTEBOOK_DIR, ROOT, SHARED_MNIST

LINTED = ["lessons_lib", "tests", "scripts", "benchmarks", "notebooks", "conftest.py"]


def _sources() -> list[tuple[str, str]]:
    found = []
    for folder in ("lessons_lib", "scripts", "benchmarks", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.resolve() != Path(__file__).resolve():
                found.append((str(path.relative_to(ROOT)), path.read_text()))
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                lines = cell.source.splitlines()
                code = "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in lines)
                found.append((f"{path.relative_to(ROOT)} cell {index}", code))
    return found


SOURCES = _sources()


def _calls(code: str):
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                yield func.id, node
            elif isinstance(func, ast.Attribute):
                yield func.attr, node


def test_the_scan_sees_the_course():
    names = {where.split(" ")[0] for where, _ in SOURCES}
    assert "lessons_lib/cache.py" in names and "lessons_lib/data.py" in names
    assert any(name.startswith("notebooks/01_") for name in names)


def test_no_pickles():
    allow = "allow_pickle" + "=True"
    offenders = [where for where, code in SOURCES if re.search(allow.replace("=", r"\s*=\s*"), code)]
    offenders += [
        where for where, code in SOURCES for name, node in _calls(code)
        if name in ("load", "loads") and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name) and node.func.value.id in ("pickle", "cloudpickle", "dill")
    ]
    assert offenders == []


def test_no_eval_or_exec():
    offenders = [
        f"{where}: {name}()" for where, code in SOURCES for name, node in _calls(code)
        if name in ("eval", "exec") and isinstance(node.func, ast.Name)
    ]
    assert offenders == []


def test_models_are_loaded_in_safe_mode():
    calls = [(where, node) for where, code in SOURCES for name, node in _calls(code) if name == "load_model"]
    assert any(where == "lessons_lib/cache.py" for where, _ in calls), "the scan missed lessons_lib.cache"
    unsafe = [
        where for where, node in calls
        if not any(k.arg == "safe_mode" and isinstance(k.value, ast.Constant) and k.value.value is True
                   for k in node.keywords)
    ]
    assert unsafe == [], f"load_model without safe_mode=True in {unsafe}"


def test_nothing_edits_sys_path():
    """lessons_lib is installed (``pip install -e .``); a script run as ``python scripts/x.py`` or
    ``python benchmarks/x.py`` has its own folder on ``sys.path``; tests/ and scripts/ are on pytest's
    ``pythonpath`` (pyproject.toml)."""
    offenders = [
        where for where, code in SOURCES
        for name, node in _calls(code)
        if name in ("insert", "append") and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "path"
        and isinstance(node.func.value.value, ast.Name) and node.func.value.value.id == "sys"
    ]
    assert offenders == []


def test_make_lab_listens_on_localhost_with_a_token():
    recipe = subprocess.run(
        ["make", "-n", "--no-print-directory", "lab"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    command = [line for line in recipe.splitlines() if "jupyter lab" in line]
    assert command, recipe
    assert "--ServerApp.ip=127.0.0.1" in command[-1]
    assert not re.search(r"token\s*=\s*(''|\"\"|\s|$)", command[-1]), "make lab disables the token"


def test_test_servers_listen_on_localhost_with_a_token():
    launchers = [
        path for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.resolve() != Path(__file__).resolve()
        and re.search(r"[\"'](lab|jupyter-lab)[\"']", path.read_text())
        and re.search(r"[\"'](make|jupyter)[\"']|bin/jupyter", path.read_text())
    ]
    assert any(path.name == "test_lab_server.py" for path in launchers), launchers
    for path in launchers:
        text = path.read_text()
        assert "127.0.0.1" in text, f"{path.name} starts JupyterLab without binding it to 127.0.0.1"
        assert "JUPYTER_TOKEN" in text, f"{path.name} starts JupyterLab without a token"
        assert not re.search(r"(ip|host)=0\.0\.0\.0|token=(''|\"\")", text), path.name


def test_ruff_passes_and_make_test_runs_it():
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ruff"), "check", *LINTED], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:]
    runner = (ROOT / "scripts" / "run_tests.sh").read_text()
    ruff_line = next(line for line in runner.splitlines() if "ruff check" in line)
    for target in ("lessons_lib", "tests", "notebooks", "benchmarks"):
        assert target in ruff_line.split(), f"make test does not lint {target}"
    assert "*.ipynb" in (ROOT / "pyproject.toml").read_text(), "ruff must include the notebooks' code cells"


def _run_tests_sh(*args: str, **env: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "run_tests.sh"), *args],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, timeout=300,
    )


def test_make_test_stops_at_once_on_the_sample_or_a_bad_data_file(tmp_path):
    """The checked outputs are the full set's: on the 10,000-digit sample nbval could only fail late."""
    offline = str(ROOT / "tests" / "offline")  # no network, so Keras cannot download MNIST
    result = _run_tests_sh(
        "-q", "tests/test_profiles.py", LESSONS_MNIST="", KERAS_HOME=str(tmp_path), PYTHONPATH=offline
    )
    assert result.returncode == 1
    assert "the full MNIST is not available (only the bundled 10,000-digit sample)" in result.stderr
    assert " passed in " not in result.stdout, "no test may run on the sample"
    result = _run_tests_sh("-q", "tests/test_profiles.py", LESSONS_MNIST=str(tmp_path / "missing.npz"))
    assert result.returncode == 1
    assert "missing.npz'" in result.stderr and "does not exist" in result.stderr
    assert "loading MNIST failed" in result.stderr


def test_make_test_reports_nothing_collected_as_a_broken_set_up():
    data = {"LESSONS_MNIST": str(SHARED_MNIST)} if SHARED_MNIST.exists() else {}
    result = _run_tests_sh("-q", "tests/test_profiles.py", "-k", "no_test_has_this_name", **data)
    if "full MNIST is not available" in result.stderr:
        pytest.skip("needs the full MNIST (LESSONS_MNIST)")
    assert result.returncode == 5
    assert "pytest collected no tests - the test set-up is broken (exit 5)" in result.stderr
