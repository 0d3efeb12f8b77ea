"""lessons_lib.benchmark_results: numbers a lesson quotes, read from the file a benchmark wrote."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import nbtools
import numpy as np
import pytest

from lessons_lib import benchmark_results
from lessons_lib.benchmark_results import load_results, load_samples, results_path, save_results, save_samples


@pytest.fixture()
def results_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark_results, "RESULTS_DIR", tmp_path / "results")
    return tmp_path / "results"


def test_saved_results_load_back_the_same(results_dir):
    results = {"source": "benchmarks/toy.py run of today", "runs": {"a": {"fid": 21.25, "digits": 10}}}
    path = save_results("toy", results)
    assert path == results_dir / "toy.json"
    assert load_results("toy") == results
    assert list(results_dir.iterdir()) == [path]  # no temporary file left beside it


def test_a_refused_save_leaves_the_old_file(results_dir):
    save_results("toy", {"source": "first run", "fid": 1.0})
    with pytest.raises(TypeError, match=r"results\['fid'\] is float32"):
        save_results("toy", {"source": "second run", "fid": np.float32(2.0)})
    assert load_results("toy")["source"] == "first run"


@pytest.mark.parametrize(
    ("results", "error", "message"),
    [
        ({"fid": 1.0}, ValueError, "must say where the numbers come from"),
        ({"source": "  ", "fid": 1.0}, ValueError, "must say where the numbers come from"),
        ({"source": "x", "fid": math.nan}, ValueError, r"finite numbers, got nan in results\['fid'\]"),
        ({"source": "x", "rows": [{"fid": math.inf}]}, ValueError, r"results\['rows'\]\[0\]\['fid'\]"),
        ({"source": "x", "model": object()}, TypeError, r"results\['model'\] is object"),
        ({"source": "x", "runs": {1: 2}}, TypeError, "keys must be str, got 1"),
        ([("source", "x")], TypeError, "results must be a dict, got list"),
    ],
)
def test_bad_results_are_refused_before_writing(results_dir, results, error, message):
    with pytest.raises(error, match=message):
        save_results("toy", results)
    assert not results_dir.exists() or not any(results_dir.iterdir())


@pytest.mark.parametrize("name", ["", "Gan", "../gan", "gan.json", None, 3])
def test_name_must_be_a_benchmark_name(name):
    with pytest.raises(ValueError, match=r"name must be a benchmark's name such as 'gan'"):
        results_path(name)
    with pytest.raises(ValueError, match=r"name must be a benchmark's name"):
        load_results(name)


def test_missing_results_say_which_benchmark_writes_them(results_dir):
    with pytest.raises(FileNotFoundError, match=r"no results for benchmark 'toy': .*toy\.json is missing "
                                                r"\(benchmarks/toy\.py writes it\)"):
        load_results("toy")


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"fid": 1.0}'])
def test_damaged_results_are_named(results_dir, content):
    results_dir.mkdir()
    (results_dir / "toy.json").write_text(content)
    with pytest.raises(ValueError, match=r"results file .*toy\.json is damaged"):
        load_results("toy")


def test_samples_are_kept_as_uint8_and_read_back(results_dir):
    images = np.linspace(0, 1, 3 * 28 * 28).reshape(3, 28, 28)
    path = save_samples("toy", images)
    assert path == results_dir / "toy_samples.npz" and [p.name for p in results_dir.iterdir()] == [path.name]
    kept = load_samples("toy")
    assert kept.dtype == np.uint8 and kept.shape == (3, 28, 28)
    assert np.abs(kept / 255.0 - images).max() <= 0.5 / 255 + 1e-9
    with pytest.raises(ValueError, match=r"images holds values in \[-1, -1\]; expected pixels in \[0, 1\]"):
        save_samples("toy", -np.ones((1, 28, 28)))
    assert np.array_equal(load_samples("toy"), kept)  # the refused call left the file as it was
    path.write_bytes(b"not an npz")
    with pytest.raises(ValueError, match=r"samples file .*toy_samples\.npz is damaged"):
        load_samples("toy")
    with pytest.raises(FileNotFoundError, match="no samples for benchmark 'other'"):
        load_samples("other")


# What notebook 04 prints from the committed files; the benchmarks overwrite them with the same shape.
def test_committed_gan_results_hold_what_notebook_04_reads(monkeypatch):
    from nbtools import NOTEBOOK_DIR

    from lessons_lib.notebook_code import load_tagged_cells
    from lessons_lib.profiles import current_profile, pick

    gan = load_results("gan")  # written by benchmarks/gan.py
    assert {"measured", "cpu_cores", "n_samples", "classifier_accuracy", "ruler", "ruler_rises", "steps",
            "seeds", "rows", "full_profile", "lecture", "targets"} <= set(gan)
    assert gan["classifier_accuracy"] >= 0.99 and gan["n_samples"] == 10_000
    for row in gan["ruler"]:  # the check of the MNIST-FID: it grows under every damage
        assert len(row["levels"]) == len(row["fid"]) >= 3
        assert row["fid"] == sorted(row["fid"]) and len(set(row["fid"])) == len(row["fid"]), row
    assert gan["ruler_rises"] is True
    assert gan["rows"][0]["row"] == "lesson" and len(gan["seeds"]) >= 3
    for row in [*gan["rows"], gan["full_profile"]]:
        assert isinstance(row["label"], str) and len(row["runs"]) == len(gan["seeds"])
        for key in ("fid", "confident", "min_share", "seconds"):
            assert row[key]["low"] <= row[key]["median"] <= row[key]["high"], (row["row"], key)
    assert gan["lecture"]["steps"] == 2000  # the notebook calls it LECTURE_FID_2000
    assert load_samples("gan_lecture").shape == (100, 28, 28)  # shown next to the lesson's digits
    # the full-profile row is measured at notebook 04's full profile
    monkeypatch.setenv("LESSONS_PROFILE", "full")
    settings = load_tagged_cells(NOTEBOOK_DIR / "04_gan.ipynb", "gan-training", only=["STEPS"],
                                 preset={"pick": pick, "current_profile": current_profile})
    assert gan["full_profile"]["steps"] == settings.STEPS


def test_committed_gan_latent_results_hold_what_notebook_04_reads():
    latent = load_results("gan_latent")
    assert {"measured", "steps", "batch_size", "seed", "n_samples"} <= set(latent)
    assert [row["z"] for row in latent["rows"]] == sorted(row["z"] for row in latent["rows"])
    for row in latent["rows"]:
        assert 0 < row["fid"] and 0 <= row["confident"] <= 1 and 0 <= row["min_share"] <= 0.1
        assert load_samples(f"gan_latent_z{row['z']}").shape == (20, 28, 28)


def test_committed_cgan_results_hold_what_notebook_06_reads(monkeypatch):
    from nbtools import NOTEBOOK_DIR

    from lessons_lib.notebook_code import load_tagged_cells

    cgan = load_results("cgan")
    assert {"measured", "cpu_cores", "steps", "seeds", "n_samples", "peak_memory_gb"} <= set(cgan)
    rows = {row["setup"]: row for row in cgan["rows"]}
    assert set(rows) == {"cgan", "cgan_no_pairs", "gan04"}
    for row in rows.values():
        assert isinstance(row["label"], str) and 0 < row["fid"] < 500 and 0 <= row["min_share"] <= 0.1
        assert row["seconds_per_step"] > 0 and len(row["runs"]) == len(cgan["seeds"])
    assert rows["gan04"]["agreement"] is None  # lesson 04's GAN is not asked for a digit
    # measured at notebook 06's full-profile length, over several seeds
    assert len(cgan["seeds"]) >= 3
    monkeypatch.setenv("LESSONS_PROFILE", "full")
    lesson = load_tagged_cells(NOTEBOOK_DIR / "06_conditional_gan.ipynb", "cgan")
    assert cgan["steps"] == lesson.STEPS
    for run in rows["cgan"]["runs"]:
        assert 0 <= run["agreement"] <= 1 and 0 <= run["min_share"] <= 0.1, run


def test_committed_vae_results_hold_notebook_05s_comparison_over_seeds(monkeypatch):
    from nbtools import NOTEBOOK_DIR

    from lessons_lib.notebook_code import load_tagged_cells
    from lessons_lib.profiles import current_profile, pick

    vae = load_results("vae")  # written by benchmarks/vae.py
    assert {"measured", "cpu_cores", "epochs", "batch_size", "seeds", "n_samples", "peak_memory_gb",
            "real_fid", "vae_below_ae"} <= set(vae)
    rows = {row["setup"]: row for row in vae["rows"]}
    assert set(rows) == {"ae", "vae"}
    for row in rows.values():
        assert isinstance(row["label"], str) and 0 < row["fid"] < 500
        assert row["fid_range"][0] <= row["fid"] <= row["fid_range"][1]
        assert 0 <= row["confident"] <= 1 and row["digits_covered_min"] in range(11)
        assert row["training_seconds"] > 0
        assert [run["seed"] for run in row["runs"]] == vae["seeds"]
        for run in row["runs"]:
            assert 0 < run["fid"] < 500 and 0 <= run["confident"] <= 1 and run["digits"] in range(11), run
    assert 0 <= vae["real_fid"] < min(row["fid_range"][0] for row in rows.values())  # the floor
    pairs = zip(rows["ae"]["runs"], rows["vae"]["runs"], strict=True)
    below = sum(v["fid"] < a["fid"] for a, v in pairs)
    assert vae["vae_below_ae"] == {"seeds": below, "of": len(vae["seeds"])}
    # measured over several seeds, with notebook 05's full-profile settings
    assert len(vae["seeds"]) >= 3
    monkeypatch.setenv("LESSONS_PROFILE", "full")
    settings = load_tagged_cells(NOTEBOOK_DIR / "05_variational_autoencoder.ipynb", "vae-settings",
                                 only=["PROFILE_NAME", "EPOCHS", "BATCH_SIZE", "N_EVAL"],
                                 preset={"pick": pick, "current_profile": current_profile})
    assert (vae["profile"], vae["epochs"], vae["batch_size"], vae["n_samples"]) == (
        settings.PROFILE_NAME, settings.EPOCHS, settings.BATCH_SIZE, settings.N_EVAL)


def test_committed_files_are_plain_json_with_their_source():
    for path in sorted(benchmark_results.RESULTS_DIR.glob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        assert content["source"].strip(), path


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        ("cgan.py", ["--steps", "0"], "--steps must be a positive int, got 0"),
        ("cgan.py", ["--seeds", "1", "1"], "--seeds must be distinct, got [1, 1]"),
        ("vae.py", ["--seeds", "-1"], "--seeds must be a non-negative int, got -1"),
        ("vae.py", ["--epochs", "0"], "--epochs must be a positive int, got 0"),
        ("gan.py", ["--full-steps", "0"], "--full-steps must be a positive int, got 0"),
        ("gan.py", ["--seeds", "1", "1"], "--seeds must be distinct, got [1, 1]"),
        ("gan_latent.py", ["--z", "2", "0"], "--z must be a positive int, got 0"),
    ],
)
def test_a_benchmark_names_a_bad_argument_before_it_trains(script, args, message):
    """benchmarks/report.parse_checked: a usage error (exit 2) naming the option; nothing is measured."""
    result = subprocess.run(
        [sys.executable, str(nbtools.ROOT / "benchmarks" / script), *args],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2, result.stderr[-1000:]
    assert message in result.stderr, result.stderr[-1000:]
