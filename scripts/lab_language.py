"""Set JupyterLab's interface language before ``make lab`` starts it: ``make lab LAB_LANG=ko``.

    python scripts/lab_language.py en|ko

``ko`` switches the interface to Korean (the pinned language pack ``jupyterlab-language-pack-ko-KR``)
by writing the locale ``ko_KR`` into the settings folder the Makefile gives the Korean interface
(``$JUPYTERLAB_SETTINGS_DIR``, ``build/jupyter/lab-settings-ko``), only when that folder has no
language setting yet: a language a student chose later in Settings → Language stays. ``en`` uses
the English interface's own settings folder and writes nothing. Anything else is an error naming
``LAB_LANG`` (exit code 2).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from lessons_lib.files import atomic_write_text

LANGUAGES = {"en": None, "ko": "ko_KR"}
SETTING = Path("@jupyterlab") / "translation-extension" / "plugin.jupyterlab-settings"


def set_language(language: str, settings_dir: Path) -> str:
    """Write the locale of ``language`` into ``settings_dir`` if it has none; say what happened."""
    if language not in LANGUAGES:
        raise ValueError(f"LAB_LANG must be one of {', '.join(LANGUAGES)}, got {language!r}")
    locale = LANGUAGES[language]
    if locale is None:
        return "JupyterLab in English"
    target = settings_dir / SETTING
    if target.exists():
        return f"JupyterLab language: as set in {target} (Settings → Language changes it)"
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, json.dumps({"locale": locale}, indent=2) + "\n")
    return f"JupyterLab in Korean (한국어): locale {locale} written to {target}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    settings = os.environ.get("JUPYTERLAB_SETTINGS_DIR")
    if len(args) != 1 or not settings:
        print("usage: JUPYTERLAB_SETTINGS_DIR=... python scripts/lab_language.py en|ko", file=sys.stderr)
        return 2
    try:
        print(set_language(args[0], Path(settings)))
    except ValueError as error:
        print(f"lab_language: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
