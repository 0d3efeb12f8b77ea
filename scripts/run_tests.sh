#!/usr/bin/env bash
# `make test`: pytest over the unit tests and the notebooks (nbval) in the quick profile.
# pytest's exit code 5 means nothing was collected: a broken set-up, reported as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export LESSONS_PROFILE=quick
.venv/bin/ruff check lessons_lib tests scripts benchmarks conftest.py notebooks || exit 1
.venv/bin/python -m pytest "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "run_tests: pytest collected no tests - the test set-up is broken (exit 5)." >&2
fi
exit "$code"
