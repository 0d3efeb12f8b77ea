"""Write lessons_lib/sample/mnist_sample.npz from the full MNIST.

The sample is the first 10,000 training and the first 2,000 test digits of the real MNIST, kept so
that the lessons still run on real digits when Keras cannot download the full set.

    python scripts/make_mnist_sample.py /path/to/mnist.npz
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from lessons_lib.data import SAMPLE_PATH, SAMPLE_SIZES, read_mnist_npz
from lessons_lib.files import atomic_write


def main(source: str) -> None:
    full = read_mnist_npz(source, expect="full")
    n_train, n_test = SAMPLE_SIZES["train"], SAMPLE_SIZES["test"]
    sample = {
        "x_train": full["x_train"][:n_train],
        "y_train": full["y_train"][:n_train],
        "x_test": full["x_test"][:n_test],
        "y_test": full["y_test"][:n_test],
    }
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **sample)

    atomic_write(SAMPLE_PATH, write)
    print(f"wrote {SAMPLE_PATH} ({Path(SAMPLE_PATH).stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
