"""Presenting live: jupyterlab-rise turns the open notebook into a reveal.js slideshow in JupyterLab.

View > Render as Reveal Slideshow on notebook 01 must show one slide per ``slide`` cell (the same
metadata `make slides` uses) without asking anything from outside the lab server.
Screenshot: build/screenshots/rise_01.png.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbtools import NOTEBOOK_DIR
from test_sliders import _menu, _open_notebook

NOTEBOOK = NOTEBOOK_DIR / "01_functional_api.ipynb"


@pytest.mark.slow
def test_rise_presents_the_notebook_as_slides(page, lab, screenshots):
    types = [c.metadata["slideshow"]["slide_type"] for c in nbformat.read(NOTEBOOK, as_version=4).cells]
    expected = types.count("slide") + (types[0] != "slide")
    _open_notebook(page, lab, NOTEBOOK)
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle")).wait_for(timeout=120_000)
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.click()
    _menu(page, "View", "Render as Reveal Slideshow")
    frame = page.frame_locator(f"iframe[src*='/rise/{NOTEBOOK.name}']")
    frame.locator(".reveal .slides > section").first.wait_for(timeout=60_000)
    page.wait_for_timeout(2000)
    assert frame.locator(".reveal .slides > section").count() == expected
    page.screenshot(path=str(screenshots / "rise_01.png"))
    assert not page.outside_requests, f"requests outside the lab server: {page.outside_requests}"
