"""Offline HTML for the slides (make slides) and the course pages (make course).

nbconvert's templates load reveal.js, require.js, jQuery, MathJax, MermaidJS and the widget
renderer from CDNs, so an exported deck shows nothing on a laptop without a network. Here the
same files come from ``node_modules/`` (``npm ci`` from the committed package-lock.json: reveal.js
4.x, which nbconvert's reveal template is written for, require.js, jQuery, MathJax 3 and
@jupyter-widgets/html-manager). :func:`copy_assets` copies them beside the HTML and the exporters
point at them with relative URLs, so a build folder works when copied anywhere, even as file://.

The copy never breaks the pages already in the folder: each asset folder is filled beside the
old one and renamed over it only when complete (an interrupted ``make slides`` leaves the old copy),
and it is skipped when it already matches node_modules. :func:`missing_local_files` lists what a
browser would not find: every file the page loads, what its stylesheets import (fonts included),
and the fonts that MathJax and the widget renderer load from beside their scripts.

Used by scripts/make_slides.py and scripts/make_course.py.
"""

from __future__ import annotations

import contextlib
import filecmp
import functools
import os
import posixpath
import re
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from lesson_args import ROOT

TEMPLATES = ROOT / "scripts" / "templates"
NODE_MODULES = ROOT / "node_modules"

# (source under node_modules, destination under the build folder, glob patterns to copy or None for all)
_ASSETS: list[tuple[str, str, list[str] | None]] = [
    ("reveal.js/dist", "reveal.js/dist", None),
    ("reveal.js/plugin", "reveal.js/plugin", None),
    ("requirejs", "vendor/requirejs", ["require.js"]),
    ("jquery/dist", "vendor/jquery", ["jquery.min.js"]),
    ("mathjax/es5", "vendor/mathjax", None),
    ("@jupyter-widgets/html-manager/dist", "vendor/html-manager",
     ["embed-amd.js", "*.woff", "*.woff2", "*.ttf", "*.eot", "*.svg"]),
]

# Relative URLs of the copied files, as the exporters need them.
URLS = {
    "reveal_url_prefix": "reveal.js",
    "require_js_url": "vendor/requirejs/require.js",
    "jquery_url": "vendor/jquery/jquery.min.js",
    "mathjax_url": "vendor/mathjax/tex-chtml.js",
    "widget_renderer_url": "vendor/html-manager/embed-amd.js",
}

