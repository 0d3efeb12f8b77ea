"""A notebook's code, used outside the notebook without a copy: the code cells that carry a tag.

A lesson's models and training loops live in its notebook. When a benchmark or a test needs the
same code, the notebook tags those cells (cell metadata ``tags``, e.g. ``gan-fast-path``) and
:func:`load_tagged_cells` imports them as a module::

    fast = load_tagged_cells("notebooks/04_gan.ipynb", "gan-fast-path")
    gan = fast.make_fast_gan()

The tagged cells run in file order in a fresh module, and only they: everything they need from the
notebook (imports, settings such as ``BATCH_SIZE``) must be in tagged cells too, or be handed in
with ``preset=`` when it comes from a cell that cannot run outside the notebook (a set-up cell with
``%matplotlib inline``, a cell that loads the data or draws)::

    lesson = load_tagged_cells("notebooks/05_variational_autoencoder.ipynb", "vae-lesson",
                               preset={"ModelBank": ModelBank, "x_train": x_train, ...})

From such a cell, ``only=`` takes its settings or a few lines without running the rest: only the
cells' top-level assignments to the names given run (IPython magic lines are skipped)::

    settings = load_tagged_cells(notebook, "vae-settings", only=["EPOCHS"], preset={"pick": pick})

The module's file name is ``<notebook>[<tag>]`` (``<notebook>[<tag>; only <names>]`` with
``only``); tracebacks and :func:`inspect.getsource` show the cells' lines, each cell introduced by a
``# --- <notebook>, cell N ---`` line (N counts every cell of the file from 0).

The one way the course reads notebook code elsewhere. Its users:

- notebook 04 (``gan-lecture``, ``gan-fast-path``): ``benchmarks/gan.py``, ``benchmarks/gan_latent.py``,
  ``benchmarks/cgan.py`` (the fast path it compares against) and ``tests/test_distribute.py``;
- notebook 05 (``vae-lesson``; ``vae-settings`` and ``vae-sampling`` with ``only``):
  ``benchmarks/vae.py``, ``tests/test_vae_explorer.py`` and ``tests/test_benchmark_results.py``;
- notebook 06 (``cgan``): ``benchmarks/cgan.py`` and ``tests/test_benchmark_results.py``.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.util
import json
import linecache
import os
import traceback
import types
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["load_tagged_cells", "tagged_cells"]


def _read_cells(notebook: str | os.PathLike[str]) -> tuple[Path, list[dict[str, Any]]]:
    if not isinstance(notebook, str | os.PathLike):
        raise TypeError(f"notebook must be the path of an .ipynb file, got {type(notebook).__name__}")
    path = Path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"notebook {str(path)!r} does not exist (expected an .ipynb file)")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"notebook {str(path)!r} is not a Jupyter notebook (not JSON: {error})") from None
    cells = content.get("cells") if isinstance(content, dict) else None
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        raise ValueError(f"notebook {str(path)!r} is not a Jupyter notebook (no list of cells)")
    return path, cells


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def tagged_cells(notebook: str | os.PathLike[str], tag: str) -> list[tuple[int, str]]:
    """``[(cell index, source), ...]`` of the code cells of ``notebook`` that carry ``tag``, in order.

    Raises ``FileNotFoundError`` for a missing notebook, ``ValueError`` for a file that is not a
    notebook and when no code cell carries ``tag`` (the message lists the tags that exist).
    """
    if not isinstance(tag, str) or not tag.strip():
        raise TypeError(f"tag must be a non-empty str such as 'gan-fast-path', got {tag!r}")
    path, cells = _read_cells(notebook)
    found, known = [], set()
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        tags = (cell.get("metadata") or {}).get("tags") or []
        known.update(str(t) for t in tags)
        if tag in tags:
            found.append((index, _source(cell)))
    if not found:
        listed = ", ".join(repr(t) for t in sorted(known)) or "none"
        raise ValueError(f"no code cell of {path.name} carries the tag {tag!r}; tags in use: {listed}")
    return found


class _CellsLoader(importlib.abc.InspectLoader):
    """Imports the joined cells like a module file (``inspect.getsource`` and tracebacks see them)."""

    def __init__(self, filename: str, source: str) -> None:
        self.filename, self.source = filename, source

    def get_source(self, fullname: str) -> str:
        return self.source

    def get_code(self, fullname: str) -> types.CodeType:
        return compile(self.source, self.filename, "exec", dont_inherit=True)


def _cell_at(line: int, starts: list[tuple[int, int]]) -> int:
    """The index of the cell whose code holds ``line`` of the joined source."""
    return next((index for index, start in reversed(starts) if start <= line), starts[0][0])


def _checked_preset(preset: Any) -> dict[str, Any]:
    if preset is None:
        return {}
    if not isinstance(preset, Mapping):
        kind = type(preset).__name__
        raise TypeError(f"preset must be a dict of names such as {{'x_train': x_train}}, got {kind}")
    for name in preset:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"preset's keys must be Python names such as 'x_train', got {name!r}")
    return dict(preset)


def _checked_only(only: Any) -> tuple[str, ...] | None:
    if only is None:
        return None
    if isinstance(only, str) or not isinstance(only, Iterable):
        raise TypeError(f"only must be a list of names such as ['EPOCHS'], got {only!r}")
    names = tuple(only)
    if not names or not all(isinstance(name, str) and name.isidentifier() for name in names):
        raise ValueError(f"only must be a non-empty list of Python names such as ['EPOCHS'], got {only!r}")
    return names


def _target_names(target: ast.expr) -> set[str]:
    """The names an assignment target sets: ``A``, ``(A, B)``, ``[A, *REST]``, nested ones; not ``a.b``."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return set().union(*(_target_names(element) for element in target.elts))
    return set()


