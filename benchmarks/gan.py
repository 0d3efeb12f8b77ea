"""Benchmark for notebook 04 (GAN): the lecture's training loop against the Keras 3 fast path.

    flock /tmp/heavy.lock .venv/bin/python benchmarks/gan.py [--out build/benchmarks/gan.md]
        [--steps-timed 20] [--lecture-steps 2000] [--lesson-steps 800] [--only lecture] [--reuse-lecture]

Measured side by side in one run (one process, 2 threads, same machine):

1. step time on the lecture's architecture: the lecture's loop (``generator.predict`` +
   ``discriminator.train_on_batch`` + ``gan_model.train_on_batch``) against the same loop with a
   direct generator call, and against the fast path (one compiled ``train_step`` driven by ``fit``);
2. wall time and MNIST-FID of the lesson's full profile (notebook 04's fast set-up) against the
   lecture's 2000-step run with the lecture's own loop.

Everything trained here is notebook 04's own code: its cells tagged ``gan-lecture`` (the lecture's
models, combined model and loop) and ``gan-fast-path`` (the GAN model with its ``train_step``, the
fast set-up), imported with :func:`lessons_lib.notebook_code.load_tagged_cells`. No copy.

The lecture run takes about 20-25 minutes on a 2-core CPU. ``--only lecture`` runs just that part
and keeps its generator and wall time under ``cache/bench_gan/``; ``--reuse-lecture`` then uses them
instead of training again (the results say so). A full run prints the table, writes it (Markdown)
to ``--out`` and saves the numbers notebook 04 quotes to ``benchmarks/results/gan.json``
(:mod:`lessons_lib.benchmark_results`; commit that file). A benchmark, not a test: never run by
``make test``.

TensorFlow runs with its defaults here (op determinism off); notebook 04 switches op determinism
on (``set_seed``), so the notebook's own step times can differ from this table's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
from report import ROOT, full_mnist, parse_checked, publish, results_header  # benchmarks/report.py

from lessons_lib.benchmark_results import save_results
from lessons_lib.files import atomic_write
from lessons_lib.notebook_code import load_tagged_cells

NOTEBOOK = ROOT / "notebooks" / "04_gan.ipynb"
N_EVAL = 5000  # samples per MNIST-FID, against as many test digits


def lecture_cells() -> ModuleType:
    """Notebook 04's lecture code, fresh (its own random generator, seeded with the notebook's SEED)."""
    return load_tagged_cells(NOTEBOOK, "gan-lecture")


def fast_path_cells() -> ModuleType:
    """Notebook 04's fast path: ``GAN``, ``build_gan``, ``make_dataset``, ``make_fast_gan``."""
    return load_tagged_cells(NOTEBOOK, "gan-fast-path")


def load_data() -> np.ndarray:
    from lessons_lib.data import to_float

    (x_train, _), _ = full_mnist()
    return to_float(x_train)[..., None]


def bench_dir() -> Path:
    from lessons_lib.cache import cache_dir

    folder = cache_dir() / "bench_gan"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_lecture(data: np.ndarray, steps: int) -> dict:
    """The lecture's run (its own loop, with generator.predict), timed; keeps the generator."""
    import keras

    lecture = lecture_cells()
    seed = lecture.SEED
    keras.utils.set_random_seed(seed)
    generator, discriminator = lecture.make_generator(), lecture.make_discriminator()
    gan_model = lecture.compile_lecture_gan(generator, discriminator)
    start = time.perf_counter()
    for step in range(steps):
        lecture.lecture_step(generator, discriminator, gan_model, data, use_predict=True)
        if step % 100 == 0:  # the lecture's 5-digit strip (drawn, not shown, here)
            generator.predict(lecture.sample_z(5), verbose=0)
            print(f"lecture step {step}/{steps}  {time.perf_counter() - start:.0f} s", flush=True)
    wall = time.perf_counter() - start
    path = bench_dir() / f"lecture_steps-{steps}_seed-{seed}.keras"
    atomic_write(path, generator.save)
    meta = {"steps": steps, "seed": seed, "wall_s": wall, "generator": str(path)}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return meta


def time_steps(data: np.ndarray, steps: int) -> dict[str, float]:
    """Seconds per step on the lecture's architecture: lecture loop (predict / direct call), fit path."""
    import keras

    keras.utils.set_random_seed(0)
    results = {}
    loops = (("lecture loop, generator.predict", True), ("lecture loop, generator(z)", False))
    for name, use_predict in loops:
        lecture = lecture_cells()
        generator, discriminator = lecture.make_generator(), lecture.make_discriminator()
        gan_model = lecture.compile_lecture_gan(generator, discriminator)
        lecture.lecture_step(generator, discriminator, gan_model, data, use_predict)  # warm-up: tracing
        start = time.perf_counter()
        for _ in range(steps):
            lecture.lecture_step(generator, discriminator, gan_model, data, use_predict)
        results[name] = (time.perf_counter() - start) / steps
    lecture, fast = lecture_cells(), fast_path_cells()
    for name, make_gan in (
        ("fit + train_step, lecture's G and D",
         lambda: fast.build_gan(lecture.make_generator(), lecture.make_discriminator())),
        ("fit + train_step, fast set-up (lecture's G, narrow D)", fast.make_fast_gan),
    ):
        gan = make_gan()
        dataset = fast.make_dataset(data)
        gan.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0)
        start = time.perf_counter()
        gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
        results[name] = (time.perf_counter() - start) / steps
    return results


