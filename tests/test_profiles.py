"""lessons_lib.profiles: full by default, quick or smoke on request, anything else a clear error."""

import pytest

from lessons_lib.profiles import PROFILE_ENV, check_profile, current_profile, pick


def test_default_is_full(monkeypatch):
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    assert current_profile() == "full"
    assert pick(full=50, quick=2, smoke=1) == 50


def test_environment_selects_quick(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "quick")
    assert current_profile() == "quick"
    assert pick(full=50, quick=2, smoke=1) == 2


def test_environment_selects_smoke_which_defaults_to_the_quick_value(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "smoke")
    assert current_profile() == "smoke"
    assert pick(full=50, quick=2, smoke=1) == 1
    assert pick(full=50, quick=2) == 2
    assert pick(full="a", quick="b", smoke=None) is None  # None is a value, not "not given"


def test_empty_variable_means_full(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, " ")
    assert current_profile() == "full"


def test_the_environment_is_the_only_way_to_set_it(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "quick")
    with pytest.raises(TypeError):
        pick(full="a", quick="b", profile="full")  # no second way (a notebook parameter) any more


@pytest.mark.parametrize("value", ["fast", "Full", "1"])
def test_unknown_profile_is_an_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(PROFILE_ENV, value)
    with pytest.raises(ValueError, match=rf"LESSONS_PROFILE='{value}'.*expected one of full, quick, smoke"):
        current_profile()


@pytest.mark.parametrize("name", ["slow", "QUICK", "", None, 1])
def test_check_profile_names_the_known_ones(name):
    expected = rf"^profile={name!r} is not a known profile; expected one of full, quick, smoke$"
    with pytest.raises(ValueError, match=expected):
        check_profile(name)
    with pytest.raises(ValueError, match=rf"^--profile={name!r} is not a known"):
        check_profile(name, "--profile")
    assert check_profile("smoke") == "smoke"
