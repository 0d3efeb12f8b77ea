"""Benchmark for notebook 04 (GAN): the lecture's training loop against the Keras 3 fast path.

    flock /tmp/heavy.lock .venv/bin/python benchmarks/gan.py [--out build/benchmarks/gan.md]
        [--steps-timed 20] [--lecture-steps 2000] [--lesson-steps 800] [--only lecture] [--reuse-lecture]

Measured side by side in one run (one process, 2 threads, same machine):

1. step time on the lecture's architecture: the lecture's loop (``generator.predict`` +
   ``discriminator.train_on_batch`` + ``gan_model.train_on_batch``) against the same loop with a
   direct generator call, and against the fast path (one compiled ``train_step`` driven by ``fit``);
2. wall time and MNIST-FID of the lesson's full profile (notebook 04's fast set-up) against the
   lecture's 2000-step run with the lecture's own loop.

The lecture run takes about 25 minutes on a 2-core CPU. ``--only lecture`` runs just that part and
keeps its generator and wall time under ``cache/bench_gan/``; ``--reuse-lecture`` then uses them
instead of training again (the table says so). It prints the table and writes it (Markdown) to
``--out``. A benchmark, not a test: never run by ``make test``.

TensorFlow runs with its defaults here (op determinism off). Notebook 04 switches op determinism
on (``set_seed``); on this 2-core machine its fast set-up then ran at about 0.18 s/step against
about 0.33 s/step here, so the notebook's own timings can be lower than this table's.

The models here are copies of the notebook's (the notebook is the lesson's source of truth).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from report import publish  # benchmarks/report.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

Z_DIM = 32
BATCH = 128
LR = 4e-4


# --- the lecture's models, layer for layer -------------------------------------------------------
def make_lecture_discriminator():
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, 5, strides=2, padding="same", activation="relu"),
            layers.Dropout(0.4),
            layers.Conv2D(256, 5, strides=2, padding="same", activation="relu"),
            layers.Dropout(0.4),
            layers.Conv2D(256, 5, strides=2, padding="same", activation="relu"),
            layers.Dropout(0.4),
            layers.Flatten(),
            layers.Dense(1, activation="sigmoid"),
        ],
        name="discriminator",
    )


def make_lecture_generator(z_dim: int = Z_DIM):
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((z_dim,)),
            layers.Dense(7 * 7 * 64),
            layers.BatchNormalization(momentum=0.9),
            layers.LeakyReLU(),
            layers.Reshape((7, 7, 64)),
            layers.Dropout(0.4),
            layers.UpSampling2D(),
            layers.Conv2DTranspose(32, 5, padding="same"),
            layers.BatchNormalization(momentum=0.9),
            layers.LeakyReLU(),
            layers.UpSampling2D(),
            layers.Conv2DTranspose(16, 5, padding="same"),
            layers.BatchNormalization(momentum=0.9),
            layers.LeakyReLU(),
            layers.Conv2D(1, 5, padding="same", activation="sigmoid"),
        ],
        name="generator",
    )


class LectureLoop:
    """The lecture's combined-model recipe: D.train_on_batch, then gan_model (D frozen)."""

    def __init__(self, generator, discriminator, *, use_predict: bool = True):
        import keras

        self.generator, self.discriminator, self.use_predict = generator, discriminator, use_predict
        discriminator.compile(
            loss="binary_crossentropy", optimizer=keras.optimizers.Adam(LR), metrics=["accuracy"]
        )
        z = keras.Input((generator.input_shape[-1],))
        discriminator.trainable = False
        self.gan_model = keras.Model(z, discriminator(generator(z)))
        self.gan_model.compile(
            loss="binary_crossentropy", optimizer=keras.optimizers.Adam(LR), metrics=["accuracy"]
        )

    def step(self, data: np.ndarray, rng: np.random.Generator) -> None:
        z_dim = self.generator.input_shape[-1]
        real = data[rng.choice(len(data), BATCH, replace=False)]
        noise = rng.uniform(-1.0, 1.0, size=(BATCH, z_dim)).astype("float32")
        if self.use_predict:
            fake = self.generator.predict(noise, verbose=0)
        else:
            fake = np.asarray(self.generator(noise, training=False))
        x = np.concatenate([real, fake])
        y = np.ones((2 * BATCH, 1), "float32")
        y[BATCH:] = 0
        self.discriminator.trainable = True
        self.discriminator.train_on_batch(x, y)
        noise = rng.uniform(-1.0, 1.0, size=(BATCH, z_dim)).astype("float32")
        self.discriminator.trainable = False
        self.gan_model.train_on_batch(noise, np.ones((BATCH, 1), "float32"))


