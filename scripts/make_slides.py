"""Build one reveal.js deck per lesson that works offline: ``make slides`` -> build/slides/.

    python scripts/make_slides.py [--output-dir build/slides] [NB ...]   (default: notebooks/NN_*.ipynb)

Each cell's ``metadata.slideshow.slide_type`` decides where it goes (the same metadata RISE uses to
present live from JupyterLab): ``slide`` starts a new horizontal slide, ``subslide`` a vertical one
below it, ``fragment`` appears on the next key press, ``-`` continues the current slide, ``skip``
is left out, and ``notes`` becomes the speaker notes (press ``s`` in the deck to open them).

Every notebook must carry that metadata on every cell; a missing or unknown value stops the build
with the notebook and cell named. The decks use the committed outputs (no kernel runs), and load
reveal.js, require.js, jQuery, MathJax and the widget renderer from copies in the output folder
(see scripts/offline_html.py), so the folder can be copied to a laptop and opened without a network.
At the end every deck in the folder, built now or before, is checked for files a browser would not
find (fonts that stylesheets and MathJax load included); a broken one is named and the exit code is 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from lesson_args import ROOT, add_notebook_arguments, lesson_notebooks
from nbconvert import SlidesExporter
from offline_html import (
    URLS,
    MissingAssetsError,
    copy_assets,
    exporter_config,
    missing_local_files,
    pages_missing_files,
    remote_urls,
)
from traitlets.config import Config

from lessons_lib.files import atomic_write_text

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")


class SlideMetadataError(ValueError):
    """A cell without slide metadata, or with an unknown slide type."""


def check_slide_metadata(nb: nbformat.NotebookNode, name: str) -> dict[str, int]:
    """Check every cell's slide type and return how many cells have each type."""
    counts = dict.fromkeys(SLIDE_TYPES, 0)
    for index, cell in enumerate(nb.cells):
        slide_type = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        if slide_type not in SLIDE_TYPES:
            first_line = "".join(cell.source).strip().splitlines()[:1]
            raise SlideMetadataError(
                f"{name}: cell {index} ({cell.cell_type}, {first_line[0][:50] if first_line else 'empty'!r}) "
                f"has metadata.slideshow.slide_type={slide_type!r}; expected one of "
                f"{', '.join(repr(t) for t in SLIDE_TYPES)}"
            )
        counts[slide_type] += 1
    if not nb.cells:
        raise SlideMetadataError(f"{name}: the notebook has no cells")
    return counts


def build_deck(path: Path, output_dir: Path) -> tuple[Path, dict[str, int]]:
    """Export one notebook to ``output_dir/<name>.slides.html``; return the deck and its slide counts."""
    nb = nbformat.read(path, as_version=4)
    counts = check_slide_metadata(nb, path.name)
    config = Config(
        {"SlidesExporter": exporter_config(reveal_url_prefix=URLS["reveal_url_prefix"], reveal_theme="white")}
    )
    exporter = SlidesExporter(config=config, template_name="offline_reveal")
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    remote = remote_urls(html)
    if remote:  # a template change that brings a CDN back must not slip through
        raise RuntimeError(f"{path.name}: the deck would load from the network: {remote}")
    target = output_dir / f"{path.stem}.slides.html"
    missing = missing_local_files(html, output_dir)
    if missing:
        raise RuntimeError(f"{path.name}: the deck loads files that are not in {output_dir}: {missing}")
    atomic_write_text(target, html)
    return target, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_notebook_arguments(parser)
    parser.add_argument("--output-dir", type=Path, default=ROOT / "build" / "slides")
    args = parser.parse_args(argv)
    notebooks = lesson_notebooks(parser, args.notebooks)

    start = time.perf_counter()
    try:
        copy_assets(args.output_dir)
    except MissingAssetsError as error:
        print(f"make_slides: {error}", file=sys.stderr)
        return 2
    for i, path in enumerate(notebooks, 1):
        try:
            target, counts = build_deck(path, args.output_dir)
        except SlideMetadataError as error:
            print(f"make_slides: {error}", file=sys.stderr)
            return 1
        print(
            f"[{i}/{len(notebooks)}] {target.relative_to(args.output_dir.parent)}: "
            f"{counts['slide']} slides, {counts['subslide']} subslides, {counts['fragment']} fragments, "
            f"{counts['notes']} speaker notes, {counts['skip']} cells skipped",
            flush=True,
        )
    broken = pages_missing_files(args.output_dir, "*.slides.html")
    for deck, missing in broken.items():
        print(f"make_slides: {deck} loads files that are not in {args.output_dir}: {', '.join(missing)}; "
              "rebuild it (make slides) or delete it", file=sys.stderr)
    print(f"{len(notebooks)} deck(s) in {args.output_dir} ({time.perf_counter() - start:.1f} s); "
          f"open one in a browser, press s for the speaker notes")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
