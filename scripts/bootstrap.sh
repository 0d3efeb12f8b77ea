#!/usr/bin/env bash
# Create .venv from the pinned versions when missing, and reinstall only when requirements.txt,
# constraints.txt or pyproject.toml changed since the last install (their hash is kept in .venv/.bootstrap-stamp).
# Called by every make target; safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON=$candidate; break; fi
  done
fi
# JupyterLab settings the course relies on (jupyter/overrides.json: notebook windowing off, so every
# cell is in the page; no update or news requests; RISE's white theme, whose fonts are local).
# Copied on every call, so edits apply at once.
install_lab_settings() {
  mkdir -p .venv/share/jupyter/lab/settings
  cp jupyter/overrides.json .venv/share/jupyter/lab/settings/overrides.json
}
want=$(cat requirements.txt constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ "$(cat .venv/.bootstrap-stamp 2>/dev/null || true)" = "$want" ]; then
  install_lab_settings
  exit 0
fi

version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$version" != "3.11" ]; then
  echo "bootstrap: the course needs Python 3.11 (TensorFlow 2.21 wheels); $PYTHON is $version." >&2
  echo "           Set PYTHON=/path/to/python3.11 or use environment.yml with conda." >&2
  exit 1
fi

log=.venv-install.log
echo "bootstrap: installing the pinned environment into .venv (first time: a few minutes; log in $log)"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
rm -f .venv/.bootstrap-stamp
{
  .venv/bin/python -m pip install "pip==$(sed -n 's/^pip==//p' constraints.txt)" &&
  .venv/bin/python -m pip install -r requirements.txt -c constraints.txt &&
  .venv/bin/python -m pip install --no-deps -e . &&
  .venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (lessons)"
} >"$log" 2>&1 || { tail -n 30 "$log" >&2; echo "bootstrap: install failed, see $log" >&2; exit 1; }
install_lab_settings
echo "$want" > .venv/.bootstrap-stamp
echo "bootstrap: .venv is ready"