def load_data() -> np.ndarray:
    from lessons_lib.data import load_mnist, to_float

    (x_train, _), _ = load_mnist()
    return to_float(x_train)[..., None]


def bench_dir() -> Path:
    from lessons_lib.cache import cache_dir

    folder = cache_dir() / "bench_gan"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_lecture(data: np.ndarray, steps: int, seed: int = 42) -> dict:
    """The lecture's run (its own loop, with generator.predict), timed; keeps the generator."""
    import keras

    keras.utils.set_random_seed(seed)
    generator, discriminator = make_lecture_generator(), make_lecture_discriminator()
    loop = LectureLoop(generator, discriminator, use_predict=True)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for step in range(steps):
        loop.step(data, rng)
        if step % 100 == 0:  # the lecture's 5-digit strip (drawn, not shown, here)
            generator.predict(rng.uniform(-1.0, 1.0, size=(5, Z_DIM)), verbose=0)
            print(f"lecture step {step}/{steps}  {time.perf_counter() - start:.0f} s", flush=True)
    wall = time.perf_counter() - start
    path = bench_dir() / f"lecture_steps-{steps}_seed-{seed}.keras"
    tmp = path.with_name(".tmp_" + path.name)
    generator.save(tmp)
    os.replace(tmp, path)
    meta = {"steps": steps, "seed": seed, "wall_s": wall, "generator": str(path)}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return meta


# --- the fast path (copies of notebook 04's cells) -----------------------------------------------
def make_fast_discriminator():
    import keras
    from keras import layers

    stack = [keras.Input((28, 28, 1))]
    for channels in (32, 64, 128):
        stack += [
            layers.Conv2D(channels, 5, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Dropout(0.3),
        ]
    stack += [layers.Flatten(), layers.Dense(1, activation="sigmoid")]
    return keras.Sequential(stack, name="fast_discriminator")


def build_gan(generator, discriminator, beta_1: float = 0.9):
    import keras
    import tensorflow as tf

    class GAN(keras.Model):
        def __init__(self, generator, discriminator, **kwargs):
            super().__init__(**kwargs)
            self.generator, self.discriminator = generator, discriminator
            self.z_dim = generator.input_shape[-1]
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn
            # Create the optimizers' variables now (inside a strategy's scope), not lazily in the step.
            d_optimizer.build(self.discriminator.trainable_variables)
            g_optimizer.build(self.generator.trainable_variables)

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def call(self, images, training=False):
            return self.discriminator(images, training=training)

        def train_step(self, real):
            n = tf.shape(real)[0]
            z = tf.random.uniform((n, self.z_dim), -1.0, 1.0)
            fake = tf.cast(self.generator(z, training=False), real.dtype)
            images = tf.concat([real, fake], axis=0)
            labels = tf.concat([tf.ones((n, 1)), tf.zeros((n, 1))], axis=0)
            with tf.GradientTape() as tape:
                d_loss = self.loss_fn(labels, tf.cast(self.discriminator(images, training=True), "float32"))
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights, strict=True))
            z = tf.random.uniform((n, self.z_dim), -1.0, 1.0)
            with tf.GradientTape() as tape:
                predictions = self.discriminator(self.generator(z, training=True), training=True)
                g_loss = self.loss_fn(tf.ones((n, 1)), tf.cast(predictions, "float32"))
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights, strict=True))
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            self.d_loss_tracker.update_state(d_loss * replicas)
            self.g_loss_tracker.update_state(g_loss * replicas)
            return {m.name: m.result() for m in self.metrics}

    gan = GAN(generator, discriminator)
    gan.compile(
        keras.optimizers.Adam(LR, beta_1=beta_1),
        keras.optimizers.Adam(LR, beta_1=beta_1),
        keras.losses.BinaryCrossentropy(),
    )
    return gan


def make_dataset(images: np.ndarray):
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(10_000)
    return dataset.batch(BATCH, drop_remainder=True).repeat().prefetch(tf.data.AUTOTUNE)


def time_steps(data: np.ndarray, steps: int) -> dict[str, float]:
    """Seconds per step on the lecture's architecture: lecture loop (predict / direct call), fit path."""
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    results = {}
    loops = (("lecture loop, generator.predict", True), ("lecture loop, generator(z)", False))
    for name, use_predict in loops:
        loop = LectureLoop(make_lecture_generator(), make_lecture_discriminator(), use_predict=use_predict)
        loop.step(data, rng)  # warm-up: tracing
        start = time.perf_counter()
        for _ in range(steps):
            loop.step(data, rng)
        results[name] = (time.perf_counter() - start) / steps
    for name, make_d, beta_1 in (
        ("fit + train_step, lecture's G and D", make_lecture_discriminator, 0.9),
        ("fit + train_step, fast set-up (lecture's G, narrow D)", make_fast_discriminator, 0.5),
    ):
        gan = build_gan(make_lecture_generator(), make_d(), beta_1)
        dataset = make_dataset(data)
        gan.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0)
        start = time.perf_counter()
        gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
        results[name] = (time.perf_counter() - start) / steps
    return results


