#!/usr/bin/env bash
# `make test`: ruff, then pytest over the notebooks (nbval) and the tests in the quick profile.
# `make test-fast` passes --fast first: the same lint, then pytest on what it selects (no notebooks),
# without the full-MNIST check below (nothing it runs compares outputs made on the full set).
# pytest's exit code 5 means nothing was collected: a broken set-up, reported as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export LESSONS_PROFILE=quick
fast=0
if [ "${1:-}" = "--fast" ]; then
  fast=1
  shift
fi
.venv/bin/ruff check lessons_lib tests scripts benchmarks conftest.py notebooks || exit 1
if [ "$fast" -eq 0 ]; then
  # The committed outputs come from the full 60,000-digit MNIST: on the bundled sample nbval would fail
  # deep into the run with shape differences. Say so before any test runs.
  .venv/bin/python -c 'import sys
from lessons_lib.data import load_mnist_with_source
sys.exit(3 if load_mnist_with_source()[1] == "sample" else 0)' >/dev/null
  data=$?
  if [ "$data" -eq 3 ]; then
    echo "run_tests: the full MNIST is not available (only the bundled 10,000-digit sample), and the" >&2
    echo "           notebooks' checked outputs are those of the full set. Set LESSONS_MNIST=/path/to/mnist.npz" >&2
    echo "           (on the course machine: ../shared/data/mnist.npz) or run once with internet access." >&2
    exit 1
  elif [ "$data" -ne 0 ]; then
    echo "run_tests: loading MNIST failed (see above)." >&2
    exit 1
  fi
fi
.venv/bin/python -m pytest "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "run_tests: pytest collected no tests - the test set-up is broken (exit 5)." >&2
fi
exit "$code"
