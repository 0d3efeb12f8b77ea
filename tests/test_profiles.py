"""lessons_lib.profiles: full by default, quick or smoke on request, anything else a clear error."""

import pytest

from lessons_lib.profiles import PROFILE_ENV, current_profile, pick


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


def test_explicit_name_wins_over_environment(monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "quick")
    assert pick(full="a", quick="b", profile="full") == "a"


@pytest.mark.parametrize("value", ["fast", "Full", "1"])
def test_unknown_profile_is_an_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(PROFILE_ENV, value)
    with pytest.raises(ValueError, match=rf"LESSONS_PROFILE='{value}'.*expected one of full, quick, smoke"):
        current_profile()


def test_unknown_profile_argument_is_an_error():
    with pytest.raises(ValueError, match=r"profile='slow'"):
        pick(full=1, quick=2, profile="slow")
