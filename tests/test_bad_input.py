"""Bad input to lessons_lib: a clear error naming the argument and the expected value (issue 6, point 5).

Each module's bad-input tests sit in that module's test file (``tests/test_data.py``,
``tests/test_checks.py``, ``tests/test_widgets.py``, ...). This file keeps the walker that fails
when no test file calls a public lessons_lib function or class inside ``pytest.raises``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import lessons_lib

TESTS = Path(__file__).resolve().parent

pytestmark = pytest.mark.usefixtures("isolated_cache")  # tests/conftest.py


# ---- every public function has a bad-input test ----------------------------------------------

#: Public names that take no input a student could get wrong.
NO_INPUT = {
    "lessons_lib.cache.cache_dir": "no arguments",
    "lessons_lib.cache.forget_memory": "no arguments",
    "lessons_lib.data.MnistFileError": "the error class itself",
    "lessons_lib.data.loaded_mnist_digest": "no arguments",
    "lessons_lib.metrics.build_digit_classifier": "no arguments",
    "lessons_lib.metrics.classifier_code_digest": "no arguments",
    "lessons_lib.cache.Trained": "a result record that lessons_lib fills in, not built by students",
    "lessons_lib.cache.Entry": "a location record that cache.entry() returns, not built by students",
    "lessons_lib.vae_explorer.VAEScores": "a result record that VAEExplorer fills in, not built by students",
    "lessons_lib.explorer.ExplorerBase": "the base class of the explorers; students use its subclasses",
    "lessons_lib.tf_warnings.short_warning": "called by Python's warnings machinery with its own arguments",
    "lessons_lib.tf_warnings.send_tensorflow_warnings_to_stderr": "no arguments",
}


def _public_names() -> dict[str, str]:
    names = {}
    for info in pkgutil.iter_modules(lessons_lib.__path__):
        module = importlib.import_module(f"lessons_lib.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if obj.__module__ == module.__name__:
                names[f"{module.__name__}.{name}"] = name
    return names


def _is_raises_block(node: ast.AST) -> bool:
    return isinstance(node, ast.With) and any(
        isinstance(item.context_expr, ast.Call)
        and isinstance(item.context_expr.func, ast.Attribute)
        and item.context_expr.func.attr == "raises"
        for item in node.items
    )


def _names(nodes: list[ast.AST]) -> set[str]:
    found = set()
    for node in nodes:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name):
                found.add(inner.id)
            elif isinstance(inner, ast.Attribute):
                found.add(inner.attr)
    return found


def _names_used_inside_pytest_raises() -> set[str]:
    """Names used in ``with pytest.raises(...)`` blocks, and in the parametrize lists of tests that
    call a parameter inside such a block (``call()`` with ``call=lambda: f(bad)``), in every test
    file under ``tests/`` (each module's bad-input tests sit in its own test file)."""
    used: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            blocks = [node for node in ast.walk(function) if _is_raises_block(node)]
            if not blocks:
                continue
            used |= _names([stmt for block in blocks for stmt in block.body])
            used |= _names(function.decorator_list)
    return used


def test_every_public_function_has_a_bad_input_test():
    used = _names_used_inside_pytest_raises()
    public = _public_names()
    untested = {q for q, name in public.items() if name not in used and q not in NO_INPUT}
    assert sorted(untested) == [], (
        "public lessons_lib functions/classes that no test calls inside pytest.raises "
        "(add a bad-input test, or list them in NO_INPUT with the reason)"
    )
    assert len(public) > 30, "the walk missed lessons_lib modules"
