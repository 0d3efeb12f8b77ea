"""Fixtures shared by the test modules (one of each; a test file uses these, it does not copy them).

- ``isolated_cache``: the model cache (``LESSONS_CACHE``) in the test's own temporary folder and
  the in-memory copies forgotten before and after, so a test neither sees nor leaves entries.
  A module that needs it for every test writes ``pytestmark = pytest.mark.usefixtures("isolated_cache")``.

Paths (``ROOT``, the notebook list) and running notebooks live in ``tests/nbtools.py``, the nbval
rules in ``tests/nbval_plugin.py``; ``tests/`` and ``scripts/`` are importable through pytest's
``pythonpath`` setting (pyproject.toml), never through ``sys.path.insert``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture()
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty model cache for this test only (``$LESSONS_CACHE``); yields its folder."""
    from lessons_lib import cache

    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    cache.forget_memory()
    yield folder
    cache.forget_memory()
