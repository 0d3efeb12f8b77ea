"""nbval as the course uses it: the rules (what is compared, masked, skipped) and ``--run-all-twice``.

This is the one place the nbval rules are written; the root ``conftest.py`` loads this module as a
pytest plugin, so every ``pytest --nbval`` in the repository applies them. ``make test`` runs
``pytest --nbval --nbval-current-env --run-all-twice notebooks/*.ipynb ...`` in the quick profile
and compares each code cell's outputs with the committed (full-profile) ones:

- *compared*: stdout, ``text/plain``, ``text/html`` and the other text data of every code cell, and
  errors (name and message); consecutive streams are merged and carriage returns resolved (nbval's
  ``coalesce_streams``), so a progress line that rewrites itself compares as its final text;
- *skipped*: cells tagged ``nbval-skip`` (not run) or ``nbval-ignore-output`` (run, not compared),
  and cells never run in the committed notebook (run, not compared);
- *never compared* inside a compared cell: stderr (:data:`NOT_COMPARED`: TensorFlow's and Keras's
  logs and warnings change with the machine; still shown on failure), and as nbval itself does,
  images (figures are compared by their text, e.g. ``<Figure size 450x320 with 1 Axes>``, so both
  profiles must draw the same figures), widget views (random ids), metadata, tracebacks and
  execution counts;
- *masked* on both sides (:data:`SANITIZE`, regex -> replacement): memory addresses (``0x7f...``)
  and Keras's per-step timings (``12ms/step``);
- *executed as in JupyterLab*: with ``store_history=True`` (nbval 0.11 stores no history, and then
  IPython shows a figure twice for ``show_images(...);``).

So every compared output must be identical in the full and quick profiles: print shapes, summaries,
booleans and bounds, never raw losses or timings. A cell whose output really varies gets the
``nbval-ignore-output`` tag (a tag, not a comment); a cell that shows an error on purpose gets
``raises-exception``.

``--run-all-twice`` (``make test``): every notebook whose cells are all selected gets, after its
nbval cells and still in nbval's kernel:

1. ``Run All again: memory before``: the kernel's resident memory after the first Run All;
2. ``Run All again: Cell N`` for every code cell: the notebook run a second time in the same kernel,
   as a student does (models now come from memory, every layer is created again), compared with
   the committed outputs by nbval under the same rules;
3. ``Run All again: memory after``: the second run kept at most ``MAX_SECOND_RUN_GROWTH`` more
   memory (a leak of the notebook's models or data would add a whole first run's worth);
4. ``Run All again: probes`` (notebooks 02, 03 and 05, :data:`PROBES`): the lesson's sliders moved as
   a student moves them, from their explorer objects (``explorer``): the readout follows, the
   pictures change, a value the slider does not offer is refused and leaves slider and readout as
   they were, and nothing is retrained (the bank's ``visits`` / ``trained`` bookkeeping, kept in
   ``lessons_lib`` for the tests). The lessons do not do this themselves: it is test plumbing.

The first Run All is nbval's own (on a fresh clone, the one that trains), so the second costs no
training. Each added cell fails like a notebook cell (an ``assert`` in the kernel).
tests/test_reliability.py checks that ``make test`` passes the option, that the probes' names exist
in the notebooks, and that this plugin masks, skips stderr and fails a second run that differs.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

#: Output text that legitimately differs between runs and machines: masked on both sides.
SANITIZE: list[tuple[str, str]] = [
    (r"0x[0-9a-fA-F]{6,16}", "0xADDRESS"),  # memory addresses in reprs
    (r"\d+(\.\d+)?m?s/step", "TIME/step"),  # Keras's progress: 12ms/step, 1s/step
]
#: Output keys never compared, beyond nbval's own list (images, widget views, metadata...).
NOT_COMPARED = ("stderr",)

OPTION = "--run-all-twice"
#: Run All twice in one kernel may keep some more memory (TensorFlow's function caches, the
#: allocator's pools); a leak of the notebook's models or data would add a whole first run's worth.
MAX_SECOND_RUN_GROWTH = 0.25

MEMORY_BEFORE = """
import psutil as _psutil

_rss_after_first_run_all = _psutil.Process().memory_info().rss
"""

MEMORY_AFTER = f"""
_rss_after_second_run_all = _psutil.Process().memory_info().rss
print(f"kernel memory: {{_rss_after_first_run_all / 2**20:.0f}} MB after Run All, "
      f"{{_rss_after_second_run_all / 2**20:.0f}} MB after the second")
assert _rss_after_second_run_all <= _rss_after_first_run_all * (1 + {MAX_SECOND_RUN_GROWTH}), (
    "kernel memory grew by more than {MAX_SECOND_RUN_GROWTH:.0%} on the second Run All"
)
"""

#: Notebook 02: the code-size slider (``explorer``, an AutoencoderExplorer over the sweep's bank).
AUTOENCODER_SLIDER = """
_bank = explorer.bank
_start, _readout, _images = explorer.code_size, explorer.readout.value, explorer.images.value
_other = 8 if _start != 8 else 16
_visits, _trained = len(_bank.visits), len(_bank.trained)