def _assignments(source: str, names: set[str]) -> tuple[str, set[str]]:
    """The statements of ``source``'s top-level assignments to any of ``names``, and the names they set.

    The cell is first made plain Python the way IPython does (magic and shell lines become
    ``get_ipython()`` calls, which are not assignments and so never run here); raises SyntaxError
    when it is not Python then.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell(source)
    kept, assigned = [], set()
    for node in ast.parse(python).body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        sets = set().union(*(_target_names(target) for target in targets))
        if sets & names:
            segment = ast.get_source_segment(python, node)
            assert segment is not None
            kept.append(segment + "\n")
            assigned |= sets
    return "".join(kept), assigned


def load_tagged_cells(
    notebook: str | os.PathLike[str],
    tag: str,
    *,
    preset: Mapping[str, Any] | None = None,
    only: Iterable[str] | None = None,
) -> types.ModuleType:
    """Import the code cells of ``notebook`` tagged ``tag`` as a new module and return the module.

    Each call gives a fresh module (its own random generators, its own state), not put in
    ``sys.modules``. A cell that is not plain Python (an IPython ``%magic`` or ``!shell`` line)
    raises ``ValueError`` naming the cell; an error while the cells run propagates with a note
    naming the notebook, the cell and the tag.

    ``preset``: names set in the module before the cells run (``{"x_train": x_train}``), for what
    the cells use from cells that cannot run outside the notebook; a cell may set them again.

    ``only``: run nothing of the cells but their top-level assignments (``EPOCHS = ...``,
    ``low, high = ...``) that set one of these names, in file order; magic lines are skipped, not
    refused. What those lines use must be in ``preset`` or set by an earlier of them. A name that
    no such assignment sets is a ``ValueError``.
    """
    values = _checked_preset(preset)
    names = _checked_only(only)
    cells = tagged_cells(notebook, tag)
    path = Path(notebook)
    parts, starts, next_line, assigned = [], [], 1, set()
    for index, source in cells:
        try:
            if names is not None:
                source, sets = _assignments(source, set(names))
                assigned |= sets
                if not source:
                    continue
            compile(source, f"{path}[cell {index}]", "exec", dont_inherit=True)
        except SyntaxError as error:
            why = "" if names is not None else "; tagged cells cannot use IPython magics or shell lines"
            raise ValueError(
                f"cell {index} of {path.name} (tagged {tag!r}) is not plain Python: {error.msg} "
                f"at its line {error.lineno}{why}"
            ) from None
        part = f"# --- {path.name}, cell {index} ---\n{source.rstrip()}\n\n\n"
        starts.append((index, next_line))
        parts.append(part)
        next_line += part.count("\n")
    if names is not None and set(names) - assigned:
        missing = ", ".join(name for name in names if name not in assigned)
        raise ValueError(f"the cells of {path.name} tagged {tag!r} assign no {missing} at their top level "
                         "(only= runs assignments such as `EPOCHS = ...`)")
    source = "".join(parts)
    filename = f"{path}[{tag}]" if names is None else f"{path}[{tag}; only {', '.join(names)}]"
    # inspect.getsource (so the cache's code fingerprint) reads the lines here; mtime None: never stale.
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    loader = _CellsLoader(filename, source)
    spec = importlib.util.spec_from_loader(f"{path.stem}[{tag}]", loader, origin=filename)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = filename
    module.__doc__ = f"The code cells of {path.name} tagged {tag!r}."
    for name, value in values.items():
        setattr(module, name, value)
    try:
        loader.exec_module(module)
    except Exception as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
        where = f"cell {_cell_at(frames[-1].lineno or 1, starts)} of " if frames else ""
        note = f"while running {where}{path.name} (the cells tagged {tag!r})"
        if isinstance(error, NameError) and names is not None:
            note += (f": with only={list(names)} just those assignments run, so what they use must be "
                     "in preset or set by an earlier of them")
        elif isinstance(error, NameError):
            note += (f": the cells tagged {tag!r} run alone, so what they use must be in tagged cells too "
                     "(or handed in with preset=)")
        error.add_note(note)
        raise
    return module
