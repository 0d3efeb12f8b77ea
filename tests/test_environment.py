"""One pinned set of versions: requirements.txt and environment.yml must agree."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    pins = {}
    for line in lines:
        match = re.match(r"^\s*(?:-\s+)?([A-Za-z0-9_.\-]+)==([^\s#]+)", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_environment_yml_names_the_pinned_versions():
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    environment_text = (ROOT / "environment.yml").read_text()
    pip_section = environment_text.split("- pip:", 1)[1].splitlines()
    environment = _pins(pip_section)
    assert requirements, "requirements.txt pins nothing"
    assert environment == requirements
    assert "python=3.11" in environment_text


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][^\s]*", line), f"not pinned exactly: {line}"


def test_installed_versions_match_the_pins():
    from importlib.metadata import version

    for name, pinned in _pins((ROOT / "requirements.txt").read_text().splitlines()).items():
        assert version(name) == pinned, name
