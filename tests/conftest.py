"""Fixtures shared by the test modules (one of each; a test file uses these, it does not copy them).

- ``decks``: ``make slides`` of the committed English lessons into a temporary folder
  (tests/test_slides.py); ``decks_with_korean``: the same folder with the Korean decks in ``ko/``
  (tests/browser/test_offline_pages.py).
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
    from lessons_lib import cache, data

    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    # Which MNIST this process loaded is part of every entry's fingerprint: an earlier test that loaded
    # it must not make this test's entries differ from those a fresh process (a subprocess) writes.
    monkeypatch.setattr(data, "_loaded_digest", None)
    cache.forget_memory()
    yield folder
    cache.forget_memory()


@pytest.fixture(scope="session")
def decks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The English slide decks of every lesson, as ``make slides`` writes them; yields their folder."""
    import make_slides  # scripts/ (pytest's pythonpath)
    import nbtools

    out = tmp_path_factory.mktemp("slides")
    assert nbtools.NOTEBOOKS, "no notebooks under notebooks/"
    assert make_slides.main(["--output-dir", str(out), *map(str, nbtools.NOTEBOOKS)]) == 0
    return out


@pytest.fixture(scope="session")
def decks_with_korean(decks: Path) -> Path:
    """:func:`decks` and the Korean ones in its ``ko/``, as ``make slides`` writes them."""
    import make_slides  # scripts/ (pytest's pythonpath)
    import nbtools

    assert make_slides.main(["--output-dir", str(decks / "ko"), *map(str, nbtools.KOREAN_NOTEBOOKS)]) == 0
    return decks
