"""`make slides`: one reveal.js deck per lesson that an instructor can open without a network.

The decks are built from the committed notebooks into a temporary folder and read back: each has
one section per ``slide`` cell (with its ``subslide`` sections inside), every shown cell, the
speaker notes in reveal's notes, none of the skipped cells, and loads nothing from the network.
The missing-file check sees what a browser would miss (the fonts that stylesheets and MathJax load
too), and an interrupted asset copy (Ctrl-C during `make slides`) leaves the existing decks whole.
Opening a deck in Chromium with the network refused is part of the browser tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import make_slides  # scripts/ (pytest's pythonpath)
import nbformat
import offline_html
import pytest
from bs4 import BeautifulSoup
from nbtools import NOTEBOOKS


def _cell(kind: str, source: str, slide_type: str | None):
    cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
    if slide_type is not None:
        cell.metadata["slideshow"] = {"slide_type": slide_type}
    return cell


def _tiny(path: Path, *, broken: bool = False) -> Path:
    cells = [
        _cell("md", "# Tiny lesson\n\nIt models $p(x)$.", "slide"),
        _cell("code", "PROFILE = None", "skip"),
        _cell("md", "## First idea", "slide"),
        _cell("code", "print(1 + 1)", "-"),
        _cell("md", "**Speaker notes:** ask what 1 + 1 is first.", "notes"),
        _cell("md", "### A detail", "subslide"),
        _cell("md", "revealed on a key press", "fragment"),
        _cell("md", "## Second idea", None if broken else "slide"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, path)
    return path


def _check_deck(deck: Path, notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    soup = BeautifulSoup(deck.read_text(encoding="utf-8"), "html.parser")
    types = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]

    top = soup.select("div.reveal > div.slides > section")
    expected_slides = types.count("slide") + (types[0] != "slide")
    assert len(top) == expected_slides, f"{deck.name}: {len(top)} slides, expected {expected_slides}"
    inner = soup.select("div.reveal > div.slides > section > section")
    # every slide holds its first vertical section plus one per subslide
    assert len(inner) == expected_slides + types.count("subslide")
    assert len(soup.select("div.reveal .fragment")) >= types.count("fragment")

    for index, (cell, slide_type) in enumerate(zip(nb.cells, types, strict=True)):
        anchor = soup.find(id=f"cell-id={cell.id}")
        if slide_type == "skip":
            assert anchor is None, f"{deck.name}: skipped cell {index} is in the deck"
            continue
        assert anchor is not None, f"{deck.name}: cell {index} ({slide_type}) is missing"
        in_notes = anchor.find_parent("aside", class_="notes") is not None
        assert in_notes == (slide_type == "notes"), f"{deck.name}: cell {index} ({slide_type}) misplaced"
    assert types.count("notes") >= 1, f"{notebook.name} has no speaker notes"
    assert len(soup.select("aside.notes")) >= 1

    html = deck.read_text(encoding="utf-8")
    assert offline_html.remote_urls(html) == []
    for tag in soup.find_all(["script", "link", "img", "iframe"]):
        for attribute in ("src", "href"):
            value = tag.get(attribute) or ""
            assert not value.startswith(("http:", "https:", "//")), f"{deck.name} loads {value}"
    assert offline_html.missing_local_files(html, deck.parent) == []
    assert 'src="reveal.js/dist/reveal.js"' in html or '"reveal.js/dist/reveal.js"' in html


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
@pytest.mark.slow
def test_each_lesson_has_a_deck_with_its_slides_and_notes_and_no_remote_script(decks, notebook):
    deck = decks / f"{notebook.stem}.slides.html"
    assert deck.is_file()
    _check_deck(deck, notebook)


@pytest.mark.slow
def test_the_decks_folder_holds_reveal_and_the_scripts_it_needs(decks):
    for relative in (
        "reveal.js/dist/reveal.js", "reveal.js/dist/reveal.css", "reveal.js/dist/theme/white.css",
        "reveal.js/plugin/notes/notes.js", "vendor/requirejs/require.js", "vendor/mathjax/tex-chtml.js",
        "vendor/html-manager/embed-amd.js",
    ):
        assert (decks / relative).is_file(), relative
    version = (decks / "reveal.js" / "dist" / "reveal.js").read_text(encoding="utf-8")[:400]
    assert "reveal.js 4." in version, "nbconvert's reveal template is written for reveal.js 4.x"


def test_a_tiny_deck_is_cut_where_its_metadata_says(tmp_path):
    notebook = _tiny(tmp_path / "01_tiny.ipynb")
    assert make_slides.main(["--output-dir", str(tmp_path / "out"), str(notebook)]) == 0
    _check_deck(tmp_path / "out" / "01_tiny.slides.html", notebook)
    soup = BeautifulSoup((tmp_path / "out" / "01_tiny.slides.html").read_text(), "html.parser")
    assert "ask what 1 + 1 is first" in soup.select_one("aside.notes").get_text()
    assert "PROFILE" not in soup.select_one("div.slides").get_text()


def test_a_cell_without_slide_metadata_is_named_and_nothing_is_written(tmp_path, capsys):
    notebook = _tiny(tmp_path / "01_tiny.ipynb", broken=True)
    assert make_slides.main(["--output-dir", str(tmp_path / "out"), str(notebook)]) == 1
    error = capsys.readouterr().err
    assert "01_tiny.ipynb: cell 7" in error and "slide_type=None" in error
    assert not (tmp_path / "out" / "01_tiny.slides.html").exists()


def test_missing_assets_say_how_to_get_them(tmp_path):
    with pytest.raises(offline_html.MissingAssetsError, match="npm ci"):
        offline_html.copy_assets(tmp_path / "out", node_modules=tmp_path / "no_node_modules")


def test_remote_urls_are_found_in_every_way_a_page_loads_them():
    page = """<script src="https://cdn.example/x.js"></script><link href="//cdn.example/a.css" rel=stylesheet>
    <script type="module">import m from 'https://cdn.example/m.mjs';</script>
    <style>@import url("http://fonts.example/f.css");</style>
    <script src="vendor/requirejs/require.js"></script>"""
    assert offline_html.remote_urls(page) == [
        "https://cdn.example/x.js", "//cdn.example/a.css", "https://cdn.example/m.mjs", "http://fonts.example/f.css",
    ]


def test_the_check_sees_the_fonts_a_browser_would_miss(tmp_path):
    notebook = _tiny(tmp_path / "01_tiny.ipynb")
    out = tmp_path / "out"
    assert make_slides.main(["--output-dir", str(out), str(notebook)]) == 0
    html = (out / "01_tiny.slides.html").read_text(encoding="utf-8")
    assert offline_html.missing_local_files(html, out) == []
    gone = [
        "vendor/mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",  # loaded by tex-chtml.js
        "reveal.js/dist/theme/fonts/source-sans-pro/source-sans-pro-regular.woff",  # by the theme's CSS
        "reveal.js/dist/theme/fonts/source-sans-pro/source-sans-pro.css",  # imported by white.css
        "reveal.js/plugin/notes/notes.js",  # a module require() loads
    ]
    for relative in gone:
        (out / relative).unlink()
    missing = offline_html.missing_local_files(html, out)
    # (the woff is found only through the stylesheet that loads it, and that one is gone too)
    assert sorted(missing) == sorted([gone[0], gone[2], gone[3]])


def test_every_local_file_a_page_loads_is_checked(tmp_path):
    (tmp_path / "style.css").write_text("@font-face { src: url('fonts/f.woff2') format('woff2'); }")
    page = """<link rel="stylesheet" href="style.css"><img src="figures/a.png" alt="">
    <style>body { background: url(img/back.png); } .x { background: url(data:image/png;base64,AAAA); }</style>
    <a href="elsewhere.html">a link is not loaded</a><img src="data:image/png;base64,AAAA">"""
    missing = offline_html.missing_local_files(page, tmp_path)
    assert missing == ["figures/a.png", "img/back.png", "fonts/f.woff2"]


def _tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative posix name -> content)."""
    found = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in found}


