"""`make lab` starts a real JupyterLab: on 127.0.0.1, with a token, answering GET /lab."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from nbtools import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_make_lab_serves_jupyterlab_on_localhost_with_a_token(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_TOKEN=token, JUPYTER_RUNTIME_DIR=str(tmp_path))
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_PORT={port}", "LAB_ARGS=--no-browser"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline, status = time.monotonic() + 90, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = _get(f"http://127.0.0.1:{port}/lab?token={token}")
                break
            except (TimeoutError, ConnectionError, urllib.error.URLError):
                time.sleep(0.5)
        assert server.poll() is None, "make lab exited early"
        assert status == 200
        # without the token the API refuses: the server is not open
        assert _get(f"http://127.0.0.1:{port}/api/contents") in (401, 403)
        # the notebooks folder is what the server shows
        notebook = f"http://127.0.0.1:{port}/api/contents/01_functional_api.ipynb"
        assert _get(f"{notebook}?token={token}&content=0") == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the server still listens after it was stopped"
