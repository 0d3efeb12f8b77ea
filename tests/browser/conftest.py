"""Fixtures for the browser tests: a real JupyterLab and Debian's Chromium driven by Playwright.

- ``lab``: JupyterLab from the course's .venv on 127.0.0.1, a free port and a random token (the
  API refuses requests without it), serving a temporary folder. Notebooks are copied there, so
  Run All and autosave never touch the committed ones. The server's environment carries
  ``LESSONS_PROFILE=quick`` and ``LESSONS_MNIST`` so the kernels inherit them; the user's own
  JupyterLab settings are replaced by empty temporary folders, so only the course's
  jupyter/overrides.json (installed by scripts/bootstrap.sh) applies.
- ``page``: a Chromium page (``/usr/bin/chromium``; Playwright's own browser download does not
  work here) that may talk to the lab server only: every other request is refused and recorded
  in ``page.outside_requests``, so a test can check that the lesson needs no network.

Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from nbtools import ROOT, free_port, stop_server

CHROMIUM = Path(os.environ.get("LESSONS_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@dataclass
class Lab:
    """A running JupyterLab: where it listens, its token and the folder it serves."""

    base_url: str
    token: str
    root_dir: Path
    log: Path

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"

    def get_json(self, path: str) -> dict:
        with urllib.request.urlopen(self.url(path), timeout=10) as response:
            return json.load(response)

    def add_notebook(self, source: Path, name: str | None = None) -> Path:
        """Copy a notebook into the served folder (as ``name``, default its own name); return the copy."""
        target = self.root_dir / (name or source.name)
        shutil.copy2(source, target)
        return target


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    jupyter = ROOT / ".venv" / "bin" / "jupyter"
    assert jupyter.exists(), "run `make venv` first: .venv/bin/jupyter is missing"
    overrides = ROOT / ".venv" / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert overrides.exists(), "run `make venv`: scripts/bootstrap.sh installs jupyter/overrides.json"
    home = tmp_path_factory.mktemp("lab")
    root_dir = home / "notebooks"
    root_dir.mkdir()
    port, token = free_port(), secrets.token_hex(24)
    env = dict(
        os.environ,
        LESSONS_PROFILE="quick",
        JUPYTER_TOKEN=token,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        IPYTHONDIR=str(home / "ipython"),
        MPLCONFIGDIR=str(home / "matplotlib"),
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    if os.environ.get("LESSONS_MNIST"):
        env["LESSONS_MNIST"] = str(Path(os.environ["LESSONS_MNIST"]).resolve())
    log = home / "jupyterlab.log"
    with open(log, "wb") as log_file:
        server = subprocess.Popen(
            [
                str(jupyter), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root_dir}",
                *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
            ],
            cwd=root_dir, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, root_dir, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, f"JupyterLab exited early:\n{log.read_text()[-3000:]}"
            try:
                lab.get_json("/api/status")
                break
            except (TimeoutError, ConnectionError, urllib.error.URLError):
                assert time.monotonic() < deadline, f"JupyterLab did not answer:\n{log.read_text()[-3000:]}"
                time.sleep(0.5)
        yield lab
    finally:
        stop_server(server, timeout=30)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run installs it)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, lab: Lab):
    """A fresh browser page that may only reach the lab server (other requests are refused and recorded)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    page.outside_requests = []
    page.page_errors = []

    def route(route):
        url = route.request.url
        if url.startswith(lab.base_url + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            page.outside_requests.append(url)
            route.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()