def run_lesson(data: np.ndarray, steps: int) -> dict:
    """Notebook 04's full profile: its fast set-up (``make_fast_gan``) trained by fit for ``steps`` steps."""
    import keras

    fast = fast_path_cells()
    keras.utils.set_random_seed(fast.SEED)
    gan = fast.make_fast_gan()
    start = time.perf_counter()
    gan.fit(fast.make_dataset(data), epochs=1, steps_per_epoch=steps, verbose=0)
    return {"steps": steps, "wall_s": time.perf_counter() - start, "generator": gan.generator}


def quality(generator, classifier, reference: np.ndarray, n: int = N_EVAL) -> dict[str, float]:
    from lessons_lib.metrics import sample_quality

    noise = np.random.default_rng(1).uniform(-1.0, 1.0, size=(n, generator.input_shape[-1])).astype("float32")
    images = np.asarray(generator.predict(noise, batch_size=500, verbose=0))
    return sample_quality(classifier, images, reference)


def run_record(label: str, steps: int, seconds: float, q: dict[str, float], run: str) -> dict:
    """One training run as notebook 04 reads it from benchmarks/results/gan.json."""
    return {
        "label": label, "steps": int(steps), "seconds": round(float(seconds), 1),
        "fid": round(float(q["fid"]), 2), "confident": round(float(q["confident"]), 4),
        "digits": int(q["digits"]), "run": run,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "benchmarks" / "gan.md")
    parser.add_argument("--steps-timed", type=int, default=20)
    parser.add_argument("--lecture-steps", type=int, default=2000)
    parser.add_argument("--lesson-steps", type=int, default=800, help="notebook 04's full profile")
    parser.add_argument("--only", choices=["lecture"])
    parser.add_argument("--reuse-lecture", action="store_true")
    args = parse_checked(parser, argv, positive=["steps_timed", "lecture_steps", "lesson_steps"])
    data = load_data()
    if args.only == "lecture":
        meta = run_lecture(data, args.lecture_steps)
        print(json.dumps(meta, indent=1))
        return 0

    import keras

    from lessons_lib.data import to_float
    from lessons_lib.metrics import digit_classifier, mnist_fid

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    classifier, _ = digit_classifier()
    (x_train, _), (x_test, _) = full_mnist()
    reference = to_float(x_test[:N_EVAL])
    real_fid = mnist_fid(classifier, to_float(x_train[:N_EVAL]), reference)

    steps = time_steps(data, args.steps_timed)
    lesson = run_lesson(data, args.lesson_steps)
    lesson_q = quality(lesson["generator"], classifier, reference)

    lecture_json = bench_dir() / f"lecture_steps-{args.lecture_steps}_seed-{lecture_cells().SEED}.json"
    if args.reuse_lecture and lecture_json.exists():
        lecture = json.loads(lecture_json.read_text())
        lecture_note = "a separate `--only lecture` run of the script (reused with --reuse-lecture)"
    else:
        lecture = run_lecture(data, args.lecture_steps)
        lecture_note = "this run"
    lecture_generator = keras.saving.load_model(lecture["generator"], safe_mode=True)
    lecture_q = quality(lecture_generator, classifier, reference)

    batch = fast_path_cells().BATCH_SIZE
    runs = {
        "lecture": run_record("the lecture's GAN, the lecture's loop", lecture["steps"], lecture["wall_s"],
                              lecture_q, lecture_note),
        "lesson": run_record("the fast set-up (lesson's full profile), fit", lesson["steps"],
                             lesson["wall_s"], lesson_q, "this run"),
    }
    base = steps["lecture loop, generator.predict"]
    lines = [
        f"# benchmarks/gan.py - {started}, {os.cpu_count()} CPU cores",
        "",
        f"Step time on the lecture's architecture (batch {batch}, "
        f"mean of {args.steps_timed} steps after warm-up):",
        "",
        "| path | s/step | speed-up vs lecture loop |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {name} | {value:.3f} | {base / value:.2f}x |" for name, value in steps.items()]
    lines += [
        "",
        f"Training runs (MNIST-FID: {N_EVAL} samples vs {N_EVAL} test digits, "
        "features of the cached digit classifier):",
        "",
        "| run | steps | wall time | MNIST-FID | confident (p >= 0.9) | digits covered |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {r['label']} ({r['run']}) | {r['steps']} | {r['seconds']:.0f} s | {r['fid']:.1f} "
        f"| {r['confident']:.0%} | {r['digits']} |"
        for r in runs.values()
    ]
    lines += [
        f"| real vs real ({N_EVAL} training vs {N_EVAL} test digits) | - | - | {real_fid:.1f} | - | - |",
        "",
        f"Lesson / lecture wall time: {lesson['wall_s'] / lecture['wall_s']:.2f} "
        f"({lecture['wall_s'] / lesson['wall_s']:.1f}x faster).",
    ]
    publish("\n".join(lines) + "\n", args.out)
    path = save_results("gan", {
        **results_header("gan", started),
        "batch_size": batch,
        "steps_timed": args.steps_timed,
        "n_samples": N_EVAL,
        "step_seconds": {name: round(value, 4) for name, value in steps.items()},
        "runs": runs,
        "real_fid": round(float(real_fid), 2),
    })
    print(f"results for notebook 04 written to {path.relative_to(ROOT)} (commit it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
