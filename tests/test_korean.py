"""The Korean edition (한국어판, issue 15): one twin per English lesson, its code copied, its text Korean.

``scripts/sync_korean.py`` writes each ``notebooks/ko/NN_*.ipynb`` from the English lesson, keeping only
the Korean markdown. These tests fail when a twin is missing, when its code, outputs or cell structure
differ from the English, when a markdown cell has no Korean text, or when an English cell changed
since it was translated; and they check that the sync finds each such drift planted in a copy and
that running it twice changes nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sync_korean  # scripts/ (pytest's pythonpath)
from nbtools import KOREAN_NOTEBOOKS, NOTEBOOK_DIR, NOTEBOOKS


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_every_lesson_has_a_korean_twin_and_no_other():
    assert [p.name for p in KOREAN_NOTEBOOKS] == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("english", NOTEBOOKS, ids=lambda p: p.stem)
def test_twin_has_the_english_code_and_korean_text(english):
    english_cells, korean_cells = _cells(english), _cells(NOTEBOOK_DIR / "ko" / english.name)
    assert [c["cell_type"] for c in korean_cells] == [c["cell_type"] for c in english_cells]
    for i, (en, ko) in enumerate(zip(english_cells, korean_cells, strict=True)):
        if en["cell_type"] == "code":
            assert ko == en, f"code cell {i} (source, outputs or metadata) differs from the English lesson"
        else:
            assert sync_korean.HANGUL.search(sync_korean.source(ko)), f"markdown cell {i} has no Korean text"
            assert ko["metadata"].get("slideshow") == en["metadata"].get("slideshow"), f"cell {i}: slide type"


def test_sync_check_passes_on_the_committed_twins(capsys):
    assert sync_korean.main(["--check"]) == 0, capsys.readouterr().err


@pytest.fixture
def pair(tmp_path):
    """A copy of lesson 01 and its Korean twin, laid out as in notebooks/ (english, korean)."""
    english = tmp_path / NOTEBOOKS[0].name
    shutil.copy(NOTEBOOKS[0], english)
    (tmp_path / "ko").mkdir()
    shutil.copy(NOTEBOOK_DIR / "ko" / english.name, tmp_path / "ko" / english.name)
    return english, tmp_path / "ko" / english.name


def _edit(path: Path, change) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    change(nb["cells"])
    path.write_text(sync_korean.dumps(nb), encoding="utf-8")


def _first(cells, kind):
    return next(c for c in cells if c["cell_type"] == kind)


def test_sync_twice_changes_nothing(pair):
    english, korean = pair
    before = korean.read_bytes()
    assert sync_korean.sync(english) == [f"{english.name}: in sync"]
    assert sync_korean.sync(english) == [f"{english.name}: in sync"]
    assert korean.read_bytes() == before


def test_a_code_edit_in_english_reaches_the_twin(pair):
    english, korean = pair
    _edit(english, lambda cells: _first(cells, "code").update(source="print('edited')"))
    assert "not in sync" in " ".join(sync_korean.sync(english, mode="check"))
    sync_korean.sync(english)
    assert _first(_cells(korean), "code")["source"] == "print('edited')"
    assert sync_korean.sync(english, mode="check") == []


def test_a_code_edit_in_the_twin_is_drift_and_is_undone(pair):
    english, korean = pair
    _edit(korean, lambda cells: _first(cells, "code").update(source="print('only in Korean')"))
    assert "not in sync" in " ".join(sync_korean.sync(english, mode="check"))
    sync_korean.sync(english)
    assert _first(_cells(korean), "code") == _first(_cells(english), "code")


def test_an_added_english_cell_is_named_and_nothing_is_written(pair):
    english, korean = pair
    before = korean.read_bytes()
    _edit(english, lambda cells: cells.insert(3, {"cell_type": "markdown", "metadata": {}, "source": "New."}))
    with pytest.raises(sync_korean.DriftError, match="cell 3 is markdown in English but code in Korean"):
        sync_korean.sync(english)
    assert korean.read_bytes() == before


def test_a_changed_english_sentence_must_be_translated_again(pair):
    english, korean = pair
    _edit(english, lambda cells: _first(cells, "markdown").update(source="# A new title"))
    with pytest.raises(sync_korean.DriftError, match="markdown cell 0 changed since it was translated"):
        sync_korean.sync(english, mode="check")
    _edit(korean, lambda cells: _first(cells, "markdown").update(source="# 새 제목"))
    sync_korean.sync(english, mode="accept")
    assert sync_korean.sync(english, mode="check") == []
    assert _first(_cells(korean), "markdown")["source"] == "# 새 제목"


def test_an_untranslated_cell_is_reported(pair):
    english, korean = pair
    _edit(korean, lambda cells: _first(cells, "markdown").update(source="Still English"))
    assert sync_korean.sync(english, mode="check") == [
        f"{english.name}: markdown cell 0 has no Korean text (starts 'Still English')"
    ]


def test_a_missing_twin_is_named_and_init_writes_one_to_translate(pair):
    english, korean = pair
    korean.unlink()
    with pytest.raises(sync_korean.DriftError, match="no Korean twin at notebooks/ko/"):
        sync_korean.sync(english, mode="check")
    sync_korean.sync(english, mode="init")
    problems = sync_korean.sync(english, mode="check")
    assert problems and all("has no Korean text" in line for line in problems)


def test_make_builds_both_editions():
    """`make slides`, `make student` and `make course` work on the Korean twins too (dry run)."""
    import subprocess

    from nbtools import ROOT

    def commands(target: str) -> str:
        result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True)
        return result.stdout

    korean = " ".join(f"notebooks/ko/{p.name}" for p in NOTEBOOKS)
    assert f"--output-dir build/slides/ko {korean}" in commands("slides")
    assert f"--output-dir student/ko {korean}" in commands("student")
    assert "sync_korean.py" in commands("outputs") and "sync_korean.py" in commands("korean")
    # make course writes the Korean pages from the English run (scripts/make_course.py, tests/test_course.py)
