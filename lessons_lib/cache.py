"""Train once, reuse afterwards, and never serve a stale model: the course's cache of trained models.

Files live under one folder: ``$LESSONS_CACHE`` when set, else ``cache/`` at the top of the
repository. One *entry* is everything one training run produced and that is only valid together
(a model and its training curves; a GAN's generator, discriminator and logs). Entry ``name`` with
key ``{"code_size": 32, "profile": "full", "seed": 42}`` is stored as::

    <cache>/<name>/code_size-32_profile-full_seed-42.json            the manifest, written last
    <cache>/<name>/code_size-32_profile-full_seed-42.<member>.keras   a Keras model
    <cache>/<name>/code_size-32_profile-full_seed-42.<member>.npz     a dict of NumPy arrays

A key whose name would be longer than ``MAX_STEM`` characters is stored under its beginning and a
digest of the whole key (file systems allow 255 bytes a name).

The manifest holds the fingerprint of the code and data that made the entry
(:mod:`lessons_lib.fingerprint`): when a student edits the training code, or the data differ, the
entry is not served; the cell says in one line what changed and trains again, and the new entry
replaces the old one (entries do not pile up; ``make prune-cache`` deletes files no entry uses;
delete the folder to start afresh).

Safety rules (students interrupt training, share machines, fill disks):

- every file is written to a temporary file and renamed (:func:`lessons_lib.files.atomic_write`),
  the manifest last: an interrupted save never leaves an entry that looks complete;
- files get the user's umask (an instructor's pre-filled cache is readable by everyone); an entry
  this user cannot read or replace is used when loadable, otherwise skipped with one line, and
  never deleted;
- models are loaded with Keras's ``safe_mode=True`` and arrays with ``allow_pickle=False``; a
  damaged member is reported with its real reason (empty, damaged, unreadable) and rebuilt;
- one lock file per entry: a second process (another notebook) that wants the same entry waits
  for the first, says so, and then loads what the first one saved;
- when the trained entry cannot be saved (a full disk, a read-only cache), it is kept in memory for
  this session and one line says why.

Used by notebooks 02, 03 and 05 (through :class:`ModelBank`), 04 and 06 (their GANs with
:func:`cached_set`) and :mod:`lessons_lib.metrics` (the digit classifier).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lessons_lib import files
from lessons_lib.checks import check_number, check_seed
from lessons_lib.fingerprint import changed_parts, code_fingerprint

__all__ = [
    "CACHE_ENV",
    "Entry",
    "ModelBank",
    "Trained",
    "cache_dir",
    "cached_arrays",
    "cached_model",
    "cached_set",
    "entry",
    "forget_memory",
    "is_cached",
    "prune",
]

CACHE_ENV = "LESSONS_CACHE"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.]+$")
_MEMBER_RE = re.compile(r"^[A-Za-z0-9_]+$")
#: Every line the cache prints starts with this (tests look for it).
NOTICE = "lessons_lib.cache:"


@dataclass
class _Remembered:
    fingerprint: dict[str, str]
    entries: dict[str, Any]


_memory: dict[Path, _Remembered] = {}


def cache_dir() -> Path:
    """The cache folder (created on first use): ``$LESSONS_CACHE`` or ``<repo>/cache``."""
    raw = os.environ.get(CACHE_ENV)
    folder = Path(raw).expanduser().resolve() if raw else Path(__file__).resolve().parent.parent / "cache"
    where = f"{CACHE_ENV}={raw!r} (resolved: {folder})" if raw else f"the course's cache folder {folder}"
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{where} must be a folder, but it is a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        raise NotADirectoryError(f"{where} must be a folder, but part of that path is a file") from error
    except PermissionError as error:
        raise PermissionError(f"{where} does not exist and cannot be created (permission denied)") from error
    return folder


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(f"name must be letters, digits, '_' or '.', got {name!r}")
    return name


#: The longest file-name stem of an entry: with ``.<member>.keras`` and the temporary files' suffix,
#: a name stays well under the 255 bytes of ext4, APFS and NTFS.
MAX_STEM = 160


def _stem(key: Any) -> str:
    if not isinstance(key, Mapping):
        example = "{'profile': 'quick', 'seed': 42}"
        raise TypeError(f"key must be a dict such as {example}, got {type(key).__name__}")
    parts = []
    for k, v in sorted(key.items(), key=lambda item: str(item[0])):
        if not _NAME_RE.match(str(k)) or not _NAME_RE.match(str(v)):
            raise ValueError(f"key entries must be letters, digits, '_' or '.', got {k!r}={v!r}")
        parts.append(f"{k}-{v}")
    stem = "_".join(parts) or "default"
    if len(stem) <= MAX_STEM:
        return stem
    # Most file systems allow 255 bytes a name, and the member files and temporary files add to the
    # stem: a long key keeps its beginning, readable, and a digest of the whole key.
    digest = hashlib.sha1(stem.encode()).hexdigest()[:12]
    return f"{stem[: MAX_STEM - len(digest) - 1]}_{digest}"


@dataclass(frozen=True)
class Entry:
    """Where entry ``name``/``key`` lives: its manifest, its lock and one file per member."""

    folder: Path
    stem: str

    @property
    def manifest(self) -> Path:
        return self.folder / f"{self.stem}.json"

    @property
    def lock(self) -> Path:
        return self.folder / f".{self.stem}.lock"

    def member(self, member: str, kind: str) -> Path:
        return self.folder / f"{self.stem}.{member}.{'keras' if kind == 'model' else 'npz'}"

    def exists(self) -> bool:
        return self.manifest.is_file()


def entry(name: str, key: Mapping[str, object]) -> Entry:
    """The files of entry ``name`` with ``key`` (see the module docstring); nothing is created."""
    return Entry(cache_dir() / _check_name(name), _stem(key))


def _say(text: str) -> None:
    print(f"{NOTICE} {text}", file=sys.stderr)


# -- loading ---------------------------------------------------------------------------------------


def _why_unloadable(path: Path) -> str | None:
    """A student-readable reason why ``path`` cannot be a cache file, or None when it may load."""
    if path.is_dir():
        return "it is a folder, not a file"
    if not path.exists():
        return "it is missing"
    if not os.access(path, os.R_OK):
        return "it cannot be read (permission denied)"
    if path.stat().st_size == 0:
        return "it is empty (a save that was cut off)"
    if path.suffix in (".keras", ".npz") and not zipfile.is_zipfile(path):
        return "it is damaged (not a complete archive; a save that was cut off?)"
    return None


def _load_member(path: Path, kind: str, custom_objects: Mapping[str, Any] | None) -> Any:
    if kind == "model":
        import keras

        return keras.saving.load_model(path, safe_mode=True, custom_objects=dict(custom_objects or {}))
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _read_manifest(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    reason = _why_unloadable(path)
    if reason is not None:
        return None, reason
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return None, f"it is damaged ({type(error).__name__})"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("fingerprint"), dict):
        return None, "it is damaged (no fingerprint)"
    return manifest, None


def _try_load(
    where: Entry, members: Mapping[str, str], fingerprint: Mapping[str, str], custom_objects: Any
) -> tuple[dict[str, Any] | None, str | None]:
    """``(entries, None)`` when the entry on disk is complete and current, else ``(None, why)``.

    ``why`` is None for an entry that simply is not there yet (nothing to report).
    """
    if not where.manifest.exists() and not where.manifest.is_symlink():
        return None, None
    manifest, reason = _read_manifest(where.manifest)
    if manifest is None:
        return None, f"{where.manifest} could not be loaded: {reason}"
    changed = changed_parts(manifest["fingerprint"], fingerprint)
    if changed:
        return None, f"{_list(changed)} changed since the cached model"
    loaded = {}
    for member, kind in members.items():
        path = where.member(member, kind)
        reason = _why_unloadable(path)
        if reason is None:
            try:
                loaded[member] = _load_member(path, kind, custom_objects)
                continue
            except Exception as error:  # noqa: BLE001 - any load failure means: rebuild
                first = str(error).splitlines()[0][:160] if str(error) else ""
                reason = f"it is damaged ({type(error).__name__}: {first})"
        return None, f"{path} could not be loaded: {reason}"
    return loaded, None


def _list(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# -- saving ----------------------------------------------------------------------------------------


def _writable(where: Entry, members: Mapping[str, str]) -> str | None:
    """None when this user may replace the entry's files, else why not (they are never deleted)."""
    if not os.access(where.folder, os.W_OK):
        return f"the cache folder {where.folder} is read-only for you"
    for path in [where.manifest, *(where.member(m, k) for m, k in members.items())]:
        if path.is_dir():
            return f"{path} is a folder"
        if path.exists() and not os.access(path, os.W_OK):
            return f"{path} belongs to someone else (read-only)"
    return None


