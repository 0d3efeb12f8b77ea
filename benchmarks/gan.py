"""Benchmark for notebook 04 (GAN): the ruler, the step times, the ablation and the lesson's targets.

    flock /tmp/heavy.lock .venv/bin/python benchmarks/gan.py [--seeds 1 2 3] [--steps 800]
        [--full-steps 3000] [--lecture-steps 2000] [--steps-timed 20] [--rows lesson previous ...]
        [--out build/benchmarks/gan.md]

Measured in one run (one process, 2 threads, the full MNIST):

1. **the ruler**: the MNIST-FID of 10,000 training digits against the 10,000 test digits under
   growing Gaussian noise, blur and left-out digits (:func:`lessons_lib.metrics.fid_under_damage`);
   every row must grow;
2. **step times** on the lecture's architecture (the lecture's loop with ``generator.predict`` and
   with a direct call, ``fit`` + ``train_step``) and of the lesson's set-up (``--only step-times``
   measures them again alone and replaces them in the results file, with their own date);
3. **the ablation**: the lesson's set-up (``FAST_SETUP``, batches of ``FAST_BATCH_SIZE``) and the
   same set-up with one of its changes undone, each trained ``--steps`` steps (600, a fifth of the
   full profile) for every seed, and the first edition's set-up; every run with a moving average
   (EMA) is measured twice, with the averaged generator and with the raw one ("without EMA");
   then the lesson's set-up for the full profile's ``--full-steps`` for every seed;
4. **the lecture's run**: its GAN and its loop for 2000 steps, once; 100 of its digits are kept in
   ``benchmarks/results/gan_lecture_samples.npz`` for the notebook to show;
5. **the targets** of the lesson (issue 13): training <= 4 min, MNIST-FID at most half the
   lecture's, every digit >= 5 % of the samples, >= 75 % of them recognised with p >= 0.9.

Sample quality: 10,000 samples against the 10,000 test digits, features of the cached digit
classifier. Everything trained is notebook 04's own code (cells tagged ``gan-lecture`` and
``gan-fast-path``, imported with :func:`lessons_lib.notebook_code.load_tagged_cells`). It prints
the tables, writes them (Markdown) to ``--out`` and saves the numbers notebook 04 quotes to
``benchmarks/results/gan.json`` (commit it with the samples file). About an hour on a 2-core CPU.
A benchmark, not a test: never run by ``make test``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
from report import ROOT, full_mnist, parse_checked, publish, results_header  # benchmarks/report.py

from lessons_lib.benchmark_results import save_results, save_samples
from lessons_lib.notebook_code import load_tagged_cells

NOTEBOOK = ROOT / "notebooks" / "04_gan.ipynb"
N_EVAL = 10_000  # samples per MNIST-FID, against the 10,000 test digits
ABLATION_STEPS = 600  # a fifth of the full profile: every ablation run, so that all rows fit in one run
N_KEPT = 100  # the lecture's digits kept for the notebook

#: The ablation: the lesson's set-up, then that set-up with one change undone: make_fast_gan's keywords,
#: and ``batch_size`` for the input pipeline (default: the lesson's FAST_BATCH_SIZE).
ROWS = {
    "lesson": ("the lesson's set-up", {}),
    "lecture_generator": (
        "... with the lecture's generator (UpSampling2D + stride-1 transposed convolutions, 64/32/16)",
        {"generator": "lecture"},
    ),
    "g_dropout": ("... with the generator's dropout (0.4, the lecture's)", {"g_dropout": 0.4}),
    "d_dropout": ("... with dropout 0.3 in the discriminator", {"d_dropout": 0.3}),
    "probabilities": ("... with D's sigmoid in the model (loss on probabilities)", {"from_logits": False}),
    "real_label_1": ("... with real label 1 (no label smoothing)", {"real_label": 1.0}),
    "two_rates": ("... with two learning rates (TTUR: 2e-4 for G, 4e-4 for D)", {"g_learning_rate": 2e-4}),
    "fakes_inference": (
        "... with D's fakes drawn in inference mode (as by predict)",
        {"fakes_in_training_mode": False},
    ),
    "batch_128": ("... with batches of 128 (the lecture's; twice the images)", {"batch_size": 128}),
    "previous": (
        "the first edition's set-up (the lecture's G with its dropout, D dropout, probabilities, "
        "real label 1, inference-mode fakes, no EMA, batches of 128)",
        {
            "generator": "lecture",
            "g_dropout": 0.4,
            "d_dropout": 0.3,
            "from_logits": False,
            "real_label": 1.0,
            "fakes_in_training_mode": False,
            "ema": None,
            "batch_size": 128,
        },
    ),
}
#: What a run measures by default: the rows whose change the lesson has to justify by a measurement
#: (logits instead of probabilities is the same loss, computed more stably; batches of 128 are part
#: of the first edition's row). ``--rows`` runs any of ROWS.
DEFAULT_ROWS = [name for name in ROWS if name not in ("probabilities", "batch_128")]
TARGETS = {"seconds": 240, "fid_vs_lecture": 0.5, "min_share": 0.05, "confident": 0.75}


def lecture_cells() -> ModuleType:
    """Notebook 04's lecture code, fresh (its own random generator, seeded with the notebook's SEED)."""
    return load_tagged_cells(NOTEBOOK, "gan-lecture")


def fast_path_cells() -> ModuleType:
    """Notebook 04's fast path: ``GAN``, ``build_gan``, ``make_dataset``, ``make_fast_gan``, the settings."""
    return load_tagged_cells(NOTEBOOK, "gan-fast-path")


