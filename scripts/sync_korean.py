"""Write the Korean edition's code from the English lessons: ``make korean`` (also run by ``make outputs``).

    python scripts/sync_korean.py [--check | --init | --accept] [NB ...]   (default: notebooks/NN_*.ipynb)

``notebooks/ko/NN_name.ipynb`` is the Korean twin (한국어판) of ``notebooks/NN_name.ipynb``. The English
notebook is the one to edit. This script copies from it into the Korean twin everything but the
Korean text: the notebook's metadata, and every cell's id, metadata (slide types, tags) and, for
code cells, source (byte for byte, comments included), outputs and execution count. The Korean
twin keeps only its own markdown text. Running it twice changes nothing.

Each Korean markdown cell records the SHA-1 of the English text it translates
(``metadata["korean"]["english_sha1"]``). The script refuses (exit code 1, nothing written, the
notebook and cell named) when

- the two notebooks differ in structure (number of cells, or a markdown cell where the other has
  code): a cell was added, removed or moved in the English lesson;
- an English markdown cell changed since its Korean text was written (the recorded SHA-1 differs);

and ``--check`` also fails when a Korean markdown cell has no Korean (Hangul) text, i.e. was never
translated. ``--check`` writes nothing (the test ``tests/test_korean.py`` runs it).

To translate a new lesson: ``--init`` writes its missing twin with the English text (SHA-1s
recorded); translate every markdown cell in JupyterLab or an editor; run the sync. After the English
text of a cell changed: update its Korean text, then ``--accept`` records the new SHA-1s of the
notebooks given (all cells: run it only when every changed cell is translated again).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from lesson_args import add_notebook_arguments, lesson_notebooks

from lessons_lib.files import atomic_write_text

HANGUL = re.compile("[\uac00-\ud7a3]")
META_KEY = "korean"  # in a Korean markdown cell's metadata: {"english_sha1": ...}


class DriftError(Exception):
    """The Korean twin no longer matches its English lesson; the message names notebook and cell."""


def korean_path(english: Path) -> Path:
    """Where the Korean twin of an English lesson lives: ``notebooks/ko/<same name>``."""
    return english.resolve().parent / "ko" / english.name


def source(cell: dict[str, Any]) -> str:
    text = cell.get("source", "")
    return text if isinstance(text, str) else "".join(text)


def english_sha1(cell: dict[str, Any]) -> str:
    return hashlib.sha1(source(cell).encode("utf-8")).hexdigest()


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def dumps(nb: dict[str, Any]) -> str:
    """The notebook as Jupyter writes it (one-space indent, UTF-8 kept, final newline)."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _check_structure(english: dict[str, Any], korean: dict[str, Any], name: str) -> None:
    en_cells, ko_cells = english["cells"], korean["cells"]
    for i, (en, ko) in enumerate(zip(en_cells, ko_cells, strict=False)):
        if en["cell_type"] != ko["cell_type"]:
            raise DriftError(
                f"{name}: cell {i} is {en['cell_type']} in English but {ko['cell_type']} in Korean "
                f"(a cell was added, removed or moved in the English lesson; make the Korean match)"
            )
    if len(en_cells) != len(ko_cells):
        raise DriftError(
            f"{name}: the English lesson has {len(en_cells)} cells, the Korean {len(ko_cells)} "
            f"(translate the added cells, remove the removed ones)"
        )


def merge(
    english: dict[str, Any], korean: dict[str, Any], name: str, *, accept: bool = False
) -> dict[str, Any]:
    """The Korean twin as the sync writes it: the English notebook with the Korean markdown text.

    Raises :class:`DriftError` when the structure differs, or (unless ``accept``) when an English
    markdown cell changed since its translation.
    """
    _check_structure(english, korean, name)
    merged = copy.deepcopy(english)
    for i, (cell, ko) in enumerate(zip(merged["cells"], korean["cells"], strict=True)):
        if cell["cell_type"] != "markdown":
            continue
        sha1 = english_sha1(cell)
        recorded = ko.get("metadata", {}).get(META_KEY, {}).get("english_sha1")
        if recorded != sha1 and not accept:
            raise DriftError(
                f"{name}: the English text of markdown cell {i} changed since it was translated "
                f"(starts {source(cell)[:60]!r}); update the Korean text, then run "
                f"`python scripts/sync_korean.py --accept notebooks/{name}`"
            )
        cell["source"] = ko["source"]
        cell["metadata"] = {**cell.get("metadata", {}), META_KEY: {"english_sha1": sha1}}
    return merged


def untranslated(korean: dict[str, Any], name: str) -> list[str]:
    """One line per markdown cell of a Korean notebook without any Hangul."""
    return [
        f"{name}: markdown cell {i} has no Korean text (starts {source(cell)[:60]!r})"
        for i, cell in enumerate(korean["cells"])
        if cell["cell_type"] == "markdown" and not HANGUL.search(source(cell))
    ]


def initial_twin(english: dict[str, Any]) -> dict[str, Any]:
    """A new Korean twin to translate: the English notebook, every markdown cell's SHA-1 recorded."""
    return merge(english, english, "", accept=True)


def sync(english_path: Path, *, mode: str = "sync") -> list[str]:
    """Sync one lesson's Korean twin; returns problems (``check``) or says what it did (``sync``)."""
    name = english_path.name
    target = korean_path(english_path)
    english = read(english_path)
    if not target.exists():
        if mode == "init":
            target.parent.mkdir(exist_ok=True)
            atomic_write_text(target, dumps(initial_twin(english)))
            return [f"{name}: wrote notebooks/ko/{name} with the English text, to translate"]
        raise DriftError(f"{name}: no Korean twin at notebooks/ko/{name} (create one with --init)")
    current = target.read_text(encoding="utf-8")
    merged = merge(english, json.loads(current), name, accept=(mode == "accept"))
    text = dumps(merged)
    if mode == "check":
        problems = untranslated(merged, name)
        if text != current:
            problems.append(f"{name}: notebooks/ko/{name} is not in sync (run `make korean`)")
        return problems
    if text == current:
        return [f"{name}: in sync"]
    atomic_write_text(target, text)
    return [f"{name}: notebooks/ko/{name} updated from the English lesson"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--check", action="store_const", const="check", dest="mode",
                       help="write nothing; exit 1 if a twin is missing, untranslated or not in sync")
    modes.add_argument("--init", action="store_const", const="init", dest="mode",
                       help="write missing twins with the English text, to translate")
    modes.add_argument("--accept", action="store_const", const="accept", dest="mode",
                       help="record the English text's SHA-1 for every cell (after updating the Korean)")
    add_notebook_arguments(parser)
    args = parser.parse_args(argv)
    mode = args.mode or "sync"
    notebooks = [p for p in lesson_notebooks(parser, args.notebooks) if p.resolve().parent.name != "ko"]
    failed = False
    for path in notebooks:
        try:
            lines = sync(path, mode=mode)
            bad = mode == "check" and bool(lines)  # --check returns only problems
        except DriftError as error:
            lines, bad = [f"error: {error}"], True
        failed = failed or bad
        for line in lines:
            print(line, file=sys.stderr if bad else sys.stdout)
    if mode == "check" and not failed:
        print(f"sync_korean: {len(notebooks)} Korean notebooks in sync and translated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
