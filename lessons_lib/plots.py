"""Figures the lessons show again and again: rows and grids of digits, training curves.

The lecture copies a ``plt.subplot`` loop into every example; here it is written once.
Each helper builds a matplotlib ``Figure``, displays it when running inside IPython (``show=True``),
and returns it so tests and curious students can inspect the axes and image data.

Used by all four notebooks (``show_images``, ``show_image_rows``), notebooks 01-03
(``plot_history``) and notebook 04 (``show_images`` for sample grids).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lessons_lib.checks import check_image_stack, check_number, check_positive_int


def _check_cell_size(cell_size: Any) -> float:
    return check_number(
        cell_size, "cell_size", low=0, high=20, open_low=True, open_high=True, what="number of inches"
    )


def _display(fig: Figure, show: bool) -> None:
    if not show:
        return
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is always installed with the course
        return
    shell = get_ipython()
    if shell is not None:
        _register_png_for_figures(shell)
        display(fig)


def _register_png_for_figures(shell: Any) -> None:
    """Let IPython draw a bare ``Figure`` as a PNG (not only as ``<Figure size ...>`` text).

    pyplot registers this formatter when it is imported (``%matplotlib inline``); the helpers build
    figures without pyplot, so notebook 01, which never imports pyplot, would otherwise show text.
    A formatter the student chose (e.g. ``%config InlineBackend.figure_formats = ['retina']``) stays.
    """
    formatter = shell.display_formatter.formatters["image/png"]
    try:
        formatter.lookup_by_type(Figure)
    except KeyError:
        from IPython.core.pylabtools import print_figure

        formatter.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight"))


def show_image_rows(
    rows: Sequence[Any],
    *,
    row_titles: Sequence[str] | None = None,
    col_titles: Sequence[str] | None = None,
    cell_size: float = 1.2,
    show: bool = True,
) -> Figure:
    """Show rows of images aligned in columns: e.g. originals over reconstructions.

    ``rows`` is a list of image stacks with the same number of images. Pixel values are shown
    in grey on a fixed 0-1 scale for floats (0-255 for uint8), so brightness is comparable
    across rows.
    """
    if len(rows) == 0:
        raise ValueError("rows must hold at least one stack of images")
    _check_cell_size(cell_size)
    stacks = [check_image_stack(row, f"rows[{i}]") for i, row in enumerate(rows)]
    n_cols = len(stacks[0])
    if any(len(stack) != n_cols for stack in stacks):
        raise ValueError(f"every row must hold the same number of images, got {[len(s) for s in stacks]}")
    if row_titles is not None and len(row_titles) != len(stacks):
        raise ValueError(f"row_titles must have {len(stacks)} entries, got {len(row_titles)}")
    if col_titles is not None and len(col_titles) != n_cols:
        raise ValueError(f"col_titles must have {n_cols} entries, got {len(col_titles)}")

    fig = Figure(figsize=(cell_size * n_cols, cell_size * len(stacks) + 0.2))
    axes = fig.subplots(len(stacks), n_cols, squeeze=False)
    for r, stack in enumerate(stacks):
        vmax = 255 if stack.dtype == np.uint8 else 1.0
        for c in range(n_cols):
            ax = axes[r][c]
            ax.imshow(stack[c], cmap="gray", vmin=0, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0 and row_titles is not None:
                ax.set_ylabel(row_titles[r], rotation=0, ha="right", va="center")
            if r == 0 and col_titles is not None:
                ax.set_title(col_titles[c], fontsize=9)
    fig.tight_layout()
    _display(fig, show)
    return fig


def show_images(
    images: Any,
    *,
    n_cols: int = 10,
    titles: Sequence[str] | None = None,
    cell_size: float = 1.2,
    show: bool = True,
) -> Figure:
    """Show a stack of images as a grid with ``n_cols`` columns (one row when there are fewer).

    Each cell is ``cell_size`` inches high and as wide as the images' aspect needs (a 28x280 strip
    of ten digits gets a cell ten times as wide), so no white bands pad the figure.
    """
    stack = check_image_stack(images, "images")
    _check_cell_size(cell_size)
    n_cols = check_positive_int(n_cols, "n_cols")
    if titles is not None and len(titles) != len(stack):
        raise ValueError(f"titles must have {len(stack)} entries, got {len(titles)}")
    cols = min(n_cols, len(stack))
    n_rows = -(-len(stack) // cols)
    aspect = stack.shape[2] / stack.shape[1]  # wide images (a strip of digits) get wide cells
    title_space = 0.3 if titles else 0.0
    fig = Figure(figsize=(cell_size * aspect * cols, (cell_size + title_space) * n_rows))
    axes = fig.subplots(n_rows, cols, squeeze=False)
    vmax = 255 if stack.dtype == np.uint8 else 1.0
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(stack):
            ax.set_axis_off()
            continue
        ax.imshow(stack[i], cmap="gray", vmin=0, vmax=vmax)
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    _display(fig, show)
    return fig


def plot_history(
    history: Any,
    *,
    metrics: Sequence[str] | None = None,
    title: str | None = None,
    show: bool = True,
) -> Figure:
    """Plot training curves from a Keras ``History`` (or its ``.history`` dict).

    One panel per metric (``loss``, ``accuracy``, ...), each with its ``val_`` twin when present.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError("history must be a keras History or a non-empty dict of metric lists")
    if metrics is None:
        metrics = [key for key in logs if not key.startswith("val_")]
    if isinstance(metrics, str) or len(metrics) == 0:
        raise ValueError(f"metrics must be a non-empty list of names such as ['loss'], got {metrics!r}")
    unknown = [m for m in metrics if m not in logs]
    if unknown:
        raise ValueError(f"metrics {unknown} are not in the history; it has {sorted(logs)}")
    fig = Figure(figsize=(4.5 * len(metrics), 3.2))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        values = logs[metric]
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, marker="o", markersize=3, label=f"train {metric}")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], marker="o", markersize=3, label=f"validation {metric}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        ax.set_ylabel(metric)
        ax.legend()
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    _display(fig, show)
    return fig