_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_NOT_A_FILE = re.compile(r"^(?:data|javascript|about|blob|mailto):|^#", re.IGNORECASE)
_REFERENCES = [
    re.compile(r"<script\b[^>]*\ssrc\s*=\s*[\"']([^\"']+)", re.IGNORECASE),
    re.compile(r"<link\b[^>]*\shref\s*=\s*[\"']([^\"']+)", re.IGNORECASE),
    re.compile(r"<(?:img|iframe|source|video|audio|embed|track|input)\b[^>]*\ssrc\s*=\s*[\"']([^\"']+)",
               re.IGNORECASE),
    re.compile(r"\bimport\b[^;'\"]*?\bfrom\s*[\"']([^\"']+)", re.IGNORECASE),
    re.compile(r"\bimport\(\s*[\"']([^\"']+)", re.IGNORECASE),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?([^\"')\s;]+)", re.IGNORECASE),
    re.compile(r"\bwidgetRendererSrc\s*=\s*[\"']([^\"']+)", re.IGNORECASE),
    re.compile(r"^\s*[\"']([^\"']+\.js)[\"'],?\s*$", re.MULTILINE),  # require([...]) module lists
]
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)
# in a stylesheet: url(...) (fonts, images) and @import "..." / @import url(...)
_CSS_URL = re.compile(r"\burl\(\s*([\"']?)([^\"')]+)\1\s*\)", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\s+[\"']([^\"']+)[\"']", re.IGNORECASE)
# in a script: files it loads from its own folder. MathJax 3: the font folder it resolves against its
# root, and the font files (``%%URL%%/MathJax_Main-Regular.woff``); webpack bundles (the widget
# renderer): ``__webpack_require__.p + "<hash>.woff2"``.
_MATHJAX_FOLDER = re.compile(r"resolvePath\(\s*\"([^\"\[\]]+)\"")
_MATHJAX_FONT = re.compile(r"%%URL%%/([\w.-]+\.(?:woff2?|otf|ttf|eot|svg))\b")
_WEBPACK_ASSET = re.compile(r"\.p\s*\+\s*\"([^\"]+\.(?:woff2?|ttf|eot|svg|png|gif|css))\"")


class MissingAssetsError(RuntimeError):
    """node_modules does not hold the offline assets (``npm ci`` was not run)."""


def check_assets(node_modules: Path = NODE_MODULES) -> None:
    """Raise :class:`MissingAssetsError` naming the fix when an asset folder is missing."""
    missing = [src for src, _, _ in _ASSETS if not (node_modules / src).is_dir()]
    if missing:
        raise MissingAssetsError(
            f"offline assets missing under {node_modules}: {', '.join(missing)}. "
            "Run `make slides` (it runs `npm ci` from package-lock.json) or `npm ci` at the repository top."
        )


def copy_assets(dest: Path, node_modules: Path = NODE_MODULES) -> None:
    """Copy the offline assets into ``dest`` at the paths in :data:`URLS`, never leaving a partial copy.

    Each asset folder is filled under a hidden name beside its old copy and renamed over it only
    when complete, so an interruption (Ctrl-C, an error, a full disk) leaves the old copy in place
    and the pages already there keep working. A folder that already matches node_modules is kept.
    """
    check_assets(node_modules)
    for src, target, patterns in _ASSETS:
        files = _selected_files(node_modules / src, patterns)
        out = dest / target
        out.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(out)
        if _same_files(files, out):
            continue
        _replace_folder(out, files)


def _selected_files(source: Path, patterns: list[str] | None) -> dict[str, Path]:
    """The files to copy from ``source``: relative name (posix) -> file."""
    if patterns is None:
        found = (path for path in source.rglob("*") if path.is_file())
    else:
        found = (path for pattern in patterns for path in source.glob(pattern) if path.is_file())
    return {path.relative_to(source).as_posix(): path for path in found}


def _same_files(files: dict[str, Path], out: Path) -> bool:
    """Whether ``out`` holds every file of ``files`` with the same content (npm gives all files one date)."""
    try:
        return out.is_dir() and all(
            filecmp.cmp(source, out / relative, shallow=False) for relative, source in files.items()
        )
    except OSError:  # a file missing (or unreadable) in the copy
        return False


def _leftover_prefixes(out: Path) -> tuple[str, str]:
    return f".{out.name}.tmp-", f".{out.name}.old-"


def _remove_leftovers(out: Path) -> None:
    """Delete the hidden folders that a killed copy left beside ``out``."""
    for prefix in _leftover_prefixes(out):
        for leftover in out.parent.glob(f"{prefix}*"):
            shutil.rmtree(leftover, ignore_errors=True)


def _replace_folder(out: Path, files: dict[str, Path]) -> None:
    """Copy ``files`` into a new hidden folder beside ``out``, then rename it to ``out``."""
    new_prefix, old_prefix = _leftover_prefixes(out)
    token = secrets.token_hex(4)
    new, old = out.parent / f"{new_prefix}{token}", out.parent / f"{old_prefix}{token}"
    new.mkdir()  # (a plain mkdir: the user's umask, like the rest of the folder)
    try:
        for relative, source in files.items():
            (new / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, new / relative)
        with _ctrl_c_deferred():  # between the two renames `out` is briefly absent: finish them first
            had_old = out.exists()
            if had_old:
                os.replace(out, old)
            try:
                os.replace(new, out)
            except BaseException:
                if had_old:
                    os.replace(old, out)
                raise
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    if had_old:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) that arrives inside the block until the block is done, then raise it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
    if received:
        raise KeyboardInterrupt