def run_lesson(data: np.ndarray, steps: int, seed: int = 42) -> dict:
    """Notebook 04's full profile: the fast set-up trained with fit for ``steps`` steps."""
    import keras

    keras.utils.set_random_seed(seed)
    gan = build_gan(make_lecture_generator(), make_fast_discriminator(), beta_1=0.5)
    start = time.perf_counter()
    gan.fit(make_dataset(data), epochs=1, steps_per_epoch=steps, verbose=0)
    return {"steps": steps, "seed": seed, "wall_s": time.perf_counter() - start, "generator": gan.generator}


def quality(generator, classifier, reference: np.ndarray, n: int = 5000) -> dict[str, float]:
    from lessons_lib.metrics import sample_quality

    noise = np.random.default_rng(1).uniform(-1.0, 1.0, size=(n, generator.input_shape[-1])).astype("float32")
    images = np.asarray(generator.predict(noise, batch_size=500, verbose=0))
    return sample_quality(classifier, images, reference)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "benchmarks" / "gan.md")
    parser.add_argument("--steps-timed", type=int, default=20)
    parser.add_argument("--lecture-steps", type=int, default=2000)
    parser.add_argument("--lesson-steps", type=int, default=800, help="notebook 04's full profile")
    parser.add_argument("--only", choices=["lecture"])
    parser.add_argument("--reuse-lecture", action="store_true")
    args = parser.parse_args(argv)
    for name in ("steps_timed", "lecture_steps", "lesson_steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive int, got {getattr(args, name)}")
    data = load_data()
    if args.only == "lecture":
        meta = run_lecture(data, args.lecture_steps)
        print(json.dumps(meta, indent=1))
        return 0

    import keras

    from lessons_lib.data import load_mnist, to_float
    from lessons_lib.metrics import digit_classifier, mnist_fid

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    classifier, _ = digit_classifier()
    (x_train, _), (x_test, _) = load_mnist()
    reference = to_float(x_test[:5000])
    real_fid = mnist_fid(classifier, to_float(x_train[:5000]), reference)

    steps = time_steps(data, args.steps_timed)
    lesson = run_lesson(data, args.lesson_steps)
    lesson_q = quality(lesson["generator"], classifier, reference)

    lecture_json = bench_dir() / f"lecture_steps-{args.lecture_steps}_seed-42.json"
    if args.reuse_lecture and lecture_json.exists():
        lecture = json.loads(lecture_json.read_text())
        lecture_note = "stored `--only lecture` run of this script"
    else:
        lecture = run_lecture(data, args.lecture_steps)
        lecture_note = "this run"
    lecture_generator = keras.saving.load_model(lecture["generator"], safe_mode=True)
    lecture_q = quality(lecture_generator, classifier, reference)

    base = steps["lecture loop, generator.predict"]
    lines = [
        f"# benchmarks/gan.py - {started}, {os.cpu_count()} CPU cores",
        "",
        f"Step time on the lecture's architecture (batch {BATCH}, "
        f"mean of {args.steps_timed} steps after warm-up):",
        "",
        "| path | s/step | speed-up vs lecture loop |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {name} | {value:.3f} | {base / value:.2f}x |" for name, value in steps.items()]
    lines += [
        "",
        "Training runs (MNIST-FID: 5000 samples vs 5000 test digits, "
        "features of the cached digit classifier):",
        "",
        "| run | steps | wall time | MNIST-FID | confident (p >= 0.9) | digits covered |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| lecture's GAN, lecture's loop ({lecture_note}) | {lecture['steps']} | {lecture['wall_s']:.0f} s "
        f"| {lecture_q['fid']:.1f} | {lecture_q['confident']:.0%} | {lecture_q['digits']:.0f} |",
        f"| lesson full profile: lecture's G + narrow D, fit | {lesson['steps']} | {lesson['wall_s']:.0f} s "
        f"| {lesson_q['fid']:.1f} | {lesson_q['confident']:.0%} | {lesson_q['digits']:.0f} |",
        f"| real vs real (5000 training vs 5000 test digits) | - | - | {real_fid:.1f} | - | - |",
        "",
        f"Lesson / lecture wall time: {lesson['wall_s'] / lecture['wall_s']:.2f} "
        f"({lecture['wall_s'] / lesson['wall_s']:.1f}x faster).",
    ]
    publish("\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
