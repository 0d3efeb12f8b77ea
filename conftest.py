"""pytest set-up shared by the tests and nbval: loads the course's nbval plugin.

The nbval rules (what is compared, masked and skipped, and how cells are executed) and ``make test``'s
``--run-all-twice`` are written and explained once, in tests/nbval_plugin.py. ``tests/`` and
``scripts/`` are importable through pytest's ``pythonpath`` setting (pyproject.toml).
"""

pytest_plugins = ["nbval_plugin"]