def measure(generator, classifier, reference_features: np.ndarray, seed: int) -> dict[str, float]:
    """MNIST-FID, confident share and the smallest share of a digit (argmax over all samples)."""
    from lessons_lib.metrics import classifier_outputs, confident_share, digit_shares, frechet_distance

    noise = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(N_EVAL, generator.input_shape[-1]))
    images = np.asarray(generator.predict(noise.astype("float32"), batch_size=500, verbose=0))
    features, probs = classifier_outputs(classifier, images)
    shares = digit_shares(probs)
    return {
        "fid": frechet_distance(features, reference_features),
        "confident": confident_share(probs),
        "min_share": float(shares.min()),
    }


def time_steps(data: np.ndarray, steps: int) -> dict[str, float]:
    """Seconds per step: the lecture's loop (predict, direct call), fit on its models, the lesson's set-up."""
    import keras

    keras.utils.set_random_seed(0)
    results = {}
    for name, use_predict in (
        ("lecture loop, generator.predict", True),
        ("lecture loop, generator(z)", False),
    ):
        lecture = lecture_cells()
        generator, discriminator = lecture.make_generator(), lecture.make_discriminator()
        gan_model = lecture.compile_lecture_gan(generator, discriminator)
        lecture.lecture_step(generator, discriminator, gan_model, data, use_predict)  # warm-up: tracing
        start = time.perf_counter()
        for _ in range(steps):
            lecture.lecture_step(generator, discriminator, gan_model, data, use_predict)
        results[name] = (time.perf_counter() - start) / steps
    lecture, fast = lecture_cells(), fast_path_cells()
    for name, make_gan, batch_size in (
        (
            f"fit + train_step, lecture's G and D, batch {lecture.BATCH_SIZE}",
            lambda: fast.build_gan(lecture.make_generator(), lecture.make_discriminator()),
            lecture.BATCH_SIZE,
        ),
        (
            f"fit + train_step, the lesson's set-up, batch {lecture.BATCH_SIZE}",
            fast.make_fast_gan,
            lecture.BATCH_SIZE,
        ),
        (
            f"fit + train_step, the lesson's set-up, batch {fast.FAST_BATCH_SIZE}",
            fast.make_fast_gan,
            fast.FAST_BATCH_SIZE,
        ),
    ):
        gan = make_gan()
        dataset = fast.make_dataset(data, batch_size)
        gan.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0)
        start = time.perf_counter()
        gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
        results[name] = (time.perf_counter() - start) / steps
    return results