def _save(
    where: Entry, members: Mapping[str, str], entries: Mapping[str, Any], fingerprint: Mapping[str, str]
) -> None:
    """Write every member, then the manifest; on failure say why (the caller keeps the entry in memory)."""
    with contextlib.suppress(OSError):
        where.folder.mkdir(parents=True, exist_ok=True)
    blocked = _writable(where, members)
    if blocked is not None:
        _say(f"{where.stem} in {where.folder.name} is not saved ({blocked}); it stays in memory for now.")
        return
    try:
        where.manifest.unlink(missing_ok=True)  # the old entry stops counting before its files change
        for member, kind in members.items():
            value = entries[member]
            if kind == "model":
                files.atomic_write(where.member(member, kind), value.save)
            else:
                files.atomic_write_npz(where.member(member, kind), value)
        manifest = {"fingerprint": dict(fingerprint), "members": dict(members)}
        files.atomic_write_text(where.manifest, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        full = error.errno == errno.ENOSPC
        hint = " - free some disk space and run the cell again to save it" if full else ""
        _say(
            f"{where.stem} in {where.folder.name} could not be saved ({reason}); it stays in memory for "
            f"this session{hint}."
        )


@contextlib.contextmanager
def _locked(where: Entry, label: str) -> Iterator[None]:
    """Hold the entry's lock file; wait (and say so) while another process holds it."""
    try:
        where.folder.mkdir(parents=True, exist_ok=True)
        handle = open(where.lock, "a+")  # noqa: SIM115 - closed below
    except OSError:  # a read-only shared cache: nothing will be written, nothing to lock
        yield
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(f"another notebook or kernel is training {label}; waiting for it, then loading its result")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # closing releases the lock


# -- the entry points ------------------------------------------------------------------------------


def _as_functions(code: Any, build: Callable[..., Any]) -> tuple[Callable[..., Any], ...]:
    if code is None:
        return (build,)
    functions = tuple(code) if isinstance(code, Sequence) and not isinstance(code, str) else (code,)
    if not functions or not all(callable(f) for f in functions):
        raise TypeError(f"code must be the notebook function(s) that build and train the entry, got {code!r}")
    return functions


def cached_set(
    name: str,
    key: Mapping[str, object],
    build: Callable[[], Mapping[str, Any]],
    *,
    models: Sequence[str] = (),
    arrays: Sequence[str] = (),
    code: Callable[..., Any] | Sequence[Callable[..., Any]] | None = None,
    retrain: bool = False,
    custom_objects: Mapping[str, Any] | None = None,
    label: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Return ``(entries, from_cache)``: entry ``name``/``key`` loaded whole, or built and saved.

    ``build()`` returns a dict with a Keras model for each name in ``models`` and a dict of NumPy
    arrays for each name in ``arrays``. ``code`` are the notebook functions whose code (and what
    they read) make the entry, fingerprinted by :func:`lessons_lib.fingerprint.code_fingerprint`
    (default: ``build`` itself): when it changed since the entry was saved, ``build()`` runs again
    and one line on stderr says what changed. The same holds when any member is missing or
    damaged (reported with its reason). ``retrain=True`` always builds. The in-memory copy is
    returned on a second call in the same process.
    """
    where = entry(name, key)
    if not callable(build):
        raise TypeError(f"build must be a callable returning the entries, got {build!r}")
    models, arrays = tuple(models), tuple(arrays)
    names = models + arrays
    if not names:
        raise ValueError("cached_set needs at least one member name in models= or arrays=, got none")
    if len(set(names)) != len(names):
        raise ValueError(f"models and arrays must name each member once, got {names}")
    bad = [member for member in names if not isinstance(member, str) or not _MEMBER_RE.match(member)]
    if bad:
        raise ValueError(f"member names must be letters, digits or '_', got {bad}")
    members = {m: "model" for m in models} | {a: "arrays" for a in arrays}
    fingerprint = code_fingerprint(*_as_functions(code, build))
    label = label or f"{name} ({where.stem})"

    if not retrain:
        remembered = _memory.get(where.manifest)
        if remembered is not None and remembered.fingerprint == fingerprint:
            return remembered.entries, True
        loaded, why = _try_load(where, members, fingerprint, custom_objects)
        if loaded is not None:
            _memory[where.manifest] = _Remembered(fingerprint, loaded)
            return loaded, True
    with _locked(where, label):
        if not retrain:  # another process may have saved it while we waited
            loaded, why = _try_load(where, members, fingerprint, custom_objects)
            if loaded is not None:
                _memory[where.manifest] = _Remembered(fingerprint, loaded)
                return loaded, True
            if why:
                _say(f"{label}: {why}: training it again.")
        for member, kind in members.items():
            files.remove_stale_temporaries(where.member(member, kind))
        files.remove_stale_temporaries(where.manifest)
        built = build()
        entries = _checked_build(built, models, arrays)
        # build() may load MNIST itself (the digit classifier does): the data it used count
        fingerprint = code_fingerprint(*_as_functions(code, build))
        _memory[where.manifest] = _Remembered(fingerprint, entries)
        _save(where, members, entries, fingerprint)
    return entries, False


def _checked_build(built: Any, models: tuple[str, ...], arrays: tuple[str, ...]) -> dict[str, Any]:
    names = set(models) | set(arrays)
    if not isinstance(built, Mapping) or set(built) != names:
        got = sorted(built) if isinstance(built, Mapping) else type(built).__name__
        raise TypeError(f"build must return a dict with exactly the entries {sorted(names)}, got {got}")
    entries: dict[str, Any] = {}
    for member in models:
        if not callable(getattr(built[member], "save", None)):
            raise TypeError(f"build's {member!r} must be a Keras model, got {type(built[member]).__name__}")
        entries[member] = built[member]
    for member in arrays:
        entries[member] = _checked_arrays(built[member], f"build's {member!r}")
    return entries


def _checked_arrays(computed: Any, what: str) -> dict[str, np.ndarray]:
    if not isinstance(computed, Mapping):
        raise TypeError(f"{what} must return a dict of NumPy arrays, got {type(computed).__name__}")
    arrays = {k: np.asarray(v) for k, v in computed.items()}
    if any(array.dtype == object for array in arrays.values()):
        raise TypeError(f"{what} must return numeric arrays; object arrays would need pickle (never used)")
    return arrays


def cached_model(
    name: str,
    key: Mapping[str, object],
    train: Callable[[], Any],
    *,
    code: Callable[..., Any] | Sequence[Callable[..., Any]] | None = None,
    retrain: bool = False,
    custom_objects: Mapping[str, Any] | None = None,
) -> tuple[Any, bool]:
    """Return ``(model, from_cache)``: :func:`cached_set` for an entry that is one Keras model."""
    if not callable(train):
        raise TypeError(f"train must be a callable returning a Keras model, got {train!r}")
    def build() -> dict[str, Any]:
        model = train()
        if not callable(getattr(model, "save", None)):
            raise TypeError(f"train must return a Keras model, got {type(model).__name__}")
        return {"model": model}

    entries, from_cache = cached_set(
        name, key, build, models=("model",),
        code=_as_functions(code, train), retrain=retrain, custom_objects=custom_objects,
    )
    return entries["model"], from_cache


def cached_arrays(
    name: str,
    key: Mapping[str, object],
    compute: Callable[[], Mapping[str, np.ndarray]],
    *,
    code: Callable[..., Any] | Sequence[Callable[..., Any]] | None = None,
    recompute: bool = False,
) -> tuple[dict[str, np.ndarray], bool]:
    """Return ``(arrays, from_cache)``: :func:`cached_set` for an entry that is one dict of arrays."""
    if not callable(compute):
        raise TypeError(f"compute must be a callable returning a dict of NumPy arrays, got {compute!r}")
    def build() -> dict[str, Any]:
        return {"arrays": _checked_arrays(compute(), "compute")}

    entries, from_cache = cached_set(
        name, key, build, arrays=("arrays",),
        code=_as_functions(code, compute), retrain=recompute,
    )
    return entries["arrays"], from_cache


def is_cached(
    name: str, key: Mapping[str, object], code: Callable[..., Any] | Sequence[Callable[..., Any]]
) -> bool:
    """True when the entry is in memory or on disk and was made by the same code and data (no load)."""
    where = entry(name, key)
    fingerprint = code_fingerprint(*_as_functions(code, code if callable(code) else lambda: None))
    remembered = _memory.get(where.manifest)
    if remembered is not None:
        return remembered.fingerprint == fingerprint
    manifest, _ = _read_manifest(where.manifest) if where.manifest.exists() else (None, None)
    return manifest is not None and not changed_parts(manifest["fingerprint"], fingerprint)


def forget_memory() -> None:
    """Drop the in-memory entries (the files stay): what a kernel restart does. Used by tests."""
    _memory.clear()


# -- one model per setting: the notebooks' model banks -----------------------------------------------


@dataclass
class Trained:
    """What :meth:`ModelBank.get` returns."""

    model: Any
    history: dict[str, list[float]]
    from_cache: bool
    seconds: float
    params: dict[str, Any] = field(default_factory=dict)


def _key_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    return str(value)


class ModelBank:
    """Models from ``train_fn(**params, callbacks=[...]) -> keras.Model``, trained once per setting.

    ``get(code_size=32)`` returns the model for that setting: from memory, else from the cache
    folder (``<cache>/<name>/code_size-32_profile-full_seed-42.*``), else by calling ``train_fn``
    (the notebook's own code) with a progress callback. The model and its training curves
    (``model.history``) are one :func:`cached_set` entry, fingerprinted by ``train_fn``'s code
    and data: an edited ``train_fn`` (or a function of the notebook it calls) trains again.

    ``trained`` lists the settings trained by this bank (not loaded), ``visits`` every ``get``:
    bookkeeping for the tests, not for the lessons.
    """

    def __init__(
        self,
        name: str,
        train_fn: Callable[..., Any],
        *,
        profile: str,
        seed: int,
        extra_key: Mapping[str, Any] | None = None,
    ) -> None:
        from lessons_lib.profiles import current_profile

        if not callable(train_fn):
            raise TypeError(f"train_fn must be callable, got {train_fn!r}")
        _check_name(name)
        current_profile(profile)  # an unknown profile is a ValueError naming the known ones
        check_seed(seed)
        if extra_key is not None and not isinstance(extra_key, Mapping):
            raise TypeError(f"extra_key must be a dict such as {{'epochs': 50}}, got {extra_key!r}")
        self.name = name
        self.train_fn = train_fn
        self.fixed_key = {"profile": profile, "seed": seed, **dict(extra_key or {})}
        self.trained: list[dict[str, Any]] = []
        self.visits: list[tuple[dict[str, Any], bool]] = []

    def key(self, **params: Any) -> dict[str, str]:
        """The cache key for ``params``: the parameters plus profile, seed and any extra entries."""
        return {k: _key_value(v) for k, v in {**params, **self.fixed_key}.items()}

    def is_cached(self, **params: Any) -> bool:
        """True when ``get(**params)`` will not train (in memory or on disk, made by today's code)."""
        return is_cached(self.name, self.key(**params), self.train_fn)

    def get(self, *, progress: Any = None, retrain: bool = False, **params: Any) -> Trained:
        """The trained model for ``params`` (see the class docstring)."""
        from lessons_lib.progress import TrainingProgress

        if not params:
            raise ValueError("get needs the setting to train or load, e.g. get(code_size=32); got none")
        if progress is not None and not isinstance(progress, TrainingProgress):
            raise TypeError(f"progress must be a TrainingProgress or None, got {type(progress).__name__}")
        label = ", ".join(f"{k} {v}" for k, v in params.items())
        callbacks = [progress.callback()] if progress is not None else []
        start = time.perf_counter()

        def train() -> dict[str, Any]:
            if progress is not None:
                progress.start(f"training {label} ...")
            model = self.train_fn(**params, callbacks=callbacks)
            logs = getattr(getattr(model, "history", None), "history", None) or {}
            return {"model": model, "history": {k: np.asarray(v, float) for k, v in logs.items()}}

        try:
            entries, from_cache = cached_set(
                self.name, self.key(**params), train, models=("model",), arrays=("history",),
                code=(self.train_fn,), retrain=retrain, label=f"{self.name} ({label})",
            )
        except BaseException:
            if progress is not None:
                progress.done(f"training {label} stopped", ok=False)
            raise
        seconds = time.perf_counter() - start
        if not from_cache:
            self.trained.append(dict(params))
        self.visits.append((dict(params), from_cache))
        if progress is not None:
            progress.done(
                f"{label}: loaded from the cache" if from_cache else f"{label}: trained in {seconds:.0f} s"
            )
        history = {k: [float(x) for x in v] for k, v in entries["history"].items()}
        model = entries["model"]
        return Trained(model, history, from_cache, seconds, dict(params))


def prune(folder: str | os.PathLike[str] | None = None, *, older_than: float = 3600.0) -> list[Path]:
    """Delete what no entry uses; return the deleted files. ``make prune-cache`` runs it.

    Deleted: member files whose entry has no manifest (an older layout of the cache, or a save that
    was cut off), and temporary files of killed saves last written more than ``older_than`` seconds
    ago. Never touched: manifests and the files they list (an entry whose code changed is replaced
    the next time its notebook trains it), lock files, anything this user cannot delete.
    """
    root = Path(folder) if folder is not None else cache_dir()
    if not root.is_dir():
        raise NotADirectoryError(f"folder must be the cache folder, got {root} (not a folder)")
    check_number(older_than, "older_than", low=0, what="number of seconds")
    now = time.time()
    removed = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in (".json", ".lock"):
            continue
        if path.name.startswith("."):  # a temporary file: stale once old enough
            unused = files.TEMPORARY_MARK in path.name and now - path.stat().st_mtime >= older_than
        else:  # <stem>.<member>.<keras|npz>
            stem = path.name.rsplit(".", 2)[0]
            unused = not (path.parent / f"{stem}.json").is_file()
        if unused:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed
