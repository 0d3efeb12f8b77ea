"""`make lab` starts a real JupyterLab: on 127.0.0.1, with a token, answering GET /lab; in Korean with
`make lab LAB_LANG=ko` (the language pack, the Korean lessons; scripts/lab_language.py)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import lab_language  # scripts/ (pytest's pythonpath)
import pytest
from nbtools import ROOT, free_port, stop_server


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "ko"])
def test_make_lab_serves_jupyterlab_on_localhost_with_a_token(tmp_path, language):
    port, token = free_port(), secrets.token_hex(16)
    settings = tmp_path / "lab-settings"
    env = dict(os.environ, JUPYTER_TOKEN=token, JUPYTER_RUNTIME_DIR=str(tmp_path),
               JUPYTERLAB_SETTINGS_DIR=str(settings))
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_PORT={port}", "LAB_ARGS=--no-browser",
         f"LAB_LANG={language}"],
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
        if language == "ko":  # the Korean lessons, and the Korean language pack serving its strings
            with urllib.request.urlopen(f"{notebook}?token={token}", timeout=10) as response:
                assert "이 장에서 배우는 것" in json.dumps(json.load(response), ensure_ascii=False)
            pack = f"http://127.0.0.1:{port}/lab/api/translations/ko_KR?token={token}"
            with urllib.request.urlopen(pack, timeout=10) as response:
                assert json.load(response)["data"], "the Korean language pack is not installed"
            setting = settings / lab_language.SETTING
            assert json.loads(setting.read_text())["locale"] == "ko_KR"
        else:
            assert not settings.exists(), "the English interface got a language setting"
    finally:
        stop_server(server, timeout=20)
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the server still listens after it was stopped"


def test_korean_interface_setting_is_written_once_and_never_overwritten(tmp_path):
    assert "Korean" in lab_language.set_language("ko", tmp_path)
    target = tmp_path / lab_language.SETTING
    assert json.loads(target.read_text())["locale"] == "ko_KR"
    target.write_text('{"locale": "en"}')  # the student switched back in Settings → Language
    assert "as set in" in lab_language.set_language("ko", tmp_path)
    assert json.loads(target.read_text())["locale"] == "en"
    assert lab_language.set_language("en", tmp_path / "english") == "JupyterLab in English"
    assert not (tmp_path / "english").exists()


def test_an_unknown_lab_language_is_named():
    with pytest.raises(ValueError, match="LAB_LANG must be one of en, ko, got 'fr'"):
        lab_language.set_language("fr", Path("unused"))
    result = subprocess.run(["make", "-n", "lab", "LAB_LANG=fr"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0 and "LAB_LANG must be en or ko, got 'fr'" in result.stderr