def referenced_urls(html: str) -> list[str]:
    """Every URL an HTML page loads: scripts, stylesheets, images, frames, modules, the widget
    renderer, require() modules and what its ``<style>`` blocks load (in that order, each once)."""
    urls = [m.group(1) for pattern in _REFERENCES for m in pattern.finditer(html)]
    for block in _STYLE_BLOCK.finditer(html):
        urls.extend(_stylesheet_urls(block.group(1)))
    return list(dict.fromkeys(url.strip() for url in urls))


def remote_urls(html: str) -> list[str]:
    """The URLs from :func:`referenced_urls` that need a network (http:, https:, or //host)."""
    return [url for url in referenced_urls(html) if _REMOTE.match(url)]


def missing_local_files(html: str, base: Path) -> list[str]:
    """The files a browser would not find when it opens the page ``html`` saved in folder ``base``.

    Follows what the page loads: its local URLs (:func:`referenced_urls`), then the stylesheets'
    ``url()``/``@import`` (fonts, other stylesheets), and the fonts MathJax and the widget renderer
    load from beside their scripts. Paths are relative to ``base``, in the order found.
    """
    base = Path(base)
    missing: list[str] = []
    seen: set[str] = set()
    queue = [("", url) for url in referenced_urls(html)]
    while queue:
        folder, url = queue.pop(0)
        relative = _local_path(folder, url)
        if relative is None or relative in seen:
            continue
        seen.add(relative)
        path = base / relative
        if not path.is_file():
            missing.append(relative)
            continue
        folder_of_file = posixpath.dirname(relative)
        queue.extend((folder_of_file, loaded) for loaded in _loaded_by(str(path), path.stat().st_mtime_ns))
    return missing


def pages_missing_files(folder: Path, pattern: str = "*.html") -> dict[str, list[str]]:
    """Every page in ``folder`` matching ``pattern`` (built now or earlier) that loads a file a browser
    would not find: page name -> the missing files (see :func:`missing_local_files`)."""
    broken = {}
    for page in sorted(Path(folder).glob(pattern)):
        missing = missing_local_files(page.read_text(encoding="utf-8"), page.parent)
        if missing:
            broken[page.name] = missing
    return broken


def _local_path(folder: str, url: str) -> str | None:
    """``url`` (relative to ``folder``) as a path from the page's folder; None when not a local file."""
    if not url or _REMOTE.match(url) or _NOT_A_FILE.match(url):
        return None
    path = unquote(url.split("#", 1)[0].split("?", 1)[0])
    if not path or path.startswith("/"):
        return None  # relative to a web server's root: no file to look for in a copied folder
    return posixpath.normpath(posixpath.join(folder, path))


def _stylesheet_urls(css: str) -> list[str]:
    return [m.group(2) for m in _CSS_URL.finditer(css)] + [m.group(1) for m in _CSS_IMPORT.finditer(css)]


@functools.lru_cache(maxsize=64)
def _loaded_by(path: str, mtime_ns: int) -> tuple[str, ...]:
    """The files a stylesheet or script at ``path`` loads, relative to its folder (cached per version)."""
    if path.endswith(".css"):
        return tuple(_stylesheet_urls(Path(path).read_text(encoding="utf-8", errors="replace")))
    if not path.endswith(".js"):
        return ()
    script = Path(path).read_text(encoding="utf-8", errors="replace")
    fonts = sorted(set(_MATHJAX_FONT.findall(script)))
    loaded = [posixpath.join(folder, font) for folder in _MATHJAX_FOLDER.findall(script) for font in fonts]
    return tuple(loaded + sorted(set(_WEBPACK_ASSET.findall(script))))


def exporter_config(**extra: object) -> dict[str, object]:
    """The nbconvert settings shared by the slides and the course pages (relative asset URLs)."""
    return {
        "extra_template_basedirs": [str(TEMPLATES)],
        "require_js_url": URLS["require_js_url"],
        "jquery_url": URLS["jquery_url"],
        "mathjax_url": URLS["mathjax_url"],
        "widget_renderer_url": URLS["widget_renderer_url"],
        **extra,
    }
