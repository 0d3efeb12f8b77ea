"""Notebook 05 measured over several seeds: lesson 02's 2-d autoencoder against the VAE, in one run.

    .venv/bin/python benchmarks/vae.py [--seeds 1 2 3] [--epochs N]

Notebook 05 compares, with its one ``SEED``, what two models with 2-number codes generate: lesson
02's autoencoder decoding random codes drawn uniformly in the box between the 5th and 95th
percentiles of its training codes, and the VAE (β = 1, latent dimension 2) decoding codes drawn
from N(0, I). One seed is one draw. This trains both again for every seed, in notebook 05's full
profile (its ``EPOCHS`` and ``BATCH_SIZE``), draws ``N_EVAL`` (5000) samples of each as the notebook
does, and reads them with lesson 04's digit classifier: the MNIST-FID against the first ``N_EVAL``
test digits, the confident share, the digits covered and the training seconds. Mean and range over
the seeds, the number of seeds in which the VAE's MNIST-FID is the lower one, the real-vs-real
MNIST-FID (``N_EVAL`` training digits against the same test digits, once) and the process's peak
memory.

It runs the notebook's own code (:func:`lessons_lib.notebook_code.load_tagged_cells`), so it
cannot drift from the lesson:

- tag ``vae-lesson``: ``SEED``, both models and their training functions
  (``train_latent_autoencoder``, ``train_vae``). What those cells take from the notebook's untagged
  set-up cells (which load the data, draw, or hold ``%matplotlib inline``) is handed in with
  ``preset=``: ``ModelBank``, ``set_seed``, the settings below and ``x_train`` (the full MNIST,
  flattened to [0, 1] as the data cell does);
- tag ``vae-settings``, with ``only=``: ``PROFILE_NAME``, ``EPOCHS``, ``BATCH_SIZE`` and ``N_EVAL``
  of the set-up cell (``pick(...)`` in the full profile), nothing else of that cell;
- tag ``vae-sampling``, with ``only=``: the lines of sections 1 and 5 that draw the codes and
  decode them (the rest of those cells draws figures).

For every seed the module's ``SEED`` is that seed, for the training and for the draws: the run the
notebook makes with ``SEED = <seed>``. The models are trained directly, not through the
notebook's ``ModelBank`` (nothing is read from or written to cache/; the digit classifier is).

Prints the table, writes it to build/benchmarks/vae.md, and saves the numbers to
``benchmarks/results/vae.json`` (:mod:`lessons_lib.benchmark_results`; commit that file).
A benchmark, not a test: run it alone on the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
from report import ROOT, full_mnist, parse_checked, publish, results_header  # benchmarks/report.py

from lessons_lib.benchmark_results import save_results
from lessons_lib.notebook_code import load_tagged_cells

NOTEBOOK = ROOT / "notebooks" / "05_variational_autoencoder.ipynb"
SETTINGS = ("PROFILE_NAME", "EPOCHS", "BATCH_SIZE", "N_EVAL")  # of the set-up cell (tag vae-settings)
# What the notebook's sampling lines assign (tag vae-sampling), in their order; the last is the images.
DRAWS = {
    "ae": ("ae_train_codes", "low", "high", "rng", "random_codes", "ae_random"),  # section 1
    "vae": ("prior_rng", "prior_codes", "vae_samples"),  # section 5
}
SETUPS = {  # key: label
    "ae": "02 autoencoder (2-d), uniform codes in the 5-95 % box of its training codes",
    "vae": "05 VAE (beta 1, 2-d), codes from N(0, I)",
}


def measure(images, classifier, reference_features):
    """Notebook 05's numbers for ``images`` (section 5: read as they are, unclipped)."""
    from lessons_lib.metrics import classifier_outputs, confident_share, digit_coverage, frechet_distance

    features, probs = classifier_outputs(classifier, images)
    return {
        "fid": frechet_distance(features, reference_features),
        "confident": confident_share(probs),
        "digits": digit_coverage(probs),
    }


