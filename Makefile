# Two commands: `make lab` to learn, `make test` to check. Both create .venv on first use.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# The Korean edition (한국어판): one twin per lesson, its code and outputs copied by scripts/sync_korean.py
KOREAN_NOTEBOOKS := $(sort $(wildcard notebooks/ko/[0-9][0-9]_*.ipynb))
# The JupyterLab interface language: en, or ko (`make lab LAB_LANG=ko`: Korean menus, the Korean lessons)
LAB_LANG ?= en
ifeq ($(filter en ko,$(LAB_LANG)),)
$(error LAB_LANG must be en or ko, got '$(LAB_LANG)')
endif
# The full MNIST: use the course machine's copy when it is there (no download needed).
export LESSONS_MNIST ?= $(abspath $(wildcard ../shared/data/mnist.npz))
# Jupyter, IPython and matplotlib keep their runtime files, history, settings and caches under build/:
# the course writes nothing outside this folder except Keras's home (~/.keras). tests/test_offline.py checks it.
export JUPYTER_RUNTIME_DIR ?= $(CURDIR)/build/jupyter/runtime
export JUPYTER_DATA_DIR ?= $(CURDIR)/build/jupyter/data
# (the Korean interface keeps its settings apart, so switching language never changes the English ones)
export JUPYTERLAB_SETTINGS_DIR ?= $(CURDIR)/build/jupyter/lab-settings$(if $(filter ko,$(LAB_LANG)),-ko)
export JUPYTERLAB_WORKSPACES_DIR ?= $(CURDIR)/build/jupyter/lab-workspaces
export IPYTHONDIR ?= $(CURDIR)/build/ipython
export MPLCONFIGDIR ?= $(CURDIR)/build/matplotlib
LAB_PORT ?= 8888
LAB_ARGS ?=
# The folder JupyterLab opens: the lessons, or `make lab LAB_DIR=student` for the student copies
LAB_DIR ?= notebooks$(if $(filter ko,$(LAB_LANG)),/ko)
# nbval's rules (what is compared, masked, skipped) and --run-all-twice: tests/nbval_plugin.py
NBVAL := --nbval --nbval-current-env --nbval-cell-timeout 900 --run-all-twice
# pytest-xdist: one worker per CPU; --dist loadscope keeps each notebook (its cells, in order, in one
# kernel) and each test module on one worker
PARALLEL := --numprocesses=logical --dist loadscope
# reveal.js, require.js, MathJax... for offline slides and pages: fetched once by npm from package-lock.json
ASSETS := node_modules/.course-assets-stamp

.PHONY: venv lab test test-fast outputs korean lint clean slides student course test-browser prune-cache

venv:
	@bash scripts/bootstrap.sh

## make lab: start JupyterLab on the lessons (`make lab LAB_DIR=student` for the student copies, `make lab LAB_LANG=ko` in Korean) (http://127.0.0.1:$(LAB_PORT)/lab, token in the log)
lab: venv
	@$(PY) scripts/lab_language.py $(LAB_LANG)
	$(VENV)/bin/jupyter lab --notebook-dir=$(LAB_DIR) --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## make test: lint, every notebook under nbval in the quick profile, twice in one kernel (fills cache/), then the tests
test: venv $(ASSETS)
	@bash scripts/run_tests.sh $(NBVAL) $(PARALLEL) --durations=10 --ignore=tests/browser $(NOTEBOOKS) tests

## make test-fast: lint and the tests not marked slow: no notebook, kernel, server or real training (under a minute)
test-fast: venv $(ASSETS)
	@bash scripts/run_tests.sh --fast -m "not slow" --ignore=tests/browser tests

## make test-browser: JupyterLab in headless Chromium: Run All on 02/03/05/06 and the Korean 02, move the sliders and digit buttons (screenshots in build/screenshots/)
test-browser: venv $(ASSETS)
	LESSONS_PROFILE=quick $(PY) -m pytest tests/browser

## make slides: one reveal.js deck per lesson in build/slides/ (works offline; press s for speaker notes)
slides: venv $(ASSETS)
	$(PY) scripts/make_slides.py --output-dir build/slides $(NOTEBOOKS)
	$(PY) scripts/make_slides.py --output-dir build/slides/ko $(KOREAN_NOTEBOOKS)

## make student: copies without the exercise solutions in student/ (a copy you changed is kept; the new one goes beside it)
student: venv
	$(PY) scripts/make_student.py --output-dir student $(NOTEBOOKS)
	$(PY) scripts/make_student.py --output-dir student/ko $(KOREAN_NOTEBOOKS)

## make course: run every lesson in the full profile, in order, and export HTML to build/course/ (the Korean edition to build/course/ko/)
course: venv $(ASSETS)
	$(PY) scripts/make_course.py --profile full --output-dir build/course $(NOTEBOOKS)

$(ASSETS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

## make outputs: re-run every notebook from a fresh kernel in the full profile and save its outputs (English, then copied into the Korean twins)
outputs: venv
	$(PY) scripts/execute_notebooks.py --profile full --inplace $(NOTEBOOKS)
	$(PY) scripts/sync_korean.py $(NOTEBOOKS)

## make korean: copy the English lessons' code, outputs and metadata into their Korean twins in notebooks/ko/ (the Korean text stays)
korean: venv
	$(PY) scripts/sync_korean.py $(NOTEBOOKS)

lint: venv
	$(VENV)/bin/ruff check lessons_lib tests scripts benchmarks notebooks conftest.py

# Only what a command regenerates: never student/ (the student copies), build/student/ (where they were
# before), build/jupyter/ (JupyterLab settings, workspaces, notebook trust) or build/ipython/ (history).
clean:
	rm -rf build/slides build/course build/screenshots build/benchmarks build/matplotlib .pytest_cache .ruff_cache

## make prune-cache: delete cache files no entry uses (older layouts, killed saves); trained models stay
prune-cache: venv
	$(PY) -c 'from lessons_lib.cache import prune; removed = prune(); print(f"prune-cache: {len(removed)} unused files deleted")'
