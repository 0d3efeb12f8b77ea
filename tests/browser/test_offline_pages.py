"""The decks from `make slides` work in Chromium with every network request refused.

Each lesson's deck is opened as a file:// page; reveal.js must start with as many slides as the
deck has sections, MathJax must typeset the formulas, the saved sliders of notebook 02 must render
as widgets, and the page must not even try to load anything that is not a local file.
The Korean decks (`make slides` -> build/slides/ko/) too, and in them the Hangul must be drawn
with real glyphs, not the empty boxes of a missing font.
Screenshots: build/screenshots/slides_NN_first.png, slides_ko_NN_first.png (the title slides),
course_page.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbtools import KOREAN_NOTEBOOKS, NOTEBOOKS

# Draws a Hangul syllable and an unassigned code point (always the missing-glyph box) with the
# page's own font: the same pixels mean the Hangul has no font either.
HANGUL_HAS_GLYPHS = """() => {
    const font = getComputedStyle(document.querySelector('.reveal .slides section')).fontFamily;
    const draw = (text) => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 64;
        const context = canvas.getContext('2d');
        context.font = `48px ${font}`;
        context.fillText(text, 4, 52);
        return Array.from(context.getImageData(0, 0, 64, 64).data).join(',');
    };
    return draw('한') !== draw('\u0378') && draw('한') !== draw(' ');
}"""


def _deck_name(notebook: Path) -> str:
    return f"ko/{notebook.stem}" if notebook.parent.name == "ko" else notebook.stem


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS + KOREAN_NOTEBOOKS,
                         ids=[_deck_name(n).replace("/", "_") for n in NOTEBOOKS + KOREAN_NOTEBOOKS])
def test_deck_runs_offline(browser, decks_with_korean, screenshots, notebook):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    outside, errors = [], []

    def route(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto((decks_with_korean / f"{_deck_name(notebook)}.slides.html").as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
        sections = page.locator("div.slides > section").count()
        assert page.evaluate("Reveal.getHorizontalSlides().length") == sections > 1
        nb = nbformat.read(notebook, as_version=4)
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        if re.search(r"\$[^$\n]+\$", markdown):  # the lessons write their formulas in $...$
            page.wait_for_function("document.querySelectorAll('mjx-container').length > 0", timeout=30_000)
        if "application/vnd.jupyter.widget-view+json" in notebook.read_text(encoding="utf-8"):
            page.wait_for_function(
                "document.querySelectorAll('.jupyter-widgets.widget-slider, .jupyter-widgets.widget-vbox')"
                ".length > 0",
                timeout=30_000,
            )
        page.wait_for_timeout(300)
        korean = notebook.parent.name == "ko"
        shot = f"slides_{'ko_' if korean else ''}{notebook.stem[:2]}_first.png"
        page.screenshot(path=str(screenshots / shot))
        if korean:
            assert page.evaluate(HANGUL_HAS_GLYPHS), "Hangul is drawn as empty boxes: install fonts-noto-cjk"
        assert errors == [], f"JavaScript errors: {errors}"
        assert outside == [], f"the deck tried to load from the network: {outside}"
    finally:
        context.close()


@pytest.mark.slow
def test_course_page_runs_offline(browser, screenshots, tmp_path, monkeypatch):
    """A page from `make course` (made here from a small notebook) shows its math and its slider offline."""
    import make_course

    monkeypatch.setenv("LESSONS_PROFILE", "quick")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A page\n\nA generative model learns $p(x)$."),
        nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(3, description='code size')"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "01_page.ipynb")
    out = tmp_path / "course"
    args = ["--profile", "quick", "--output-dir", str(out), str(tmp_path / "01_page.ipynb")]
    assert make_course.main(args) == 0

    context = browser.new_context(viewport={"width": 1000, "height": 500})
    page = context.new_page()
    outside, errors = [], []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                  else (outside.append(route.request.url), route.abort()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto((out / "01_page.html").as_uri())
        page.wait_for_function("document.querySelectorAll('mjx-container').length > 0", timeout=30_000)
        slider = page.locator(".jupyter-widgets.widget-slider", has_text="code size")
        slider.wait_for(timeout=30_000)
        assert slider.locator(".widget-readout").inner_text().strip() == "3"
        page.screenshot(path=str(screenshots / "course_page.png"))
        assert errors == [] and outside == []
    finally:
        context.close()