def train_and_measure(changes: dict, seed: int, steps: int, data, classifier, reference_features) -> dict:
    """One run of the lesson's set-up with ``changes``: training time, quality with (and without) EMA."""
    import keras

    fast = fast_path_cells()
    changes = dict(changes)
    batch_size = changes.pop("batch_size", fast.FAST_BATCH_SIZE)
    keras.utils.set_random_seed(seed)
    gan = fast.make_fast_gan(**changes)
    dataset = fast.make_dataset(data, batch_size)
    start = time.perf_counter()
    gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    run = {"seed": seed, "seconds": time.perf_counter() - start}
    run.update(measure(gan.averaged_generator(), classifier, reference_features, seed))
    if gan.g_optimizer.use_ema:
        raw = measure(gan.generator, classifier, reference_features, seed)
        run.update({f"{key}_without_ema": value for key, value in raw.items()})
    return run


def run_ablation(rows: list[str], seeds: list[int], steps: int, data, classifier, reference_features):
    """Every row of ``ROWS`` for every seed, ``steps`` steps each."""
    runs: dict[str, list[dict]] = {name: [] for name in rows}
    for seed in seeds:
        for name in rows:
            run = train_and_measure(ROWS[name][1], seed, steps, data, classifier, reference_features)
            runs[name].append(run)
            print(
                f"seed {seed} {name}: {run['seconds']:.0f} s, MNIST-FID {run['fid']:.2f}, confident "
                f"{run['confident']:.1%}, smallest share {run['min_share']:.1%}",
                flush=True,
            )
    return runs


def summary(name: str, runs: list[dict]) -> dict:
    """One row of runs: medians over the seeds, with the lowest and highest value."""

    def stats(key: str) -> dict[str, float]:
        values = [r[key] for r in runs]
        return {
            "median": round(float(np.median(values)), 4),
            "low": round(float(min(values)), 4),
            "high": round(float(max(values)), 4),
        }

    row = {
        "row": name,
        "label": ROWS[name][0],
        "changes": ROWS[name][1],
        **{key: stats(key) for key in ("fid", "confident", "min_share", "seconds")},
    }
    if "fid_without_ema" in runs[0]:
        row["without_ema"] = {key: stats(f"{key}_without_ema") for key in ("fid", "confident", "min_share")}
    row["runs"] = [{k: round(float(v), 4) if isinstance(v, float) else v for k, v in r.items()} for r in runs]
    return row


def run_lecture(data: np.ndarray, steps: int, classifier, reference_features) -> dict:
    """The lecture's run (its models, its loop with generator.predict), timed; keeps 100 of its digits."""
    import keras

    lecture = lecture_cells()
    keras.utils.set_random_seed(lecture.SEED)
    generator, discriminator = lecture.make_generator(), lecture.make_discriminator()
    gan_model = lecture.compile_lecture_gan(generator, discriminator)
    start = time.perf_counter()
    for step in range(steps):
        lecture.lecture_step(generator, discriminator, gan_model, data, use_predict=True)
        if step % 100 == 0:  # the lecture's 5-digit strip (drawn, not shown, here)
            generator.predict(lecture.sample_z(5), verbose=0)
            print(f"lecture step {step}/{steps}  {time.perf_counter() - start:.0f} s", flush=True)
    seconds = time.perf_counter() - start
    kept = generator.predict(
        np.random.default_rng(0).uniform(-1, 1, (N_KEPT, lecture.Z_DIM)).astype("float32"), verbose=0
    )
    save_samples("gan_lecture", kept[..., 0])
    quality = measure(generator, classifier, reference_features, lecture.SEED)
    return {
        "steps": steps,
        "seed": lecture.SEED,
        "seconds": round(seconds, 1),
        **{key: round(float(value), 4) for key, value in quality.items()},
    }


def ruler_rows(table: dict[str, list[tuple[float, float]]]) -> tuple[list[dict], bool]:
    rows = [
        {"damage": name, "levels": [level for level, _ in values], "fid": [round(f, 2) for _, f in values]}
        for name, values in table.items()
    ]
    rising = all(all(b > a for a, b in zip(r["fid"], r["fid"][1:], strict=False)) for r in rows)
    return rows, rising


