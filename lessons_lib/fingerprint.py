"""What a cached model was made from: a fingerprint of the notebook code and data behind it.

A student edits ``build_autoencoder`` and runs the cell again: the model must be trained again,
not loaded from the cache. :func:`code_fingerprint` therefore describes a training function by

- its source text (and default arguments), and that of every function or class *of the same
  notebook* (the same module) that it calls, followed recursively;
- the values of the notebook's plain settings it reads (``EPOCHS = 50``, ``SEED``, strings, tuples);
- a digest of the NumPy arrays it reads (``x_train``: other data, another model);
- the MNIST the course loaded in this process (:func:`lessons_lib.data.loaded_mnist_digest`), so a
  model trained offline on the bundled sample is never served for the full set.

Library code (Keras, ``lessons_lib``) is not part of it: after a library update a maintainer
deletes the cache folder (``make prune-cache`` would not: it keeps every trained model). The result
is a dict ``{part: digest}``; the cache stores it beside the model, and :func:`changed_parts` names
what differs, so a cell can say *why* it trains again.

Used through :mod:`lessons_lib.cache` by every lesson that trains (02-06).
"""

from __future__ import annotations

import dis
import functools
import hashlib
import inspect
import types
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["DATA_PART", "array_digest", "changed_parts", "code_fingerprint"]

#: The part of a fingerprint that stands for the MNIST loaded by :mod:`lessons_lib.data`.
DATA_PART = "MNIST data"
_PLAIN = (bool, int, float, complex, str, bytes, type(None), np.integer, np.floating, np.bool_)
_array_digests: dict[tuple[int, int, tuple[int, ...], str], tuple[str, str]] = {}


def _digest(*pieces: object) -> str:
    hasher = hashlib.sha256()
    for piece in pieces:
        hasher.update(piece if isinstance(piece, bytes) else repr(piece).encode())
        hasher.update(b"\0")
    return hasher.hexdigest()[:16]


def array_digest(array: np.ndarray) -> str:
    """A digest of an array's shape, dtype and bytes (remembered per array object, re-checked cheaply)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"array must be a NumPy array, got {type(array).__name__}")
    flat = array.reshape(-1)
    probe = _digest(flat[:: max(1, flat.size // 4096)].tobytes()) if flat.size else "empty"
    memo_key = (id(array), array.__array_interface__["data"][0], array.shape, array.dtype.str)
    known = _array_digests.get(memo_key)
    if known is not None and known[0] == probe:
        return known[1]
    full = _digest(array.shape, array.dtype.str, np.ascontiguousarray(array).tobytes())
    if len(_array_digests) > 64:
        _array_digests.clear()
    _array_digests[memo_key] = (probe, full)
    return full


def _plain_value(value: Any, depth: int = 0) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if depth > 3:
        return False
    if isinstance(value, tuple | frozenset) and len(value) <= 256:  # immutable only: a list that
        return all(_plain_value(item, depth + 1) for item in value)  # the code appends to is no setting
    return False


def _source(function: types.FunctionType) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):  # no source file (e.g. exec'd code): the compiled code stands in
        code = function.__code__
        return repr((code.co_code, code.co_consts, code.co_names))


def _global_names(code: types.CodeType) -> set[str]:
    """The global names ``code`` (and the functions nested in it) reads: not attribute names such
    as the ``mean`` of ``ops.mean``, which ``co_names`` lists too."""
    names = {
        instruction.argval
        for instruction in dis.get_instructions(code)
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME")
    }
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


class _Walker:
    def __init__(self, home: str) -> None:
        self.home = home
        self.parts: dict[str, str] = {}
        self.seen: set[int] = set()

    def value(self, name: str, value: Any) -> None:
        """Record what a function reads under ``name``: notebook code, a setting or an array."""
        if isinstance(value, np.ndarray):
            self.parts[name] = "array " + array_digest(value)
        elif _plain_value(value):
            self.parts[name] = _digest(value)
        elif getattr(value, "__module__", None) == self.home and callable(value):
            self.code(value)
        elif isinstance(value, functools.partial | types.MethodType):
            self.code(value)

    def code(self, obj: Any) -> None:
        if id(obj) in self.seen:
            return
        self.seen.add(id(obj))
        if isinstance(obj, functools.partial):
            self.code(obj.func)
            name = getattr(obj.func, "__qualname__", repr(obj.func))
            for index, arg in enumerate(obj.args):
                self.value(f"{name} argument {index}", arg)
            for key, arg in obj.keywords.items():
                self.value(f"{name} argument {key}", arg)
        elif isinstance(obj, types.MethodType):
            self.code(obj.__func__)
        elif isinstance(obj, types.FunctionType):
            self._function(obj)
        elif isinstance(obj, type):
            for attribute in vars(obj).values():
                target = getattr(attribute, "__func__", attribute)
                if isinstance(target, types.FunctionType):
                    self._function(target)

    def _function(self, function: types.FunctionType) -> None:
        if function.__module__ != self.home:
            return
        self.seen.add(id(function))
        defaults = (function.__defaults__, sorted((function.__kwdefaults__ or {}).items()))
        plain_defaults = defaults if _plain_value(defaults) else None
        self.parts[function.__qualname__] = _digest(_source(function), plain_defaults)
        for value in [*(function.__defaults__ or ()), *(function.__kwdefaults__ or {}).values()]:
            if isinstance(value, np.ndarray):
                self.value(f"{function.__qualname__} default", value)
        cells = function.__closure__ or ()
        for name, cell in zip(function.__code__.co_freevars, cells, strict=True):
            try:
                self.value(name, cell.cell_contents)
            except ValueError:  # an empty cell (a name assigned later)
                continue
        namespace = function.__globals__
        for name in sorted(_global_names(function.__code__)):
            if name in namespace:
                self.value(name, namespace[name])


def _home(function: Any) -> str:
    while isinstance(function, functools.partial | types.MethodType):
        function = function.func if isinstance(function, functools.partial) else function.__func__
    return getattr(function, "__module__", None) or "__main__"


def code_fingerprint(*functions: Callable[..., Any]) -> dict[str, str]:
    """``{part: digest}`` for the code and data behind ``functions`` (see the module docstring)."""
    if not functions:
        raise ValueError("code_fingerprint needs a function, e.g. code_fingerprint(train_model); got none")
    walker: _Walker | None = None
    for function in functions:
        if not callable(function):
            raise TypeError(f"functions must be the notebook's build/train functions, got {function!r}")
        walker = walker or _Walker(_home(function))
        walker.home = _home(function)
        walker.code(function)
    assert walker is not None
    from lessons_lib.data import loaded_mnist_digest

    loaded = loaded_mnist_digest()
    if loaded is not None:
        walker.parts[DATA_PART] = loaded
    return dict(sorted(walker.parts.items()))


def changed_parts(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """The names of the parts that differ between two fingerprints (added, removed or changed)."""
    for name, fingerprint in (("old", old), ("new", new)):
        if not isinstance(fingerprint, Mapping):
            kind = type(fingerprint).__name__
            raise TypeError(f"{name} must be a fingerprint dict from code_fingerprint, got {kind}")
    return sorted(name for name in set(old) | set(new) if old.get(name) != new.get(name))
