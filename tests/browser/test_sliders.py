"""The controls of notebooks 02, 03, 05 and 06, used as a student uses them: in JupyterLab, in a real browser.

For each notebook: open it in JupyterLab (Chromium), Run All from the Run menu (quick profile),
then move its slider the way a person does (arrow keys on the code-size and β sliders, typing into the
noise-factor readout; in 06 a click on a digit button, then the style slider) and check what the
student sees (the Korean edition too: 02's twin in notebooks/ko/, its Korean text rendered):

- the slider's readout and the text readout below it show the new value;
- the picture of digits really changed (pixel difference between screenshots of the image);
- no cell shows an error, every widget renders as a widget (not as its text repr), every cell of
  the notebook is in the page (JupyterLab's windowing is off: jupyter/overrides.json), and the
  page asked nothing from outside the lab server.

Screenshots (build/screenshots/): ``NN_<slider>_before.png`` / ``_after.png`` show the whole
explorer widget; ``NN_<slider>_images_before.png`` / ``_after.png`` the picture the difference
is measured on; ``NN_name.png`` the top of the notebook after Run All.
"""

from __future__ import annotations

import io
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbtools import NOTEBOOK_DIR, errors
from PIL import Image

# quick profile; the models come from cache/ when `make test` ran first
RUN_ALL_TIMEOUT_S = int(os.environ.get("RUN_ALL_TIMEOUT_S", "420"))
WIDGET_CLASSES = (
    "VBox", "HBox", "Box", "IntSlider", "FloatSlider", "SelectionSlider", "Dropdown", "Button", "HTML",
    "Label", "Image", "Output", "IntProgress", "FloatProgress", "Tab", "Accordion", "ToggleButtons",
)
ERROR_LINE = re.compile(r"^\w+(Error|Exception): ", re.MULTILINE)
WIDGET_REPR = re.compile(rf"^\s*({'|'.join(WIDGET_CLASSES)})\((children|value|description|options|layout)=")


@dataclass(frozen=True)
class SliderCase:
    notebook: str  # its path under notebooks/ (the Korean edition: "ko/02_autoencoder.ipynb")
    description: str  # the slider's label, as the student reads it
    how: str  # "arrows" (press keys on the focused handle) or "type" (edit the readout, press Enter)
    keys: tuple[str, ...]  # for "arrows"
    text: str  # for "type"
    expected_value: str  # what the slider's readout shows afterwards
    readout_pattern: str  # the explorer's text readout, with {value} for the expected value
    shot: str  # screenshot file stem
    shows_text: str = ""  # a text the rendered markdown must hold (the Korean edition's)

    @property
    def served_name(self) -> str:
        return self.notebook.replace("/", "_")  # ko/02_autoencoder.ipynb -> ko_02_autoencoder.ipynb


CASES = [
    SliderCase(
        notebook="02_autoencoder.ipynb", description="code size", how="arrows",
        keys=("ArrowLeft", "ArrowLeft", "ArrowLeft"), text="", expected_value="4",
        readout_pattern=r"code size {value} · test MSE 0\.\d{{4}}", shot="02_code_size",
    ),
    SliderCase(
        notebook="03_denoising_autoencoder.ipynb", description="noise factor", how="type",
        keys=(), text="0.9", expected_value="0.90",
        readout_pattern=r"noise {value} · noisy PSNR [\d.]+ dB · denoised PSNR [\d.]+ dB",
        shot="03_noise_factor",
    ),
    SliderCase(
        notebook="05_variational_autoencoder.ipynb", description="β (KL weight)", how="arrows",
        keys=("ArrowLeft",), text="", expected_value="0.5",
        readout_pattern=r"β {value} · latent dimension 2 · test reconstruction loss [\d.]+ · KL [\d.]+",
        shot="05_beta",
    ),
    SliderCase(  # the Korean edition: same code and slider, Korean text
        notebook="ko/02_autoencoder.ipynb", description="code size", how="arrows",
        keys=("ArrowLeft", "ArrowLeft", "ArrowLeft"), text="", expected_value="4",
        readout_pattern=r"code size {value} · test MSE 0\.\d{{4}}", shot="ko_02_code_size",
        shows_text="이 장에서 배우는 것",
    ),
]


