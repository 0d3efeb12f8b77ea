"""Offline HTML for the slides (make slides) and the course pages (make course).

nbconvert's templates load reveal.js, require.js, jQuery, MathJax, MermaidJS and the widget
renderer from CDNs, so an exported deck shows nothing on a laptop without a network. Here the
same files come from ``node_modules/`` (``npm ci`` from the committed package-lock.json: reveal.js
4.x, which nbconvert's reveal template is written for, require.js, jQuery, MathJax 3 and
@jupyter-widgets/html-manager). :func:`copy_assets` copies them beside the HTML and the exporters
point at them with relative URLs, so a build folder works when copied anywhere, even as file://.

Used by scripts/make_slides.py and scripts/make_course.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
_REFERENCES = [
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)", re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']([^\"']+)", re.IGNORECASE),
    re.compile(r"\bimport\b[^;'\"]*?\bfrom\s*[\"']([^\"']+)", re.IGNORECASE),
    re.compile(r"\bimport\(\s*[\"']([^\"']+)", re.IGNORECASE),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?([^\"')\s;]+)", re.IGNORECASE),
    re.compile(r"\bwidgetRendererSrc\s*=\s*[\"']([^\"']+)", re.IGNORECASE),
    re.compile(r"^\s*[\"']([^\"']+\.js)[\"'],?\s*$", re.MULTILINE),  # require([...]) module lists
]


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
    """Copy the offline assets into ``dest`` (replacing an older copy) at the paths in :data:`URLS`."""
    check_assets(node_modules)
    for src, target, patterns in _ASSETS:
        source, out = node_modules / src, dest / target
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        if patterns is None:
            shutil.copytree(source, out, dirs_exist_ok=True)
            continue
        for pattern in patterns:
            for file in source.glob(pattern):
                shutil.copy2(file, out / file.name)


def referenced_urls(html: str) -> list[str]:
    """Every script, stylesheet, module and widget-renderer URL an HTML page loads."""
    return [m.group(1) for pattern in _REFERENCES for m in pattern.finditer(html)]


def remote_urls(html: str) -> list[str]:
    """The URLs from :func:`referenced_urls` that need a network (http:, https:, or //host)."""
    return [url for url in referenced_urls(html) if _REMOTE.match(url)]


def missing_local_files(html: str, base: Path) -> list[str]:
    """The local URLs from :func:`referenced_urls` whose file does not exist under ``base``."""
    local = [u.split("?", 1)[0].split("#", 1)[0] for u in referenced_urls(html) if not _REMOTE.match(u)]
    return [u for u in local if u and not u.startswith("data:") and not (base / u).is_file()]


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


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so no half-written page is left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
