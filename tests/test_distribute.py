"""Notebook 04's fit-based GAN path runs unchanged under a tf.distribute strategy.

The cells tagged ``gan-fast-path`` in notebooks/04_gan.ipynb (the GAN model with its own
``train_step``, the input pipeline, the fast set-up) are loaded as they are with
:func:`lessons_lib.notebook_code.load_tagged_cells`, in a fresh Python process (this file, run as a
script) whose single CPU is split into two logical devices BEFORE TensorFlow initialises; the GAN
is then built inside ``MirroredStrategy(["/cpu:0", "/cpu:1"])`` and trained with ``fit``, as a
class with two GPUs would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from nbtools import NOTEBOOK_DIR, ROOT

from lessons_lib.notebook_code import load_tagged_cells

NOTEBOOK = NOTEBOOK_DIR / "04_gan.ipynb"
RESULT = "RESULT "


def train_in_this_process(mode: str) -> dict:
    """Train the notebook's fast set-up for 4 steps of 64 random images, on one device or mirrored on two."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import numpy as np

    fast = load_tagged_cells(NOTEBOOK, "gan-fast-path")
    keras.utils.set_random_seed(0)
    if mode == "mirrored":
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    else:
        strategy = tf.distribute.get_strategy()
    with strategy.scope():
        gan = fast.make_fast_gan(32)
    images = np.random.default_rng(0).uniform(size=(1024, 28, 28, 1)).astype("float32")
    before_g = [v.numpy().copy() for v in gan.generator.trainable_weights]
    before_d = [v.numpy().copy() for v in gan.discriminator.trainable_weights]
    history = gan.fit(fast.make_dataset(images, 64), epochs=1, steps_per_epoch=4, verbose=0)

    def moved(before: list, model) -> bool:
        after = [v.numpy() for v in model.trainable_weights]
        return all(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))

    return {
        "replicas": strategy.num_replicas_in_sync,
        "devices": [d.name for d in tf.config.list_logical_devices("CPU")],
        "variable": type(gan.generator.trainable_weights[0].value).__name__,
        "losses": {k: float(v[-1]) for k, v in history.history.items()},
        "generator_moved": moved(before_g, gan.generator),
        "discriminator_moved": moved(before_d, gan.discriminator),
        "sample_shape": list(np.asarray(gan.generator(np.zeros((3, 32), "float32"))).shape),
    }


def _run(mode: str) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    command = [sys.executable, __file__, mode]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT)]
    report = f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0 and lines, report
    return json.loads(lines[-1][len(RESULT) :])


@pytest.mark.slow
def test_notebook_gan_trains_unchanged_under_mirrored_strategy():
    single = _run("default")
    mirrored = _run("mirrored")
    assert single["replicas"] == 1
    assert mirrored["replicas"] == 2 and len(mirrored["devices"]) == 2
    assert mirrored["variable"] == "DistributedVariable" or "Mirrored" in mirrored["variable"]
    assert mirrored["generator_moved"] and mirrored["discriminator_moved"]
    assert mirrored["sample_shape"] == [3, 28, 28, 1]
    # The logged losses are per example, not divided by the number of replicas: both runs start
    # near ln 2 = 0.69 (a discriminator that cannot tell yet), the mirrored one not near half of it.
    for name in ("d_loss", "g_loss"):
        assert abs(mirrored["losses"][name] - single["losses"][name]) < 0.25, (name, single, mirrored)


if __name__ == "__main__":  # the child process of _run
    print(RESULT + json.dumps(train_in_this_process(sys.argv[1])))
