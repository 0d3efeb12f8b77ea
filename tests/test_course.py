"""`make course`: run the lessons in order from fresh kernels and export offline HTML pages.

The full course takes the full profile's time, so these tests run scripts/make_course.py on small
notebooks made here (the same code path: scripts/execute_notebooks.py, then the offline HTML
exporter); `make course` itself runs it on notebooks/ in the full profile.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import make_course  # scripts/ (pytest's pythonpath)
import nbformat
import offline_html
import pytest
import sync_korean
from bs4 import BeautifulSoup


def _notebook(path: Path, *sources: str) -> Path:
    title = nbformat.v4.new_markdown_cell(f"# {path.stem}\n\nIt models $p(x)$.")
    nb = nbformat.v4.new_notebook(cells=[title])
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_course_runs_in_order_and_writes_offline_pages(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LESSONS_PROFILE", "full")  # the kernels get --profile, whatever this says
    first = _notebook(
        tmp_path / "01_first.ipynb",
        "from lessons_lib.profiles import current_profile\nprint('profile', current_profile())",
    )
    second = _notebook(
        tmp_path / "02_second.ipynb",
        "import ipywidgets\nipywidgets.IntSlider(value=3, description='size')",
    )
    # the first lesson has a Korean twin (notebooks/ko/ layout), the second not
    twin = sync_korean.initial_twin(json.loads(first.read_text(encoding="utf-8")))
    twin["cells"][0]["source"] = "# 첫 장\n\n$p(x)$를 모델링합니다."
    (tmp_path / "ko").mkdir()
    (tmp_path / "ko" / first.name).write_text(sync_korean.dumps(twin), encoding="utf-8")
    out = tmp_path / "course"
    assert make_course.main(["--profile", "quick", "--output-dir", str(out), str(first), str(second)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[1/2] 01_first.ipynb: running (quick profile)")
    assert lines[1].startswith("[1/2] 01_first.ipynb: done in ")
    assert lines[1].endswith("-> 01_first.html and ko/01_first.html")
    assert lines[2].startswith("[2/2] 02_second.ipynb: running")
    assert lines[3].startswith("[2/2] 02_second.ipynb: done in ")
    assert lines[-1].startswith("course: 2 notebook(s) in ") and "(quick profile)" in lines[-1]

    page = (out / "01_first.html").read_text(encoding="utf-8")
    assert "profile quick" in page  # executed here, in the chosen profile
    assert os.environ["LESSONS_PROFILE"] == "full", "make_course changed its own environment"
    assert offline_html.remote_urls(page) == []
    assert offline_html.missing_local_files(page, out) == []
    widgets_page = (out / "02_second.html").read_text(encoding="utf-8")
    # the slider is saved as a widget, not only as its text repr
    assert "application/vnd.jupyter.widget-state+json" in widgets_page
    assert offline_html.missing_local_files(widgets_page, out) == []
    executed = nbformat.read(out / "executed" / "01_first.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "profile quick\n"
    links = [a["href"] for a in BeautifulSoup((out / "index.html").read_text(), "html.parser").find_all("a")]
    assert links == ["01_first.html", "02_second.html"]
    korean_page = (out / "ko" / "01_first.html").read_text(encoding="utf-8")
    assert "첫 장" in korean_page and "profile quick" in korean_page  # Korean text, the run's outputs
    assert offline_html.missing_local_files(korean_page, out / "ko") == []
    korean_index = BeautifulSoup((out / "ko" / "index.html").read_text(), "html.parser")
    assert [a["href"] for a in korean_index.find_all("a")] == ["01_first.html"]
    # the lessons were not touched
    assert nbformat.read(first, as_version=4).cells[1].outputs == []


@pytest.mark.slow
def test_a_failing_lesson_stops_the_course_and_is_not_exported(tmp_path, capsys):
    good = _notebook(tmp_path / "01_good.ipynb", "print('fine')")
    bad = _notebook(tmp_path / "02_bad.ipynb", "raise RuntimeError('the lesson is broken')")
    never = _notebook(tmp_path / "03_never.ipynb", "print('never run')")
    out = tmp_path / "course"
    code = make_course.main(["--profile", "quick", "--output-dir", str(out), str(good), str(bad), str(never)])
    captured = capsys.readouterr()
    assert code == 1
    assert "[2/3] 02_bad.ipynb: FAILED" in captured.err and "the lesson is broken" in captured.err
    assert (out / "01_good.html").exists()
    assert not (out / "02_bad.html").exists() and not (out / "03_never.html").exists()
    assert "03_never" not in captured.out
    assert not list(out.glob("**/.*.tmp"))


def test_a_missing_notebook_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit):
        make_course.main(["--output-dir", str(tmp_path), str(tmp_path / "07_missing.ipynb")])
    assert "07_missing.ipynb' does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("timeout", ["0", "-5"])
def test_a_timeout_that_is_not_a_positive_int_is_named(tmp_path, capsys, timeout):
    lesson = _notebook(tmp_path / "01_first.ipynb", "x = 1")
    out = tmp_path / "course"
    with pytest.raises(SystemExit) as exit_info:
        make_course.main(["--timeout", timeout, "--output-dir", str(out), str(lesson)])
    assert exit_info.value.code == 2
    assert f"--timeout must be a positive int, got {timeout}" in capsys.readouterr().err
    assert not out.exists(), "nothing may be written before the arguments are checked"
