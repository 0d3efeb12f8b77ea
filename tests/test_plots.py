"""lessons_lib.plots: the figures hold the axes and the image data they promise."""

import json

import numpy as np
import pytest
from matplotlib.figure import Figure
from nbtools import NOTEBOOKS

from lessons_lib.plots import plot_history, show_image_rows, show_images


def test_show_images_grid_has_one_axis_per_image_and_the_pixels():
    images = np.random.default_rng(0).random((12, 28, 28))
    fig = show_images(images, n_cols=5, show=False)
    assert len(fig.axes) == 15  # 3 rows of 5, the last 3 hidden
    assert [ax.axison for ax in fig.axes].count(True) == 12
    assert np.allclose(fig.axes[3].images[0].get_array(), images[3])


def test_show_images_gives_wide_strips_wide_cells():
    strips = np.zeros((3, 28, 280))  # three strips of ten digits
    width, height = show_images(strips, n_cols=1, cell_size=0.6, show=False).get_size_inches()
    assert width == pytest.approx(6.0) and height == pytest.approx(3 * 0.6)
    width, height = show_images(np.zeros((4, 28, 28)), n_cols=2, cell_size=1.0, titles=list("abcd"),
                                show=False).get_size_inches()
    assert width == pytest.approx(2.0) and height == pytest.approx(2 * 1.3)


def test_show_images_accepts_flat_and_channel_images():
    flat = np.zeros((3, 784))
    assert len(show_images(flat, show=False).axes) == 3
    assert len(show_images(np.zeros((2, 28, 28, 1)), show=False).axes) == 2


def test_show_image_rows_aligns_rows_with_titles():
    a, b = np.zeros((10, 28, 28)), np.ones((10, 784))
    fig = show_image_rows([a, b], row_titles=["original", "reconstructed"], show=False)
    assert len(fig.axes) == 20
    assert fig.axes[10].images[0].get_array().max() == 1.0
    assert fig.axes[10].get_ylabel() == "reconstructed"


def test_bad_images_are_clear_errors():
    with pytest.raises(ValueError, match="images must be a non-empty stack"):
        show_images(np.zeros((28, 28)), show=False)
    with pytest.raises(ValueError, match="NaN"):
        show_images(np.full((1, 28, 28), np.nan), show=False)
    with pytest.raises(ValueError, match="same number of images"):
        show_image_rows([np.zeros((3, 28, 28)), np.zeros((2, 28, 28))], show=False)
    with pytest.raises(ValueError, match="n_cols must be a positive int"):
        show_images(np.zeros((2, 28, 28)), n_cols=0, show=False)


IMAGES = np.zeros((2, 28, 28), dtype="float32")


@pytest.mark.parametrize(
    "images, message",
    [
        (np.zeros((28, 28)), r"images must be a non-empty stack of images .*got shape \(28, 28\)"),
        (np.zeros((0, 28, 28)), r"images must be a non-empty stack"),
        (np.full((2, 28, 28), np.nan), r"images holds NaN or infinite values; expected finite numbers"),
        (np.full((2, 28, 28), np.inf), r"images holds NaN or infinite values; expected finite numbers"),
        (np.array([["a"] * 28] * 28)[None], r"images must hold numbers, got dtype <U1"),
    ],
)
def test_show_images_refuses_what_is_not_an_image_stack(images, message):
    with pytest.raises(ValueError, match=message):
        show_images(images, show=False)


def test_show_images_names_its_other_arguments():
    with pytest.raises(ValueError, match=r"n_cols must be a positive int, got 2.5"):
        show_images(IMAGES, n_cols=2.5, show=False)
    with pytest.raises(ValueError, match=r"titles must have 2 entries, got 3"):
        show_images(IMAGES, titles=["a", "b", "c"], show=False)
    expected = r"cell_size must be a finite number of inches strictly between 0 and 20, got -1"
    with pytest.raises(ValueError, match=expected):
        show_images(IMAGES, cell_size=-1, show=False)


def test_show_image_rows_names_the_bad_row_and_titles():
    with pytest.raises(ValueError, match=r"rows\[1\] must be a non-empty stack"):
        show_image_rows([IMAGES, np.zeros(5)], show=False)
    with pytest.raises(ValueError, match=r"rows\[1\] holds NaN or infinite values"):
        show_image_rows([IMAGES, np.full_like(IMAGES, np.nan)], show=False)
    with pytest.raises(ValueError, match=r"rows must hold at least one stack"):
        show_image_rows([], show=False)
    with pytest.raises(ValueError, match=r"row_titles must have 1 entries, got 2"):
        show_image_rows([IMAGES], row_titles=["a", "b"], show=False)
    with pytest.raises(ValueError, match=r"col_titles must have 2 entries, got 1"):
        show_image_rows([IMAGES], col_titles=["a"], show=False)
    with pytest.raises(ValueError, match=r"cell_size must be a finite number of inches"):
        show_image_rows([IMAGES], cell_size=0, show=False)


def test_plot_history_names_what_it_expects():
    with pytest.raises(ValueError, match=r"history must be a keras History or a non-empty dict"):
        plot_history({}, show=False)
    with pytest.raises(ValueError, match=r"history must be a keras History"):
        plot_history([0.5, 0.4], show=False)
    with pytest.raises(ValueError, match=r"metrics \['acc'\] are not in the history; it has \['loss'\]"):
        plot_history({"loss": [1.0]}, metrics=["acc"], show=False)
    expected = r"metrics must be a non-empty list of names such as \['loss'\], got \[\]"
    with pytest.raises(ValueError, match=expected):
        plot_history({"loss": [1.0]}, metrics=[], show=False)


def test_plot_history_draws_train_and_validation_curves():
    logs = {"loss": [0.5, 0.3, 0.2], "val_loss": [0.6, 0.4, 0.35], "accuracy": [0.8, 0.9, 0.95]}
    fig = plot_history(logs, show=False)
    assert len(fig.axes) == 2
    lines = fig.axes[0].get_lines()
    assert [list(line.get_ydata()) for line in lines] == [logs["loss"], logs["val_loss"]]
    with pytest.raises(ValueError, match="metrics \\['mae'\\] are not in the history"):
        plot_history(logs, metrics=["mae"], show=False)


def test_figures_display_as_png_in_ipython_without_pyplot(monkeypatch):
    """Notebook 01 never imports pyplot: its figures must still show as pictures, not as text."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.display_formatter.formatters["image/png"].type_printers.pop(Figure, None)
        monkeypatch.setattr("IPython.get_ipython", lambda: shell)
        fig = show_images(np.zeros((3, 28, 28)), show=True)
        data, _ = shell.display_formatter.format(fig)
        assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
        assert data["text/plain"] == "<Figure size 360x120 with 3 Axes>"
    finally:
        InteractiveShell.clear_instance()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_saved_figure_is_a_picture(notebook):
    """The committed outputs (what students see on GitHub and in the slides) hold each figure's PNG."""
    notebook_json = json.loads(notebook.read_text())
    figures = [
        output["data"]
        for cell in notebook_json["cells"]
        for output in cell.get("outputs", [])
        if "".join(output.get("data", {}).get("text/plain", "")).startswith("<Figure")
    ]
    assert figures, f"{notebook.name} shows no figure at all"
    assert all("image/png" in data for data in figures), f"{notebook.name} has figures saved only as text"


def test_plot_history_ticks_whole_epochs_only():
    fig = plot_history({"loss": [0.5, 0.4], "val_loss": [0.45, 0.41]}, show=False)
    ticks = [t for t in fig.axes[0].get_xticks() if 1 <= t <= 2]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
