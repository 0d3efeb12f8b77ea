"""Notebook 04's fit-based GAN path runs unchanged under a tf.distribute strategy.

The cells tagged ``gan-fast-path`` in notebooks/04_gan.ipynb (the GAN model with its own
``train_step``, the input pipeline, the fast set-up's models and ``build_gan``) are executed, as
they are, in a fresh Python process whose single CPU is split into two logical devices BEFORE
TensorFlow initialises; the GAN is then built inside ``MirroredStrategy(["/cpu:0", "/cpu:1"])``
and trained with ``fit``, as a class with two GPUs would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_gan.ipynb"
TAG = "gan-fast-path"

SCRIPT = r"""
import json, sys
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
import numpy as np

keras.utils.set_random_seed(0)
# What the notebook imported and set before these cells:
namespace = {"keras": keras, "layers": keras.layers, "tf": tf, "np": np}
namespace.update(Z_DIM=32, BATCH_SIZE=64, LEARNING_RATE=4e-4)
exec(compile(sys.stdin.read(), "04_gan.ipynb[gan-fast-path]", "exec"), namespace)
mode = sys.argv[1]
if mode == "mirrored":
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
else:
    strategy = tf.distribute.get_strategy()
with strategy.scope():
    gan = namespace["build_gan"](namespace["make_fast_generator"](32), namespace["make_fast_discriminator"]())
images = np.random.default_rng(0).uniform(size=(1024, 28, 28, 1)).astype("float32")
before_g = [v.numpy().copy() for v in gan.generator.trainable_weights]
before_d = [v.numpy().copy() for v in gan.discriminator.trainable_weights]
history = gan.fit(namespace["make_dataset"](images, 64), epochs=1, steps_per_epoch=4, verbose=0)
moved = lambda before, model: all(
    not np.array_equal(b, v.numpy()) for b, v in zip(before, model.trainable_weights)
)
print("RESULT " + json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "devices": [d.name for d in tf.config.list_logical_devices("CPU")],
    "variable": type(gan.generator.trainable_weights[0].value).__name__,
    "losses": {k: float(v[-1]) for k, v in history.history.items()},
    "generator_moved": moved(before_g, gan.generator),
    "discriminator_moved": moved(before_d, gan.discriminator),
    "sample_shape": list(np.asarray(gan.generator(np.zeros((3, 32), "float32"))).shape),
}))
"""


def _fast_path_code() -> str:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and TAG in c.metadata.get("tags", [])]
    assert cells, f"no code cell tagged {TAG!r} in {NOTEBOOK.name}"
    return "\n\n".join(cells)


def _run(mode: str) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode],
        input=_fast_path_code(),
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    report = f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0 and lines, report
    return json.loads(lines[-1][len("RESULT ") :])


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