def test_an_interrupted_asset_copy_leaves_the_decks_whole(tmp_path, monkeypatch):
    notebook = _tiny(tmp_path / "01_tiny.ipynb")
    out = tmp_path / "out"
    assert make_slides.main(["--output-dir", str(out), str(notebook)]) == 0
    deck = (out / "01_tiny.slides.html").read_text(encoding="utf-8")
    mathjax = out / "vendor" / "mathjax"
    (mathjax / "latest.js").unlink()
    for old in [p for p in mathjax.rglob("*") if p.is_file()]:  # an older MathJax: no file as in node_modules
        old.write_bytes(b"/* an older MathJax */\n" + old.read_bytes())
    before = _tree_bytes(out)

    real_copyfile = shutil.copyfile
    copied: list[str] = []

    def ctrl_c_part_way_through_mathjax(src, dst, *args, **kwargs):
        if "mathjax/es5" in Path(src).as_posix():  # node_modules/mathjax/es5/...: MathJax itself
            if len(copied) == 20:
                raise KeyboardInterrupt  # what Ctrl-C raises in the middle of the copy
            copied.append(Path(src).name)
        return real_copyfile(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", ctrl_c_part_way_through_mathjax)
    with pytest.raises(KeyboardInterrupt):
        offline_html.copy_assets(out)
    monkeypatch.undo()

    assert len(copied) == 20, "the interruption must come after part of the new copy was written"
    after = _tree_bytes(out)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert changed == [], f"the interrupted copy changed the existing folder: {changed[:5]}"
    assert offline_html.missing_local_files(deck, out) == [], "the existing deck lost files it loads"
    leftovers = [p.relative_to(out).as_posix() for p in out.rglob(".*")]
    assert leftovers == [], f"the interrupted copy left {leftovers}"

    assert make_slides.main(["--output-dir", str(out), str(notebook)]) == 0  # the next run repairs the copy
    assert (mathjax / "latest.js").is_file()
    assert _tree_bytes(mathjax) == _tree_bytes(offline_html.NODE_MODULES / "mathjax" / "es5")


def test_make_slides_reports_a_deck_in_its_folder_that_loads_a_missing_file(tmp_path, capsys):
    notebook = _tiny(tmp_path / "01_tiny.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    (out / "00_old.slides.html").write_text('<script src="vendor/gone/gone.js"></script>', encoding="utf-8")
    assert make_slides.main(["--output-dir", str(out), str(notebook)]) == 1
    error = capsys.readouterr().err
    assert "00_old.slides.html" in error and "vendor/gone/gone.js" in error


def test_an_interrupted_deck_write_keeps_the_old_deck_and_leaves_no_temporary(tmp_path, monkeypatch):
    notebook = _tiny(tmp_path / "01_tiny.ipynb")
    out = tmp_path / "out"
    assert make_slides.main(["--output-dir", str(out), str(notebook)]) == 0
    deck = out / "01_tiny.slides.html"
    before = deck.read_text(encoding="utf-8")
    real_write_text = Path.write_text

    def half_then_ctrl_c(self, text, *args, **kwargs):
        real_write_text(self, text[: len(text) // 2], *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", half_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        make_slides.main(["--output-dir", str(out), str(notebook)])
    monkeypatch.undo()
    assert deck.read_text(encoding="utf-8") == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
