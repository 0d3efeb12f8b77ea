"""pytest set-up shared by the unit tests and nbval.

nbval 0.11 compares stderr like stdout; TensorFlow and Keras write log lines and warnings there
that change with the machine, so stderr is never compared (it is still shown on failure).
"""


def pytest_collectstart(collector):
    if getattr(collector, "skip_compare", None) is not None:
        collector.skip_compare = (*collector.skip_compare, "stderr")
