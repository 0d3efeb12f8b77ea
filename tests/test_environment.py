"""One pinned set of versions: requirements.txt and environment.yml must agree."""

import re

from nbtools import ROOT


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


def _constraints():
    return _pins((ROOT / "constraints.txt").read_text().splitlines())


def test_constraints_pin_every_installed_package_and_agree_with_requirements():
    """constraints.txt is the whole tested environment: nothing installed drifts on its own."""
    from importlib.metadata import distributions

    constraints = _constraints()
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    assert {name: constraints.get(name) for name in requirements} == requirements
    installed = {d.metadata["Name"].lower().replace("_", "-"): d.version for d in distributions()}
    installed.pop("lessons-lib", None)  # the course's own package, installed editable
    drifted = {n: (v, constraints.get(n)) for n, v in installed.items() if constraints.get(n) != v}
    assert drifted == {}, "installed (version, constraints.txt) differ; regenerate constraints.txt"


def test_bootstrap_installs_under_the_constraints_and_rehashes_them():
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert "pip install -r requirements.txt -c constraints.txt" in bootstrap
    assert "cat requirements.txt constraints.txt pyproject.toml | sha256sum" in bootstrap


def test_binder_environment_is_environment_yml_without_the_editable_install():
    """Binder installs the environment before copying the repository: lessons_lib comes in postBuild."""

    def body(path):
        return [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]

    top, binder = body(ROOT / "environment.yml"), body(ROOT / "binder" / "environment.yml")
    assert [line for line in top if line.strip() != "- -e ."] == binder
    assert "- -e ." in [line.strip() for line in top], "conda users get lessons_lib from environment.yml"
    post_build = ROOT / "binder" / "postBuild"
    assert "pip install --no-deps -e ." in post_build.read_text()
    assert post_build.stat().st_mode & 0o111, "binder/postBuild must be executable"
