"""Train the digit classifier behind every MNIST-FID and write it to lessons_lib/weights/.

    .venv/bin/python scripts/make_digit_classifier.py

Trains ``lessons_lib.metrics.build_digit_classifier`` with the shipped recipe (``SHIPPED_RECIPE``)
on the full MNIST (it refuses the bundled 10,000-digit sample), checks it is at least 99 % correct
on the 10,000 test digits, and only then replaces ``SHIPPED_CLASSIFIER`` (atomically). Run it after
changing ``build_digit_classifier`` (its code digest is stored with the weights, and loading refuses
weights trained by other code), then every benchmark that measures with it, then ``make outputs``.
About a minute on 2 CPU cores.
"""

from __future__ import annotations

import sys

import numpy as np

from lessons_lib.data import load_mnist_with_source, to_float
from lessons_lib.metrics import (
    SHIPPED_CLASSIFIER,
    SHIPPED_RECIPE,
    classifier_outputs,
    save_shipped_classifier,
    train_digit_classifier,
)

MIN_ACCURACY = 0.99


def main() -> int:
    (_, (x_test, y_test)), source = load_mnist_with_source()
    if source == "sample":
        sys.exit("make_digit_classifier: only the bundled MNIST sample is available; point LESSONS_MNIST "
                 "at the full mnist.npz")
    model = train_digit_classifier(**SHIPPED_RECIPE)
    accuracy = float(np.mean(classifier_outputs(model, to_float(x_test))[1].argmax(axis=1) == y_test))
    print(f"digit classifier {SHIPPED_RECIPE}: {accuracy:.2%} correct on the {len(y_test):,} test digits")
    if accuracy < MIN_ACCURACY:
        print(f"below {MIN_ACCURACY:.0%}: {SHIPPED_CLASSIFIER} left as it was", file=sys.stderr)
        return 1
    SHIPPED_CLASSIFIER.parent.mkdir(exist_ok=True)
    path = save_shipped_classifier(model)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