def _open_notebook(page, lab, source: Path, name: str | None = None) -> None:
    name = lab.add_notebook(source, name).name
    # a workspace of its own, reset: only this notebook is open
    page.goto(lab.url(f"/lab/workspaces/{Path(name).stem}/tree/{name}?reset"))
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for()
    page.locator(
        ".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator[data-status='idle']"
    ).wait_for(state="attached", timeout=120_000)


def _menu(page, menu: str, item: str) -> None:
    """Click ``menu`` in the menu bar, then its ``item`` once it is enabled."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{menu}$")).click()
    entry = page.locator(".lm-Menu-item:not(.lm-mod-disabled)",
                         has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{item}$")))
    entry.wait_for(timeout=30_000)
    entry.click()


def _prompts(page) -> list[str]:
    return page.evaluate(
        "() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]"
        ".map(e => e.textContent.trim())"
    )


def _run_all(page) -> float:
    # the kernel is connected and the notebook is the current document
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle")).wait_for(timeout=120_000)
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.click()
    start = time.monotonic()
    _menu(page, "Run", "Run All Cells")
    while all(p in ("[ ]:", "") for p in _prompts(page)):
        assert time.monotonic() < start + 30, "Run > Run All Cells did not start running the cells"
        page.wait_for_timeout(250)
    deadline = start + RUN_ALL_TIMEOUT_S
    while True:
        state = page.evaluate(
            """() => {
                const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                    .map(e => e.textContent.trim());
                const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
                return {prompts, status: indicator && indicator.dataset.status};
            }"""
        )
        done = state["prompts"] and all(re.fullmatch(r"\[\d+\]:", p) for p in state["prompts"])
        if done and state["status"] == "idle":
            return time.monotonic() - start
        assert time.monotonic() < deadline, f"Run All did not finish in {RUN_ALL_TIMEOUT_S} s: {state}"
        page.wait_for_timeout(1000)


def _save(page, lab, screenshots: Path, name: str) -> nbformat.NotebookNode:
    """File > Save Notebook, then read what JupyterLab wrote."""
    before = (lab.root_dir / name).stat().st_mtime_ns
    _menu(page, "File", "Save Notebook")
    deadline = time.monotonic() + 30
    while (lab.root_dir / name).stat().st_mtime_ns == before:
        if time.monotonic() > deadline:
            page.screenshot(path=str(screenshots / "save_failed.png"))
            raise AssertionError("File > Save Notebook did not write the file (see save_failed.png)")
        page.wait_for_timeout(200)  # not time.sleep: the page's requests are routed through this process
    page.wait_for_timeout(500)
    return nbformat.read(lab.root_dir / name, as_version=4)


def page_cell_problems(page, nb: nbformat.NotebookNode) -> list[str]:
    """What a student would see wrong: missing cells, errors (not in raises-exception cells), widget reprs."""
    cells = page.evaluate(
        """() => [...document.querySelectorAll('.jp-Notebook .jp-Notebook-cell')].map(c => ({
            texts: [...c.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText),
            widgets: c.querySelectorAll('.jp-OutputArea-output .jupyter-widgets').length,
        }))"""
    )
    if len(cells) != len(nb.cells):
        return [f"the page holds {len(cells)} cells, the notebook {len(nb.cells)}: windowing is not 'none'"]
    problems = [f"ended in an error: {error}" for error in errors(nb)]
    for index, (shown, cell) in enumerate(zip(cells, nb.cells, strict=True)):
        if cell.cell_type != "code":
            continue
        if "raises-exception" not in cell.metadata.get("tags", []):
            for text in shown["texts"]:
                if "Traceback (most recent call last)" in text or ERROR_LINE.search(text):
                    problems.append(f"cell {index} shows an error: {text[:1500]}")
        for text in shown["texts"]:
            if WIDGET_REPR.match(text) or "Error displaying widget" in text or "Loading widget..." in text:
                problems.append(f"cell {index} shows a widget as text, not as a widget: {text[:300]}")
        views = [o for o in cell.outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        if len(views) > shown["widgets"]:
            problems.append(f"cell {index}: {len(views)} widget output(s), {shown['widgets']} rendered")
    return problems


def _image_array(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.int16)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.shot for c in CASES])
def test_slider_changes_the_picture_and_the_readouts(page, lab, screenshots, case: SliderCase):
    check_slider(page, lab, screenshots, case, NOTEBOOK_DIR / case.notebook)


def check_slider(page, lab, screenshots: Path, case: SliderCase, notebook: Path) -> None:
    served = case.served_name
    assert notebook.exists(), f"{notebook} is missing"
    settings = lab.get_json("/lab/api/settings/@jupyterlab/notebook-extension:tracker")
    assert settings["schema"]["properties"]["windowingMode"]["default"] == "none", (
        "jupyter/overrides.json is not in effect: run `make venv`"
    )

    _open_notebook(page, lab, notebook, served)
    seconds = _run_all(page)
    print(f"{served}: Run All took {seconds:.1f} s")
    page.screenshot(path=str(screenshots / f"{Path(served).stem}.png"))
    if case.shows_text:
        shown = page.locator(".jp-MarkdownOutput", has_text=case.shows_text)
        assert shown.count() >= 1, f"no rendered markdown holds {case.shows_text!r}"
        shown.first.scroll_into_view_if_needed()
        shown.first.screenshot(path=str(screenshots / f"{case.shot}_text.png"))

    slider = page.locator(".widget-slider", has=page.locator("label.widget-label", has_text=case.description))
    assert slider.count() == 1, f"expected one slider labelled {case.description!r}, found {slider.count()}"
    slider.scroll_into_view_if_needed()
    explorer = slider.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
    images = explorer.locator("img.widget-image").first
    text_readout = explorer.locator(".widget-html-content").first
    slider_readout = slider.locator(".widget-readout")
    images.wait_for()
    page.wait_for_timeout(500)

    before_value, before_text = slider_readout.inner_text().strip(), text_readout.inner_text().strip()
    before_src = images.get_attribute("src")
    explorer.screenshot(path=str(screenshots / f"{case.shot}_before.png"))
    before_png = images.screenshot(path=str(screenshots / f"{case.shot}_images_before.png"))
    assert before_value != case.expected_value, f"the slider already shows {before_value}"

    if case.how == "arrows":
        slider.locator(".noUi-handle").focus()
        for key in case.keys:
            page.keyboard.press(key)
    else:
        slider_readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(case.text)
        page.keyboard.press("Enter")

    pattern = re.compile(case.readout_pattern.format(value=re.escape(case.expected_value)))
    deadline = time.monotonic() + 180  # a code size not in cache/ trains first
    while not (
        slider_readout.inner_text().strip() == case.expected_value
        and pattern.search(text_readout.inner_text())
        and images.get_attribute("src") != before_src
    ):
        assert time.monotonic() < deadline, (
            f"after moving the slider: readout {slider_readout.inner_text()!r}, "
            f"text {text_readout.inner_text()!r}, image changed: {images.get_attribute('src') != before_src}"
        )
        page.wait_for_timeout(500)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(state="attached")
    page.wait_for_timeout(500)

    after_text = text_readout.inner_text().strip()
    explorer.screenshot(path=str(screenshots / f"{case.shot}_after.png"))
    after_png = images.screenshot(path=str(screenshots / f"{case.shot}_images_after.png"))
    print(f"{case.description}: {before_value} -> {case.expected_value}; {before_text!r} -> {after_text!r}")
    assert after_text != before_text

    before, after = _image_array(before_png), _image_array(after_png)
    assert before.shape == after.shape, "the picture changed size"
    changed = float(np.mean(np.abs(before - after) > 24))
    print(f"{case.description}: {changed:.1%} of the picture's pixels changed")
    assert changed > 0.01, f"only {changed:.2%} of the picture's pixels changed"

    nb = _save(page, lab, screenshots, served)
    assert page_cell_problems(page, nb) == []
    assert not page.page_errors, f"JavaScript errors in the page: {page.page_errors}"
    assert not page.outside_requests, f"requests outside the lab server: {page.outside_requests}"


def _wait_for_new_picture(images, old_src: str, what: str) -> None:
    deadline = time.monotonic() + 60
    while images.get_attribute("src") == old_src:
        assert time.monotonic() < deadline, f"the picture did not change after {what}"
        time.sleep(0.25)


@pytest.mark.slow
def test_digit_buttons_and_style_slider_of_lesson_06(page, lab, screenshots):
    """06: click a digit button (ask for a 3), then move the style slider; the picture changes each time."""
    notebook = NOTEBOOK_DIR / "06_conditional_gan.ipynb"
    _open_notebook(page, lab, notebook)
    print(f"{notebook.name}: Run All took {_run_all(page):.1f} s")
    page.screenshot(path=str(screenshots / f"{notebook.stem}.png"))

    buttons = page.locator(".widget-toggle-buttons", has=page.locator("label.widget-label", has_text="digit"))
    assert buttons.count() == 1, f"expected one row of digit buttons, found {buttons.count()}"
    buttons.scroll_into_view_if_needed()
    explorer = buttons.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
    images = explorer.locator("img.widget-image").first
    images.wait_for()
    page.wait_for_timeout(500)
    active = buttons.locator(".widget-toggle-button.mod-active")
    assert active.inner_text().strip() == "7", "the walk should start at the digit 7"
    explorer.screenshot(path=str(screenshots / "06_digit_before.png"))
    seven_src = images.get_attribute("src")
    seven_png = images.screenshot(path=str(screenshots / "06_digit_images_before.png"))

    buttons.locator(".widget-toggle-button", has_text=re.compile(r"^3$")).click()
    _wait_for_new_picture(images, seven_src, "clicking the digit 3")
    page.wait_for_timeout(500)
    assert active.inner_text().strip() == "3", "the button of the digit 3 should be the pressed one"
    explorer.screenshot(path=str(screenshots / "06_digit_after.png"))
    three_src = images.get_attribute("src")
    three_png = images.screenshot(path=str(screenshots / "06_digit_images_after.png"))

    t_label = page.locator("label.widget-label", has_text=re.compile(r"^t$"))
    slider = explorer.locator(".widget-slider", has=t_label)
    slider.locator(".noUi-handle").focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    _wait_for_new_picture(images, three_src, "moving the style slider")
    page.wait_for_timeout(500)
    assert slider.locator(".widget-readout").inner_text().strip() == "1.00"
    walked_png = images.screenshot(path=str(screenshots / "06_style_images_after.png"))

    # the digit changes the whole picture; the slider only the middle image of the top row,
    # G(z(t)) between G(z_a) and G(z_b) (lessons_lib.latent_walk.LatentWalk.picture: a top row
    # 28 + 6 + 28 + 6 + 28 pixels wide, centred over a strip of 9 frames 252 pixels wide; 28 + 4 + 28
    # pixels high)
    def whole(image):
        return image

    def middle_of_top_row(image):
        h, w = image.shape
        left = (252 - (3 * 28 + 2 * 6)) // 2 + 28 + 6  # where G(z(t)) starts, in picture pixels
        return image[: h * 28 // 60, w * left // 252 : w * (left + 28) // 252]

    for before, after, what, region in [(seven_png, three_png, "7 -> 3", whole),
                                        (three_png, walked_png, "t 0.50 -> 1.00", middle_of_top_row)]:
        a, b = _image_array(before), _image_array(after)
        assert a.shape == b.shape, f"{what}: the picture changed size"
        changed = float(np.mean(np.abs(region(a) - region(b)) > 24))
        print(f"06 {what}: {changed:.1%} of the pixels changed ({region.__name__.replace('_', ' ')})")
        assert changed > 0.01, f"{what}: only {changed:.2%} of the pixels changed ({region.__name__})"

    nb = _save(page, lab, screenshots, notebook.name)
    assert page_cell_problems(page, nb) == []
    assert not page.page_errors, f"JavaScript errors in the page: {page.page_errors}"
    assert not page.outside_requests, f"requests outside the lab server: {page.outside_requests}"


def test_the_checks_see_an_error_and_a_widget_shown_as_text(page, lab, screenshots, tmp_path):
    """The checks above can fail: a cell that raises and a widget printed as text are both reported."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A broken lesson"),
        nbformat.v4.new_code_cell('print("VBox(children=(IntSlider(value=3),))")'),
        nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(description='fine')"),
        nbformat.v4.new_code_cell("1 / 0"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, source)
    _open_notebook(page, lab, source)
    _run_all(page)
    problems = page_cell_problems(page, _save(page, lab, screenshots, source.name))
    assert any(p.startswith("cell 1 shows a widget as text") for p in problems), problems
    assert any(p.startswith("ended in an error: cell 3: ZeroDivisionError") for p in problems), problems
    assert any(p.startswith("cell 3 shows an error") for p in problems), problems
    assert not any(p.startswith("cell 2") for p in problems), problems