explorer.select(_other)
assert explorer.slider.value == _other, explorer.slider.value
assert explorer.readout.value.startswith(f"code size {_other} · test MSE"), explorer.readout.value
assert explorer.reconstructions.shape == (len(explorer.shown), 784), explorer.reconstructions.shape
assert explorer.images.value != _images, "the pictures did not change with the code size"

explorer.select(_start)
assert explorer.readout.value == _readout, (explorer.readout.value, _readout)
assert explorer.images.value == _images, "back at the first size, the pictures are not the first ones"
assert len(_bank.visits) > _visits, "the slider did not ask the bank for its models"
assert len(_bank.trained) == _trained, f"the slider retrained: {_bank.trained[_trained:]}"
assert all(hit for _, hit in _bank.visits[_visits:]), f"not from the cache: {_bank.visits[_visits:]}"

try:
    explorer.select(5)
except ValueError as _error:
    assert "5" in str(_error), str(_error)
else:
    raise AssertionError("explorer.select(5) is a size the slider does not offer: expected a ValueError")
assert explorer.slider.value == _start and explorer.readout.value == _readout
print("code-size slider:", _start, "->", _other, "->", _start, "| retrained: none")
"""

#: Notebook 03: the noise slider and the "train at this level" button (``explorer``, a DenoiserExplorer
#: over the lecture's denoiser bank; the lesson itself trains the specialist at 0.2, ``psnr_specialist``).
DENOISER_SLIDER = """
_bank = explorer.bank
_start, _readout, _label = explorer.noise, explorer.readout.value, explorer.denoiser_label.value
_noisy_psnr, _images = explorer.noisy_psnr, explorer.images.value
_other = 0.2 if abs(_start - 0.2) > 1e-9 else 0.8
_visits, _trained = len(_bank.visits), len(_bank.trained)
assert _readout.startswith(f"noise {_start:.2f} · noisy PSNR"), _readout
assert abs(explorer.denoised_psnr - psnr(x_test, denoised)) < 1e-3, (
    f"the explorer's denoised PSNR {explorer.denoised_psnr} is not the lesson's {psnr(x_test, denoised)}"
)

explorer.set_noise(_other)
assert explorer.readout.value.startswith(f"noise {_other:.2f} · noisy PSNR"), explorer.readout.value
assert explorer.denoiser_label.value == _label, "moving the noise slider changed the denoiser"
assert (explorer.noisy_psnr > _noisy_psnr) == (_other < _start), (explorer.noisy_psnr, _noisy_psnr)
assert explorer.images.value != _images, "the pictures did not change with the noise"

explorer.set_noise(_start)
assert explorer.readout.value == _readout, (explorer.readout.value, _readout)
assert len(_bank.visits) > _visits, "the slider did not ask the bank for its denoiser"
assert len(_bank.trained) == _trained, f"the slider retrained: {_bank.trained[_trained:]}"
assert all(hit for _, hit in _bank.visits[_visits:]), f"not from the cache: {_bank.visits[_visits:]}"

try:
    explorer.set_noise(-0.1)
except ValueError as _error:
    assert "-0.1" in str(_error), str(_error)
else:
    raise AssertionError("explorer.set_noise(-0.1) is outside the slider's range: expected a ValueError")
assert explorer.noise == _start and explorer.readout.value == _readout

# "Train a denoiser at this noise level" at 0.20: the lesson trained that specialist already
explorer.set_noise(0.2)
explorer.button.click()
assert explorer.denoiser_label.value.endswith("trained at noise 0.20"), explorer.denoiser_label.value
assert abs(explorer.denoised_psnr - psnr_specialist) < 1e-3, (explorer.denoised_psnr, psnr_specialist)
explorer.set_noise(_start)
explorer.button.click()  # back to the lecture's denoiser
assert explorer.denoiser_label.value == _label and explorer.readout.value == _readout
assert len(_bank.trained) == _trained, f"the button retrained: {_bank.trained[_trained:]}"
assert all(hit for _, hit in _bank.visits[_visits:]), f"not from the cache: {_bank.visits[_visits:]}"
print(f"noise slider and button: {_start:.2f} -> {_other:.2f} -> {_start:.2f} -> 0.20 -> {_start:.2f}"
      " | retrained: none")
"""

#: Notebook 05: the β slider and the latent-dimension choice (``explorer``, a VAEExplorer over
#: ``vae_bank``, which the lesson trained at β 1 with 2 dimensions).
VAE_SLIDER = """
_bank = explorer.bank
_start_beta, _start_dim = explorer.beta, explorer.latent_dim
_readout, _images = explorer.readout.value, explorer.images.value
assert (_start_beta, _start_dim) == (1.0, 2), (_start_beta, _start_dim)