def full_profile_steps() -> int:
    """``STEPS`` of notebook 04's full profile, read from its cell tagged ``gan-training``."""
    from lessons_lib.profiles import current_profile, pick

    os.environ["LESSONS_PROFILE"] = "full"
    settings = load_tagged_cells(
        NOTEBOOK, "gan-training", only=["STEPS"], preset={"pick": pick, "current_profile": current_profile}
    )
    return int(settings.STEPS)


def step_times_only(steps: int) -> int:
    """Measure the step times again, alone, and replace them (with their own date) in gan.json."""
    from lessons_lib.benchmark_results import load_results
    from lessons_lib.data import to_float

    (x_train, _), _ = full_mnist()
    measured = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    times = time_steps(to_float(x_train)[..., None], steps)
    for name, value in times.items():
        print(f"{name}: {value:.3f} s/step")
    results = load_results("gan")
    results.update(
        step_seconds={name: round(value, 4) for name, value in times.items()},
        steps_timed=steps,
        step_seconds_measured=measured,
    )
    save_results("gan", results)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--steps", type=int, default=ABLATION_STEPS, help="steps per ablation run")
    parser.add_argument("--full-steps", type=int, default=None, help="default: notebook 04's full profile")
    parser.add_argument("--lecture-steps", type=int, default=2000)
    parser.add_argument("--steps-timed", type=int, default=20)
    parser.add_argument("--rows", nargs="+", choices=list(ROWS), default=DEFAULT_ROWS)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "benchmarks" / "gan.md")
    parser.add_argument(
        "--only",
        choices=["step-times"],
        help="measure only the step times and replace them in the results file",
    )
    args = parse_checked(
        parser, argv, positive=["steps", "full_steps", "lecture_steps", "steps_timed"], seeds=["seeds"]
    )
    if "lesson" not in args.rows:
        parser.error("--rows must include 'lesson' (the targets are the lesson's)")
    if args.only == "step-times":
        return step_times_only(args.steps_timed)
    args.full_steps = args.full_steps or full_profile_steps()

    from lessons_lib.data import to_float
    from lessons_lib.metrics import classifier_outputs, digit_classifier, fid_under_damage

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (x_train, y_train), (x_test, y_test) = full_mnist()
    data = to_float(x_train)[..., None]
    reference = to_float(x_test)
    classifier, _ = digit_classifier()
    reference_features, reference_probs = classifier_outputs(classifier, reference)
    accuracy = float(np.mean(reference_probs.argmax(axis=1) == y_test))
    ruler, rising = ruler_rows(
        fid_under_damage(classifier, to_float(x_train[:N_EVAL]), y_train[:N_EVAL], reference)
    )
    print(f"classifier accuracy {accuracy:.2%}; the MNIST-FID rises under every damage: {rising}", flush=True)

    steps = time_steps(data, args.steps_timed)
    print("step times:", {k: round(v, 3) for k, v in steps.items()}, flush=True)
    runs = run_ablation(args.rows, args.seeds, args.steps, data, classifier, reference_features)
    lesson_runs = []
    for seed in args.seeds:  # the lesson's full profile: the runs the targets are about
        lesson_runs.append(train_and_measure({}, seed, args.full_steps, data, classifier, reference_features))
        print(
            f"seed {seed} full profile ({args.full_steps} steps): {lesson_runs[-1]['seconds']:.0f} s, "
            f"MNIST-FID {lesson_runs[-1]['fid']:.2f}, confident {lesson_runs[-1]['confident']:.1%}",
            flush=True,
        )
    lecture = run_lecture(data, args.lecture_steps, classifier, reference_features)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    rows = [summary(name, runs[name]) for name in args.rows]
    full = summary("lesson", lesson_runs)
    full.update(
        label=f"the lesson's set-up, {args.full_steps} steps (the full profile)", steps=args.full_steps
    )

    checks = {
        "seconds": [r["seconds"] <= TARGETS["seconds"] for r in lesson_runs],
        "fid_vs_lecture": [r["fid"] <= TARGETS["fid_vs_lecture"] * lecture["fid"] for r in lesson_runs],
        "min_share": [r["min_share"] >= TARGETS["min_share"] for r in lesson_runs],
        "confident": [r["confident"] >= TARGETS["confident"] for r in lesson_runs],
    }
    targets = {
        key: {"bound": TARGETS[key], "seeds_meeting": sum(ok), "of": len(ok)} for key, ok in checks.items()
    }

    def cell(stats: dict, fmt: str) -> str:
        return f"{stats['median']:{fmt}} [{stats['low']:{fmt}}, {stats['high']:{fmt}}]"

    lines = [
        f"# benchmarks/gan.py - {started}, {os.cpu_count()} CPU cores, peak memory {peak_gb:.2f} GB",
        "",
        f"## The ruler: digit classifier {accuracy:.2%} correct on the 10,000 test digits",
        "",
        f"MNIST-FID of {N_EVAL:,} training digits, damaged, against the 10,000 test digits:",
        "",
    ]
    for r in ruler:
        lines += [
            f"| {r['damage']} | " + " | ".join(f"{lv:g}" for lv in r["levels"]) + " |",
            "| --- |" + " --- |" * len(r["levels"]),
            "| MNIST-FID | " + " | ".join(f"{f:.2f}" for f in r["fid"]) + " |",
            "",
        ]
    lines += [
        f"Rises at every level of every damage: {rising}.",
        "",
        f"## Step times (mean of {args.steps_timed} steps after warm-up)",
        "",
        "| path | s/step |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {value:.3f} |" for name, value in steps.items()]
    lines += [
        "",
        f"## Ablation: {args.steps} steps per run, seeds {args.seeds}; median [lowest, highest]",
        "",
        "| set-up | MNIST-FID | without EMA | confident (p >= 0.9) | smallest digit share | training time |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        without = cell(r["without_ema"]["fid"], ".2f") if "without_ema" in r else "-"
        lines.append(
            f"| {r['label']} | {cell(r['fid'], '.2f')} | {without} | {cell(r['confident'], '.1%')} "
            f"| {cell(r['min_share'], '.1%')} | {r['seconds']['median']:.0f} s |"
        )
    lines += [
        "",
        f"## The lesson's full profile ({args.full_steps} steps) and the lecture's run",
        "",
        "| run | MNIST-FID | without EMA | confident (p >= 0.9) | smallest digit share | training time |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| {full['label']}, seeds {args.seeds} | {cell(full['fid'], '.2f')} | "
        f"{cell(full['without_ema']['fid'], '.2f')} | {cell(full['confident'], '.1%')} | "
        f"{cell(full['min_share'], '.1%')} | {full['seconds']['median']:.0f} s |",
        f"| the lecture's GAN and loop, {lecture['steps']} steps, seed {lecture['seed']} (once) "
        f"| {lecture['fid']:.2f} | - | {lecture['confident']:.1%} | {lecture['min_share']:.1%} "
        f"| {lecture['seconds']:.0f} s |",
        "",
        "## The lesson's targets, per seed",
        "",
    ]
    wording = {
        "seconds": f"training <= {TARGETS['seconds']} s",
        "fid_vs_lecture": f"MNIST-FID <= {TARGETS['fid_vs_lecture']} x the lecture's ({lecture['fid']:.2f})",
        "min_share": f"every digit >= {TARGETS['min_share']:.0%} of the samples",
        "confident": f">= {TARGETS['confident']:.0%} of the samples recognised with p >= 0.9",
    }
    lines += [f"- {wording[key]}: met in {t['seeds_meeting']}/{t['of']} seeds" for key, t in targets.items()]
    publish("\n".join(lines) + "\n", args.out)
    path = save_results(
        "gan",
        {
            **results_header("gan", started),
            "n_samples": N_EVAL,
            "classifier_accuracy": round(accuracy, 4),
            "ruler": ruler,
            "ruler_rises": rising,
            "steps_timed": args.steps_timed,
            "step_seconds": {name: round(value, 4) for name, value in steps.items()},
            "steps": args.steps,
            "seeds": args.seeds,
            "full_profile": full,
            "peak_memory_gb": round(peak_gb, 2),
            "rows": rows,
            "lecture": lecture,
            "targets": targets,
        },
    )
    print(f"results for notebook 04 written to {path.relative_to(ROOT)} (commit it with its samples file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
