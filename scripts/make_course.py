"""Run the whole course and export it as HTML that works offline: ``make course`` -> build/course/.

    python scripts/make_course.py [--profile full|quick] [--output-dir build/course] [NB ...]

Executes every lesson (default: notebooks/NN_*.ipynb, in order) from a fresh kernel in the chosen
profile (default ``full``, the real lesson) with scripts/execute_notebooks.py, then writes

    build/course/NN_name.html        the executed lesson as a page (widgets and math included)
    build/course/executed/NN_name.ipynb   the executed notebook itself
    build/course/index.html          links to every page with its run time
    build/course/ko/NN_name.html     the Korean edition (한국어판) of each lesson that has a twin in
                                     notebooks/ko/: the same executed cells with the Korean text
                                     (scripts/sync_korean.py), and its own ko/index.html

The committed notebooks are not touched. Prints one progress line per notebook with its wall time
and the total time at the end. Stops at the first failing notebook (exit code 1, the cell's error
shown); pages already written stay, the failing one is not written. The pages load require.js,
MathJax and the widget renderer from copies in the output folder (scripts/offline_html.py); at the
end every page in the folder is checked for files a browser would not find (exit code 1 if any).
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import time
from pathlib import Path

import nbformat
from execute_notebooks import execute
from lesson_args import ROOT, add_notebook_arguments, lesson_notebooks
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from offline_html import (
    MissingAssetsError,
    copy_assets,
    exporter_config,
    pages_missing_files,
    remote_urls,
)
from sync_korean import DriftError, korean_path, merge
from traitlets.config import Config

from lessons_lib.checks import check_positive_int
from lessons_lib.files import atomic_write, atomic_write_text
from lessons_lib.profiles import PROFILES


def export_html(nb: nbformat.NotebookNode, name: str) -> str:
    """The executed notebook as one offline HTML page (asset URLs relative to the output folder)."""
    exporter = HTMLExporter(config=Config({"HTMLExporter": exporter_config()}), template_name="offline_lab")
    page, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    remote = remote_urls(page)
    if remote:
        raise RuntimeError(f"{name}: the page would load from the network: {remote}")
    return page


def write_index(
    output_dir: Path, rows: list[tuple[str, float]], profile: str, total: float, *, korean: bool = False
) -> None:
    lang, title = ("ko", "케라스 3로 배우는 생성 모델") if korean else (
        "en", "Generative models with Keras 3")
    runs = f"프로필: {profile}; 전체 실행 시간 {total:.0f}초." if korean else (
        f"Profile: {profile}; total run time {total:.0f} s.")
    items = "\n".join(
        f'<li><a href="{html.escape(name)}.html">{html.escape(name)}</a> ({seconds:.0f} s)</li>'
        for name, seconds in rows
    )
    atomic_write_text(
        output_dir / "index.html",
        f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}"
        f"</title></head>\n<body><h1>{title}</h1>\n<p>{runs}</p>\n<ol>\n{items}\n</ol>\n</body></html>\n",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_notebook_arguments(parser)
    parser.add_argument("--profile", choices=PROFILES, default="full")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "build" / "course")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds one cell may run (default 3600)")
    args = parser.parse_args(argv)
    try:
        check_positive_int(args.timeout, "--timeout")
    except ValueError as error:  # a usage error naming it: "--timeout must be a positive int, got 0"
        parser.error(str(error))
    notebooks = lesson_notebooks(parser, args.notebooks)

    # the kernels inherit this: TensorFlow's C++ start-up lines would bury the progress lines
    # (a failing cell is still reported, with its traceback, by the CellExecutionError below)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    total_start = time.perf_counter()
    try:
        copy_assets(args.output_dir)
    except MissingAssetsError as error:
        print(f"make_course: {error}", file=sys.stderr)
        return 2
    rows: list[tuple[str, float]] = []
    korean_rows: list[tuple[str, float]] = []
    korean_dir = args.output_dir / "ko"
    problems = 0
    n = len(notebooks)
    for i, path in enumerate(notebooks, 1):
        start = time.perf_counter()
        print(f"[{i}/{n}] {path.name}: running ({args.profile} profile) ...", flush=True)
        try:
            nb = execute(path, profile=args.profile, timeout=args.timeout)
        except CellExecutionError as error:
            print(f"[{i}/{n}] {path.name}: FAILED after {time.perf_counter() - start:.1f} s\n{error}",
                  file=sys.stderr, flush=True)
            print(f"make_course: stopped at {path.name}; "
                  f"total {time.perf_counter() - total_start:.1f} s", file=sys.stderr)
            return 1
        executed = args.output_dir / "executed" / path.name
        executed.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(executed, lambda tmp, nb=nb: nbformat.write(nb, tmp))
        atomic_write_text(args.output_dir / f"{path.stem}.html", export_html(nb, path.stem))
        seconds = time.perf_counter() - start
        rows.append((path.stem, seconds))
        twin = korean_path(path)
        korean_page = ""
        if twin.exists():
            try:
                korean = merge(nb, nbformat.read(twin, as_version=4), path.name)
            except DriftError as error:
                print(f"make_course: no Korean page for {path.name}: {error}", file=sys.stderr)
                problems += 1
            else:
                if not korean_rows:
                    copy_assets(korean_dir)
                page = export_html(nbformat.from_dict(korean), path.stem)
                atomic_write_text(korean_dir / f"{path.stem}.html", page)
                korean_rows.append((path.stem, seconds))
                korean_page = f" and ko/{path.stem}.html"
        print(f"[{i}/{n}] {path.name}: done in {seconds:.1f} s -> {path.stem}.html{korean_page}", flush=True)
    total = time.perf_counter() - total_start
    write_index(args.output_dir, rows, args.profile, total)
    if korean_rows:
        write_index(korean_dir, korean_rows, args.profile, total, korean=True)
    index = args.output_dir / "index.html"
    print(f"course: {n} notebook(s) in {total:.1f} s ({args.profile} profile) -> {index}")
    broken = pages_missing_files(args.output_dir)
    broken.update({f"ko/{page}": missing for page, missing in pages_missing_files(korean_dir).items()})
    for page, missing in broken.items():
        print(f"make_course: {page} loads files that are not in {args.output_dir}: {', '.join(missing)}; "
              "rebuild it (make course) or delete it", file=sys.stderr)
    return 1 if broken or problems else 0


if __name__ == "__main__":
    sys.exit(main())
