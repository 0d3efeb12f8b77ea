"""Notebook 04, exercise 1, measured for real: the lesson's set-up trained at several latent sizes.

    .venv/bin/python benchmarks/gan_latent.py [--z 2 8 32 64] [--steps 900] [--seed 42]

Training three or four GANs does not fit in the notebook's 5 minutes, so its solution reads this
script's results. It trains notebook 04's set-up (``make_fast_gan``, batches of ``FAST_BATCH_SIZE``)
at each latent size for ``--steps`` steps (default 900, under a third of the full profile: about
70 s each on 2 cores) and measures the moving-average generator on 10,000 samples against the 10,000 test
digits: MNIST-FID, the share of samples the classifier recognises with confidence, the smallest
share of a digit and the digits covered; it keeps 20 digits of each size
(``benchmarks/results/gan_latent_z<z>_samples.npz``) for the notebook to show. It runs notebook 04's
own code (the cells tagged ``gan-fast-path``, imported with
:func:`lessons_lib.notebook_code.load_tagged_cells`), so it cannot drift from the lesson.

Prints the table and writes it to build/benchmarks/gan_latent.md, and saves the numbers that
notebook 04's exercise 1 prints to ``benchmarks/results/gan_latent.json``
(:mod:`lessons_lib.benchmark_results`; commit it with the samples files). A benchmark, not a test:
run it alone on the machine (``flock /tmp/heavy.lock`` on the course machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from report import ROOT, full_mnist, parse_checked, publish, results_header  # benchmarks/report.py

from lessons_lib.benchmark_results import save_results, save_samples
from lessons_lib.notebook_code import load_tagged_cells

NOTEBOOK = ROOT / "notebooks" / "04_gan.ipynb"
N_EVAL = 10_000  # samples per MNIST-FID, against the 10,000 test digits
N_KEPT = 20  # digits kept per latent size for the notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--z", type=int, nargs="+", default=[2, 8, 32, 64], help="latent sizes")
    parser.add_argument("--steps", type=int, default=900, help="steps per size")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "benchmarks" / "gan_latent.md")
    args = parse_checked(parser, argv, positive=["steps", "z"], seeds=["seed"])

    import keras

    from lessons_lib.data import to_float
    from lessons_lib.metrics import classifier_outputs, digit_classifier, sample_quality

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    fast = load_tagged_cells(NOTEBOOK, "gan-fast-path")
    (x_train, _), (x_test, _) = full_mnist()
    x_train = to_float(x_train)[..., None]
    reference = to_float(x_test)
    classifier, _ = digit_classifier()
    classifier_outputs(classifier, reference[:10])  # build the probe once before timing
    batches = fast.make_dataset(x_train, fast.FAST_BATCH_SIZE)

    rows = []
    for z_dim in args.z:
        keras.utils.set_random_seed(args.seed)
        gan = fast.make_fast_gan(z_dim)
        start = time.perf_counter()
        gan.fit(batches, epochs=1, steps_per_epoch=args.steps, verbose=0)
        seconds = time.perf_counter() - start
        noise = np.random.default_rng(1).uniform(-1.0, 1.0, size=(N_EVAL, z_dim)).astype("float32")
        generator = gan.averaged_generator()
        images = np.asarray(generator.predict(noise, batch_size=500, verbose=0))
        q = sample_quality(classifier, images, reference)
        save_samples(f"gan_latent_z{z_dim}", images[:N_KEPT, ..., 0])
        rows.append((z_dim, seconds, q))
        print(f"z={z_dim}: {seconds:.0f} s, MNIST-FID {q['fid']:.2f}, confident {q['confident']:.0%}, "
              f"smallest digit share {q['min_share']:.1%}, digits {q['digits']:.0f}", flush=True)

    lines = [
        f"# benchmarks/gan_latent.py - {started}, {os.cpu_count()} CPU cores",
        "",
        f"Notebook 04's set-up, {args.steps} steps of {fast.FAST_BATCH_SIZE} at each latent size, "
        f"seed {args.seed}; "
        f"MNIST-FID of {N_EVAL:,} samples (the moving-average generator) against the 10,000 test digits:",
        "",
        "| z | training time | MNIST-FID | confident (p >= 0.9) | smallest digit share | digits covered |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {z} | {s:.0f} s | {q['fid']:.2f} | {q['confident']:.0%} | {q['min_share']:.1%} "
        f"| {q['digits']:.0f} |"
        for z, s, q in rows
    ]
    publish("\n".join(lines) + "\n", args.out)
    path = save_results("gan_latent", {
        **results_header("gan_latent", started),
        "steps": args.steps,
        "batch_size": fast.FAST_BATCH_SIZE,
        "seed": args.seed,
        "n_samples": N_EVAL,
        "rows": [
            {"z": z, "seconds": round(s, 1), "fid": round(float(q["fid"]), 2),
             "confident": round(float(q["confident"]), 4), "min_share": round(q["min_share"], 4),
             "digits": int(q["digits"])}
            for z, s, q in rows
        ],
    })
    print(f"results for notebook 04 written to {path.relative_to(ROOT)} (commit it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
