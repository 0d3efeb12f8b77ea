"""Execute notebooks from a fresh kernel each, in order, in the chosen profile.

    python scripts/execute_notebooks.py [--profile full|quick|smoke] [--inplace | --output-dir DIR] NB...

`make outputs` uses it to regenerate the committed outputs in place (full profile). Widget state
is stored in the notebook so saved sliders render as widgets, not as broken views. Prints one
progress line per notebook with its wall time; exits non-zero on the first failing notebook.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from lesson_args import ROOT
from nbclient import NotebookClient

from lessons_lib.files import atomic_write_text
from lessons_lib.profiles import PROFILE_ENV, PROFILES, check_profile

#: TensorFlow's C++ start-up lines, e.g. "I0000 00:00:1795887583.838258   20707 port.cc:153] oneDNN
#: custom operations are on..." and absl's "WARNING: All log messages before absl::InitializeLog() ...".
#: Printed before TF_CPP_MIN_LOG_LEVEL applies, so they are removed from the saved outputs instead.
TF_STARTUP_LINE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.]+:\d+\] .*)$"
)


def strip_tensorflow_startup_lines(nb: nbformat.NotebookNode) -> int:
    """Remove TensorFlow's C++ start-up lines from every stderr output (emptied outputs go too).

    Returns the number of lines removed. Other stderr text (Python warnings, notices) stays.
    """
    removed = 0
    for cell in nb.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = output["text"].splitlines(keepends=True)
                clean = [line for line in lines if not TF_STARTUP_LINE.match(line.rstrip("\n"))]
                removed += len(lines) - len(clean)
                if not clean:
                    continue
                output["text"] = "".join(clean)
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    return removed


def hide_machine_paths(nb: nbformat.NotebookNode) -> int:
    """Write this machine's folders out of the saved outputs; return how many texts changed.

    Warnings and tracebacks name files by absolute path (``/home/me/course/.venv/lib/...``): the
    repository's folder becomes relative (``.venv/lib/...``) and Python's own installation
    ``<python>``, so the committed notebooks and slides show no machine's paths.
    """
    folders = [(str(ROOT) + os.sep, ""), (sys.base_prefix.rstrip(os.sep), "<python>")]

    def clean(text: str) -> str:
        for folder, replacement in folders:
            text = text.replace(folder, replacement)
        return text

    changed = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            fields = []
            if output.get("output_type") == "stream":
                fields.append((output, "text"))
            if output.get("output_type") == "error":
                output["traceback"] = [clean(line) for line in output.get("traceback", [])]
            if "text/plain" in output.get("data", {}):
                fields.append((output["data"], "text/plain"))
            for holder, key in fields:
                before = holder[key]
                text = "".join(before) if isinstance(before, list) else before
                if clean(text) != text:
                    holder[key] = clean(text)
                    changed += 1
    return changed


def execute(path: Path, *, profile: str, timeout: int = 1800) -> nbformat.NotebookNode:
    """Run one notebook top to bottom in a fresh kernel with ``LESSONS_PROFILE=profile``.

    The profile reaches the notebook one way only, as for a student: the kernel's environment
    (``lessons_lib.profiles``); this process's own environment is left as it is.
    """
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, PROFILE_ENV: check_profile(profile)}
    # TensorFlow's C++ start-up lines (e.g. "failed call to cuInit" on a machine without a GPU)
    # would otherwise be saved in the committed outputs and shown in the slides.
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent.resolve())}},
        store_widget_state=True,
    )
    client.execute(env=env)
    strip_tensorflow_startup_lines(nb)
    hide_machine_paths(nb)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--profile", choices=PROFILES, default="full")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--inplace", action="store_true", help="overwrite each notebook with its outputs")
    where.add_argument("--output-dir", type=Path, help="write executed copies here")
    args = parser.parse_args(argv)

    total = time.perf_counter()
    for i, path in enumerate(args.notebooks, 1):
        if not path.is_file():
            parser.error(f"notebook {str(path)!r} does not exist")
        start = time.perf_counter()
        print(f"[{i}/{len(args.notebooks)}] {path.name} ({args.profile}) ...", flush=True)
        nb = execute(path, profile=args.profile)
        target = path if args.inplace else args.output_dir / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, nbformat.writes(nb) + "\n")
        seconds = time.perf_counter() - start
        print(f"[{i}/{len(args.notebooks)}] {path.name} done in {seconds:.1f} s", flush=True)
    print(f"all {len(args.notebooks)} notebook(s) done in {time.perf_counter() - total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
