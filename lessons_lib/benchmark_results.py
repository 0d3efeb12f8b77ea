"""Numbers a lesson quotes from a benchmark, read from the results file the benchmark wrote.

A benchmark (``benchmarks/gan.py``) measures what a notebook cannot afford to run (the lecture's
20-minute GAN run); it saves its numbers with :func:`save_results` to
``benchmarks/results/<name>.json``, which is committed. The notebook reads them with
:func:`load_results` instead of retyping them, so the text and the measurement cannot drift
apart. Every results file says where its numbers come from (its ``source`` field).

Read by notebook 04 (``gan``: the lecture's 2000-step run, the ablation and the check of the
MNIST-FID, with 100 of the lecture's digits in ``gan_lecture_samples.npz`` (:func:`load_samples`);
``gan_latent``: exercise 1's table),
notebook 05 (``vae``: its comparison over three seeds) and notebook 06 (``cgan``: its set-ups over
three seeds); written by the benchmark of the same name in ``benchmarks/`` (and ``resources``, the
notebooks' times and memory, quoted by the README).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lessons_lib.files import atomic_write_npz, atomic_write_text

__all__ = ["RESULTS_DIR", "load_results", "load_samples", "results_path", "save_results", "save_samples"]

#: Where the benchmarks' results files live (committed with the course).
RESULTS_DIR = Path(__file__).resolve().parent.parent / "benchmarks" / "results"
_NAME_RE = re.compile(r"^[a-z0-9_]+$")


def results_path(name: str) -> Path:
    """The results file of benchmark ``name``: ``benchmarks/results/<name>.json``."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(f"name must be a benchmark's name such as 'gan' (a-z, 0-9, '_'), got {name!r}")
    return RESULTS_DIR / f"{name}.json"


def load_results(name: str) -> dict[str, Any]:
    """The numbers benchmark ``name`` saved (a dict, as written by :func:`save_results`).

    A missing file raises ``FileNotFoundError`` saying which benchmark writes it; a damaged one
    ``ValueError`` naming the file.
    """
    path = results_path(name)
    if not path.is_file():
        raise FileNotFoundError(
            f"no results for benchmark {name!r}: {path} is missing (benchmarks/{name}.py writes it)"
        )
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"results file {path} is damaged (not JSON: {error})") from None
    if not isinstance(results, dict) or not isinstance(results.get("source"), str):
        raise ValueError(f"results file {path} is damaged: expected an object with a 'source' text")
    return results


def _check_value(value: Any, where: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"results keys must be str, got {key!r} in {where}")
            _check_value(item, f"{where}[{key!r}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{where}[{index}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"results must hold finite numbers, got {value} in {where}")
    elif value is not None and not isinstance(value, str | int | float):
        kind = type(value).__name__
        raise TypeError(f"results must hold str, int, float, bool, None, lists and dicts; {where} is {kind}")


def save_results(name: str, results: Mapping[str, Any]) -> Path:
    """Write ``results`` to benchmark ``name``'s results file atomically; return its path.

    ``results`` must say where its numbers come from in a ``source`` text (e.g. ``"benchmarks/gan.py
    run of 2026-11-28 05:11 UTC, 2 CPU cores"``) and hold only JSON values (convert NumPy numbers
    with ``float()``/``int()``); anything else raises before the file is touched.
    """
    path = results_path(name)
    if not isinstance(results, Mapping):
        raise TypeError(f"results must be a dict, got {type(results).__name__}")
    if not isinstance(results.get("source"), str) or not results["source"].strip():
        raise ValueError("results must say where the numbers come from: a non-empty 'source' text")
    _check_value(results, "results")
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, json.dumps(dict(results), indent=1, ensure_ascii=False) + "\n")


def _samples_path(name: str) -> Path:
    return results_path(name).with_name(f"{name}_samples.npz")


def save_samples(name: str, images: Any) -> Path:
    """Keep a benchmark's sample images, ``(n, 28, 28)`` pixels in [0, 1], as uint8 in
    ``benchmarks/results/<name>_samples.npz`` (compressed: 100 digits take about 30 KB); return the path."""
    import numpy as np

    from lessons_lib.checks import check_images01

    path = _samples_path(name)
    pixels = check_images01(images, "images", shape="digits", dtype=np.float64)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_npz(path, {"images": np.round(pixels * 255).astype(np.uint8)}, compressed=True)


def load_samples(name: str) -> Any:
    """The sample images :func:`save_samples` kept for ``name``: a uint8 array ``(n, 28, 28)``."""
    import numpy as np

    path = _samples_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"no samples for benchmark {name!r}: {path} is missing")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return archive["images"]
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(f"samples file {path} is damaged ({error})") from None
