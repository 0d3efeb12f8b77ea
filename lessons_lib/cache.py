"""Train once, reuse afterwards: a small, safe cache for trained models and computed arrays.

Files live under one folder: ``$LESSONS_CACHE`` when set, else ``cache/`` at the top of the
repository. Each entry's file name carries its key (e.g. code size, profile and seed), so a model
trained in the ``quick`` profile is never mistaken for a ``full`` one.

Safety rules (students interrupt training and restart kernels):

- writes go to a temporary file in the same folder, then ``os.replace`` puts it in place, so an
  interrupted write never leaves a half-written entry under the real name;
- models are loaded with Keras's ``safe_mode=True`` and arrays with ``allow_pickle=False``;
- an entry that fails to load is reported on stderr, deleted and rebuilt, never used.

Used by notebooks 02 and 03 (autoencoders per code size / noise level) and 04 (GAN, classifier;
``cached_set`` for the GAN's generator, discriminator and logs, which are only valid together).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

CACHE_ENV = "LESSONS_CACHE"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.]+$")
_memory: dict[Path, Any] = {}


def cache_dir() -> Path:
    """The cache folder (created on first use): ``$LESSONS_CACHE`` or ``<repo>/cache``."""
    folder = Path(os.environ.get(CACHE_ENV) or Path(__file__).resolve().parent.parent / "cache")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def entry_path(name: str, key: Mapping[str, object], suffix: str) -> Path:
    """The file for entry ``name`` with ``key``: ``<cache>/<name>/<k1>-<v1>_<k2>-<v2>.<suffix>``."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(f"name must be letters, digits, '_' or '.', got {name!r}")
    if not isinstance(key, Mapping):
        example = "{'profile': 'quick', 'seed': 42}"
        raise TypeError(f"key must be a dict such as {example}, got {type(key).__name__}")
    parts = []
    for k, v in sorted(key.items()):
        if not _NAME_RE.match(str(k)) or not _NAME_RE.match(str(v)):
            raise ValueError(f"key entries must be letters, digits, '_' or '.', got {k!r}={v!r}")
        parts.append(f"{k}-{v}")
    stem = "_".join(parts) or "default"
    folder = cache_dir() / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{stem}.{suffix}"


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _report_corrupt(path: Path, error: BaseException) -> None:
    print(
        f"lessons_lib.cache: {path} could not be loaded ({type(error).__name__}: "
        f"{str(error).splitlines()[0][:200] if str(error) else ''}); deleting it and rebuilding.",
        file=sys.stderr,
    )
    path.unlink(missing_ok=True)


def cached_model(
    name: str,
    key: Mapping[str, object],
    train: Callable[[], Any],
    *,
    retrain: bool = False,
    custom_objects: Mapping[str, Any] | None = None,
) -> tuple[Any, bool]:
    """Return ``(model, from_cache)``: the cached Keras model for ``name``/``key``, else ``train()``'s.

    The in-memory copy is returned on a second call in the same kernel (no reload, no retraining);
    ``retrain=True`` ignores both caches and overwrites the file.
    """
    path = entry_path(name, key, "keras")
    if not retrain:
        model = _load_model(path, custom_objects)
        if model is not None:
            return model, True
    model = train()
    _check_model(model, "train")
    _atomic_write(path, model.save)
    _memory[path] = model
    return model, False


def _load_model(path: Path, custom_objects: Mapping[str, Any] | None = None) -> Any | None:
    """The model in memory or in ``path``; None when missing or corrupt (reported, deleted)."""
    if path in _memory:
        return _memory[path]
    if not path.exists():
        return None
    import keras

    try:
        model = keras.saving.load_model(path, safe_mode=True, custom_objects=dict(custom_objects or {}))
    except Exception as error:  # noqa: BLE001 - any load failure means: rebuild
        _report_corrupt(path, error)
        return None
    _memory[path] = model
    return model


def _check_model(model: Any, what: str) -> None:
    if not callable(getattr(model, "save", None)):
        raise TypeError(f"{what} must return a Keras model, got {type(model).__name__}")


def cached_arrays(
    name: str,
    key: Mapping[str, object],
    compute: Callable[[], Mapping[str, np.ndarray]],
    *,
    recompute: bool = False,
) -> tuple[dict[str, np.ndarray], bool]:
    """Return ``(arrays, from_cache)`` for a dict of NumPy arrays, computed once and kept as ``.npz``."""
    path = entry_path(name, key, "npz")
    if not recompute:
        loaded = _load_arrays(path)
        if loaded is not None:
            return loaded, True
    arrays = _checked_arrays(compute(), "compute")
    _write_arrays(path, arrays)
    return arrays, False


def _load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays in ``path``; None when missing or corrupt (reported, deleted)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except Exception as error:  # noqa: BLE001 - any load failure means: rebuild
        _report_corrupt(path, error)
        return None


def _checked_arrays(computed: Any, what: str) -> dict[str, np.ndarray]:
    if not isinstance(computed, Mapping):
        raise TypeError(f"{what} must return a dict of NumPy arrays, got {type(computed).__name__}")
    arrays = {k: np.asarray(v) for k, v in computed.items()}
    if any(array.dtype == object for array in arrays.values()):
        raise TypeError(f"{what} must return numeric arrays; object arrays would need pickle (never used)")
    return arrays


def _write_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)

    _atomic_write(path, write)


def cached_set(
    key: Mapping[str, object],
    build: Callable[[], Mapping[str, Any]],
    *,
    models: tuple[str, ...] = (),
    arrays: tuple[str, ...] = (),
    retrain: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Return ``(entries, from_cache)`` for entries that belong together, loaded or all rebuilt.

    Notebook 04 keeps a GAN as three entries: its generator and discriminator (``models``) and
    its training logs (``arrays``). They are only valid together, so when any one is missing or
    corrupt (reported on stderr and deleted), ``build()`` runs once and every entry is written
    again. ``build()`` returns a dict with a Keras model for each name in ``models`` and a dict
    of NumPy arrays for each name in ``arrays``. ``retrain=True`` always builds.
    """
    names = tuple(models) + tuple(arrays)
    if not names:
        raise ValueError("cached_set needs at least one name in models= or arrays=, got none")
    if len(set(names)) != len(names):
        raise ValueError(f"models and arrays must name each entry once, got {names}")
    paths = {name: entry_path(name, key, "keras") for name in models}
    paths |= {name: entry_path(name, key, "npz") for name in arrays}
    if not retrain:
        loaded: dict[str, Any] = {}
        for name in names:  # every entry is checked, so each corrupt one is reported and deleted
            entry = _load_model(paths[name]) if name in models else _load_arrays(paths[name])
            if entry is not None:
                loaded[name] = entry
        if len(loaded) == len(names):
            return loaded, True
    built = build()
    if not isinstance(built, Mapping) or set(built) != set(names):
        got = sorted(built) if isinstance(built, Mapping) else type(built).__name__
        raise TypeError(f"build must return a dict with exactly the entries {sorted(names)}, got {got}")
    entries: dict[str, Any] = {}
    for name in models:
        _check_model(built[name], f"build's {name!r}")
        entries[name] = built[name]
    for name in arrays:
        entries[name] = _checked_arrays(built[name], f"build's {name!r}")
    for name in names:  # written only once everything was built and checked
        if name in models:
            _atomic_write(paths[name], entries[name].save)
            _memory[paths[name]] = entries[name]
        else:
            _write_arrays(paths[name], entries[name])
    return entries, False


def forget_memory() -> None:
    """Drop the in-memory models (the files stay). Used by tests and by 'retrain everything'."""
    _memory.clear()