explorer.select(beta=0.5)  # not trained by the lesson: trained now (or loaded from an earlier run's cache)
assert explorer.beta_slider.value == 0.5, explorer.beta_slider.value
assert explorer.readout.value != _readout, "the readout did not follow the β slider"
assert explorer.images.value != _images, "the pictures did not change with β"
_trained = len(_bank.trained)

explorer.select(beta=_start_beta)
assert explorer.readout.value == _readout, (explorer.readout.value, _readout)
explorer.select(beta=0.5)
explorer.select(beta=_start_beta)
assert len(_bank.trained) == _trained, f"a setting seen before was trained again: {_bank.trained[_trained:]}"

try:
    explorer.select(beta=0.3)
except ValueError as _error:
    assert "0.3" in str(_error), str(_error)
else:
    raise AssertionError("explorer.select(beta=0.3) is a β the slider does not offer: expected a ValueError")
assert explorer.beta == _start_beta and explorer.readout.value == _readout
print("β slider:", _start_beta, "-> 0.5 ->", _start_beta, "-> 0.5 ->", _start_beta, "| retrained: none")
"""


@dataclass(frozen=True)
class Probe:
    """Code run in a notebook's kernel after its second Run All, and the notebook names it uses."""

    names: tuple[str, ...]
    code: str

    def cell_source(self) -> str:
        check = (
            f"_missing = [name for name in {self.names!r} if name not in globals()]\n"
            "assert not _missing, f'the notebook no longer defines {_missing} (tests/nbval_plugin.py)'\n"
        )
        return check + self.code


#: By notebook file name (stem).
PROBES = {
    "02_autoencoder": Probe(("explorer",), AUTOENCODER_SLIDER),
    "03_denoising_autoencoder": Probe(
        ("explorer", "x_test", "denoised", "psnr", "psnr_specialist"), DENOISER_SLIDER
    ),
    "05_variational_autoencoder": Probe(("explorer",), VAE_SLIDER),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("nbval").addoption(
        OPTION,
        action="store_true",
        help="after nbval's run of a notebook, Run All again in its kernel, compare, check memory, "
        "move the sliders (tests/nbval_plugin.py)",
    )


def _cell(parent, name: str, cell_num: int, source: str):
    from nbval.plugin import IPyNbCell

    options = defaultdict(bool, {"check": False})  # an extra cell: run and must not fail, nothing to compare
    return IPyNbCell.from_parent(
        parent, name=name, cell_num=cell_num, cell=nbformat.v4.new_code_cell(source), options=options
    )


def _second_run(parent, cells: list) -> list:
    last = cells[-1].cell_num + 1
    # A copy of each cell: nbval's coalesce_streams merges the reference's streams *in place*
    # (``text +=`` on the first one), so comparing the same cell object twice would double its lines.
    again = [
        type(cell).from_parent(
            parent, name=f"Run All again: {cell.name}", cell_num=cell.cell_num,
            cell=copy.deepcopy(cell.cell), options=cell.options,
        )
        for cell in cells
    ]
    added = [_cell(parent, "Run All again: memory before", last, MEMORY_BEFORE), *again]
    added.append(_cell(parent, "Run All again: memory after", last, MEMORY_AFTER))
    probe = PROBES.get(Path(str(parent.fspath)).stem)
    if probe is not None:
        added.append(_cell(parent, "Run All again: probes", last, probe.cell_source()))
    return added


@pytest.hookimpl(trylast=True)  # after -k / -m deselection: only whole notebooks are run twice
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    if not config.getoption("run_all_twice", default=False):
        return
    from nbval.plugin import IPyNbCell

    result, i = [], 0
    while i < len(items):
        if not isinstance(items[i], IPyNbCell):
            result.append(items[i])
            i += 1
            continue
        parent, cells = items[i].parent, []
        while i < len(items) and isinstance(items[i], IPyNbCell) and items[i].parent is parent:
            cells.append(items[i])
            i += 1
        result += cells
        code_cells = sum(cell.cell_type == "code" for cell in parent.nb.cells)
        if [cell.cell_num for cell in cells] == list(range(code_cells)):
            result += _second_run(parent, cells)
    items[:] = result


# -- the rules, handed to nbval ---------------------------------------------------------------------


def pytest_collectstart(collector) -> None:
    if getattr(collector, "skip_compare", None) is not None:  # an nbval notebook
        collector.skip_compare = (*collector.skip_compare, *NOT_COMPARED)
        # nbval adds the patterns of --nbval-sanitize-with files (none here) at set-up
        collector.sanitize_patterns.update(SANITIZE)


def _execute_like_jupyter() -> None:
    """nbval 0.11 runs cells with ``store_history=False``; JupyterLab stores them.

    IPython decides whether a trailing ``;`` hides a cell's result by looking at the last *stored*
    input, so without history ``show_images(...);`` displays its figure twice under nbval and once
    in JupyterLab. Storing history makes nbval execute cells the way students do.
    """
    from nbval.kernel import RunningKernel

    def execute_cell_input(self, cell_input, allow_stdin=None):
        return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)

    RunningKernel.execute_cell_input = execute_cell_input


_execute_like_jupyter()
