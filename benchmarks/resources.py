"""Wall time and peak memory of every notebook, quick and full profile (issue 6, point 6).

    .venv/bin/python benchmarks/resources.py [NB ...] [--profiles quick full] [--cache cold|warm]

Each notebook runs top to bottom from a fresh kernel via scripts/execute_notebooks.py (executed copies go
to build/benchmarks/executed/, the committed notebooks are untouched). Peak memory is the largest sum of
the resident set sizes of the runner and all its children (the kernel included), sampled every 0.1 s with
psutil. ``--cache cold`` (default) starts from an empty model cache under build/benchmarks/ (a student's
first run: every model is trained); ``--cache warm`` uses the course's cache/ as it is; ``--cache
cold-quick`` does cold quick runs and warm full runs (full-profile training takes far longer).

Writes build/benchmarks/resources.md and prints it, and saves the rows to
``benchmarks/results/resources.json`` (:mod:`lessons_lib.benchmark_results`; commit it): a row
replaces the saved row of the same notebook, profile and cache option, the others are kept, each with
the time it was measured. Exits 1 when a run fails or peaks above 4 GB. Refuses the bundled MNIST
sample (the lessons' times are those of the full set).
Run it alone on the machine (``flock /tmp/heavy.lock`` on the course machine): timings are only
comparable without other load.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
from report import ROOT, full_mnist, publish  # benchmarks/report.py

from lessons_lib.benchmark_results import load_results, results_path, save_results

OUT = ROOT / "build" / "benchmarks"
LIMIT_MB = 4096


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for proc in [process, *process.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def measure(notebook: Path, profile: str, cache: str) -> dict:
    env = dict(os.environ, LESSONS_PROFILE=profile)
    if cache == "cold-quick":
        cache = "cold" if profile == "quick" else "warm"
    if cache == "cold":
        folder = OUT / f"cache-{profile}"
        shutil.rmtree(folder, ignore_errors=True)
        env["LESSONS_CACHE"] = str(folder)
    log = OUT / "logs" / f"{notebook.stem}-{profile}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, str(ROOT / "scripts" / "execute_notebooks.py"), "--profile", profile,
        "--output-dir", str(OUT / "executed" / profile), str(notebook),
    ]
    start, peak = time.perf_counter(), 0
    with open(log, "w") as handle:
        runner = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
        process = psutil.Process(runner.pid)
        while runner.poll() is None:
            peak = max(peak, tree_rss(process))
            time.sleep(0.1)
    return {
        "notebook": notebook.name, "profile": profile, "cache": cache,
        "wall_s": time.perf_counter() - start, "peak_mb": peak / 2**20,
        "ok": runner.returncode == 0, "log": log,
    }


def table(rows: list[dict]) -> str:
    cpu = f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} CPUs"
    lines = [
        "# Notebook resources",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {cpu}, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM, by benchmarks/resources.py. "
        "Peak RSS: runner + kernel (and any children), sampled every 0.1 s.",
        "",
        "| notebook | profile | model cache | wall (s) | peak RSS (MB) | status |",
        "| --- | --- | --- | ---: | ---: | --- |",
    ]
    for r in rows:
        status = "ok" if r["ok"] else f"FAILED (see {r['log'].relative_to(ROOT)})"
        if r["peak_mb"] > LIMIT_MB:
            status += f", above {LIMIT_MB} MB"
        cells = [r["notebook"], r["profile"], r["cache"], f"{r['wall_s']:.0f}", f"{r['peak_mb']:.0f}", status]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def save_rows(rows: list[dict]) -> None:
    """Merge ``rows`` into benchmarks/results/resources.json (same notebook, profile, cache: replaced)."""
    measured = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    saved = load_results("resources")["rows"] if results_path("resources").is_file() else []
    new = [
        {"notebook": r["notebook"], "profile": r["profile"], "cache": r["cache"], "measured": measured,
         "wall_s": round(r["wall_s"], 1), "peak_mb": round(r["peak_mb"]), "ok": r["ok"]}
        for r in rows
    ]
    replaced = {(r["notebook"], r["profile"], r["cache"]) for r in new}
    kept = [r for r in saved if (r["notebook"], r["profile"], r["cache"]) not in replaced]
    merged = sorted(kept + new, key=lambda r: (r["notebook"], r["profile"], r["cache"]))
    path = save_results("resources", {
        "source": f"benchmarks/resources.py, {psutil.cpu_count()} CPU cores (each row: when it was measured)",
        "benchmark": "benchmarks/resources.py",
        "cpu_cores": psutil.cpu_count(),
        "rows": merged,
    })
    print(f"rows saved to {path.relative_to(ROOT)} (commit it)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--profiles", nargs="+", choices=["quick", "full"], default=["quick", "full"])
    parser.add_argument("--cache", choices=["cold", "warm", "cold-quick"], default="cold")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for notebook in notebooks:
        if not notebook.is_file():
            parser.error(f"notebook {str(notebook)!r} does not exist")
    full_mnist()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for notebook in notebooks:
        for profile in args.profiles:
            print(f"{notebook.name} ({profile}, cache option {args.cache}) ...", flush=True)
            rows.append(measure(notebook.resolve(), profile, args.cache))
            print(f"  {rows[-1]['wall_s']:.0f} s, peak {rows[-1]['peak_mb']:.0f} MB", flush=True)
    publish(table(rows), OUT / "resources.md")
    save_rows(rows)
    return 0 if all(r["ok"] and r["peak_mb"] <= LIMIT_MB for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
