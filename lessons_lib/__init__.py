"""Helpers for the generative-models course pack.

The lessons' own code (models, training loops, losses) stays in the notebooks; this package holds
the plumbing they share, one module per concern:

- :mod:`lessons_lib.data`      MNIST loading (explicit file, Keras, bundled sample), scaling, flattening
- :mod:`lessons_lib.profiles`  the ``full`` / ``quick`` run profiles (``LESSONS_PROFILE``)
- :mod:`lessons_lib.seeding`   one call to make a run repeatable
- :mod:`lessons_lib.checks`    the checks of common inputs (whole numbers, seeds, ranges, [0, 1] images)
- :mod:`lessons_lib.files`     the one atomic write (temporary file, then rename) and its clean-up
- :mod:`lessons_lib.plots`     image rows and grids, training curves
- :mod:`lessons_lib.cache`     models trained once, saved safely, reloaded on the next run
- :mod:`lessons_lib.metrics`   MSE, PSNR and the GAN quality measures (MNIST-FID, confidence, digit coverage)
- :mod:`lessons_lib.noise`     Gaussian noise on [0, 1] images, the lecture's two bugs fixed (notebook 03)
- :mod:`lessons_lib.progress`  a training progress bar and a bank of models trained once per setting
- :mod:`lessons_lib.widgets`   the code-size and noise-factor sliders (notebooks 02 and 03)
- :mod:`lessons_lib.callbacks` callbacks that watch a GAN train: sample grids, FID, losses (notebooks 04, 06)
- :mod:`lessons_lib.latent_walk` the latent-space explorer (notebook 04) and its digit buttons (notebook 06)
- :mod:`lessons_lib.vae_explorer` the β and latent-dimension explorer (notebook 05)
- :mod:`lessons_lib.notebook_code` a notebook's tagged code cells imported by benchmarks and tests
- :mod:`lessons_lib.benchmark_results` the numbers benchmarks save and notebooks print
- :mod:`lessons_lib.tf_warnings` TensorFlow's warnings on stderr, apart from compared results

TensorFlow is imported lazily, only by the helpers that need it, so a notebook can show its first
figure before the (slow) TensorFlow import.
"""

__version__ = "0.1.0"
