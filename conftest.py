"""pytest set-up shared by the unit tests and nbval.

nbval 0.11 compares stderr like stdout; TensorFlow and Keras write log lines and warnings there
that change with the machine, so stderr is never compared (it is still shown on failure).
"""


def pytest_collectstart(collector):
    if getattr(collector, "skip_compare", None) is not None:
        collector.skip_compare = (*collector.skip_compare, "stderr")


def _execute_like_jupyter() -> None:
    """nbval 0.11 runs cells with ``store_history=False``; JupyterLab stores them.

    IPython decides whether a trailing ``;`` hides a cell's result by looking at the last *stored*
    input, so without history ``show_images(...);`` displays its figure twice under nbval and once
    in JupyterLab. Storing history makes nbval execute cells the way students do.
    """
    try:
        from nbval.kernel import RunningKernel
    except ImportError:  # pragma: no cover - nbval is always installed with the course
        return

    def execute_cell_input(self, cell_input, allow_stdin=None):
        return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)

    RunningKernel.execute_cell_input = execute_cell_input


_execute_like_jupyter()