def draw(name, model, *, seed, n_eval, x_train):
    """The samples notebook 05 draws from the trained ``model`` of set-up ``name`` with ``SEED = seed``."""
    preset = {"np": np, "SEED": seed, "N_EVAL": n_eval}
    if name == "ae":  # section 1 reads its halves as the notebook's ae_encoder and ae_decoder
        preset.update(x_train=x_train, ae_encoder=model.get_layer("encoder"),
                      ae_decoder=model.get_layer("decoder"))
    else:
        preset.update(vae=model)
    lines = load_tagged_cells(NOTEBOOK, "vae-sampling", only=DRAWS[name], preset=preset)
    return getattr(lines, DRAWS[name][-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs per model (default: notebook 05's full profile)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "benchmarks" / "vae.md")
    args = parse_checked(parser, argv, positive=["epochs"], seeds=["seeds"])

    os.environ["LESSONS_PROFILE"] = "full"
    from lessons_lib.cache import ModelBank
    from lessons_lib.data import flatten, to_float
    from lessons_lib.metrics import classifier_outputs, digit_classifier, frechet_distance
    from lessons_lib.profiles import current_profile, pick
    from lessons_lib.seeding import set_seed

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    settings = load_tagged_cells(NOTEBOOK, "vae-settings", only=SETTINGS,
                                 preset={"pick": pick, "current_profile": current_profile})
    settings = {name: getattr(settings, name) for name in SETTINGS}
    n_eval, full_epochs = settings["N_EVAL"], settings["EPOCHS"]
    epochs = args.epochs or full_epochs
    (x_train, _), (x_test, _) = full_mnist()
    x_train, x_test = flatten(to_float(x_train)), flatten(to_float(x_test))  # as the notebook's data cell
    lesson = load_tagged_cells(NOTEBOOK, "vae-lesson", preset={
        **settings, "EPOCHS": epochs, "ModelBank": ModelBank, "set_seed": set_seed, "x_train": x_train,
    })
    classifier, _ = digit_classifier()
    reference_features, _ = classifier_outputs(classifier, x_test[:n_eval])
    real_fid = frechet_distance(classifier_outputs(classifier, x_train[:n_eval])[0], reference_features)
    print(f"real-vs-real MNIST-FID ({n_eval} training vs {n_eval} test digits): {real_fid:.2f}", flush=True)

    results: dict[str, list[dict]] = {name: [] for name in SETUPS}
    for seed in args.seeds:
        lesson.SEED = seed  # what train_latent_autoencoder and train_vae seed with (set_seed(SEED))
        for name in SETUPS:
            start = time.perf_counter()
            if name == "ae":
                model = lesson.train_latent_autoencoder(code_size=2, callbacks=[])  # ae_bank.get(code_size=2)
            else:
                model = lesson.train_vae(beta=1.0, latent_dim=2, callbacks=[])  # vae_bank.get(beta=1.0, ...)
            seconds = time.perf_counter() - start
            images = draw(name, model, seed=seed, n_eval=n_eval, x_train=x_train)
            row = {"seed": seed, **measure(images, classifier, reference_features),
                   "training_seconds": seconds}
            results[name].append(row)
            print(f"seed {seed} {name}: trained in {seconds:.0f} s, MNIST-FID {row['fid']:.1f}, "
                  f"confident {row['confident']:.1%}, digits {row['digits']}/10", flush=True)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2

    def summary(name: str) -> dict:
        runs = results[name]
        mean = lambda key: float(np.mean([r[key] for r in runs]))  # noqa: E731
        span = lambda key, digits: [round(min(r[key] for r in runs), digits),  # noqa: E731
                                    round(max(r[key] for r in runs), digits)]
        return {
            "setup": name, "label": SETUPS[name],
            "fid": round(mean("fid"), 2), "fid_range": span("fid", 2),
            "confident": round(mean("confident"), 4), "confident_range": span("confident", 4),
            "digits_covered_min": int(min(r["digits"] for r in runs)),
            "training_seconds": round(mean("training_seconds"), 1),
            "runs": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in runs],
        }

    rows = [summary(name) for name in SETUPS]
    runs = {row["setup"]: row["runs"] for row in rows}  # counted on the saved (rounded) numbers
    vae_below_ae = sum(v["fid"] < a["fid"] for a, v in zip(runs["ae"], runs["vae"], strict=True))
    profile = ("notebook 05's full profile" if epochs == full_epochs
               else f"NOT notebook 05's full profile ({full_epochs} epochs)")
    lines = [
        f"# benchmarks/vae.py - {started}, {os.cpu_count()} CPU cores, peak memory {peak_gb:.2f} GB",
        "",
        f"{epochs} epochs of batches of {settings['BATCH_SIZE']} per model and seed ({profile}), seeds "
        f"{args.seeds}; {n_eval} samples per run, drawn as notebook 05 draws them; MNIST-FID against the "
        f"first {n_eval} test digits (real-vs-real, {n_eval} training digits: {real_fid:.2f}). Mean over "
        "the seeds [lowest, highest]; digits covered: the lowest over the seeds.",
        "",
        "| set-up | MNIST-FID | confident | digits covered (min) | training s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(f"| {r['label']} | {r['fid']:.1f} [{r['fid_range'][0]:.1f}, {r['fid_range'][1]:.1f}] | "
                     f"{r['confident']:.1%} [{r['confident_range'][0]:.1%}, {r['confident_range'][1]:.1%}] | "
                     f"{r['digits_covered_min']}/10 | {r['training_seconds']:.0f} |")
    per_seed = "; ".join(f"seed {a['seed']}: {a['fid']:.1f} vs {v['fid']:.1f}"
                         for a, v in zip(results["ae"], results["vae"], strict=True))
    lines += ["", f"The VAE's MNIST-FID was below the autoencoder's in {vae_below_ae}/{len(args.seeds)} "
              f"seeds (autoencoder vs VAE, {per_seed})."]
    publish("\n".join(lines) + "\n", args.out)
    path = save_results("vae", {
        **results_header("vae", started),
        "profile": settings["PROFILE_NAME"],
        "epochs": epochs,
        "batch_size": settings["BATCH_SIZE"],
        "seeds": args.seeds,
        "n_samples": n_eval,
        "peak_memory_gb": round(peak_gb, 2),
        "real_fid": round(real_fid, 2),
        "vae_below_ae": {"seeds": vae_below_ae, "of": len(args.seeds)},
        "rows": rows,
    })
    print(f"results for notebook 05 written to {path.relative_to(ROOT)} (commit it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
