"""Run profiles: ``full`` (the real lesson, the default), ``quick`` (for nbval) and ``smoke``.

All profiles use the same data, the same code and the same shapes; they differ only in how long
they train:

- ``full``: the lesson as taught (the lecture's epochs);
- ``quick``: a few epochs or steps, for nbval in ``make test``. Every output nbval checks must be
  identical in ``full`` and ``quick``;
- ``smoke``: as few steps as still run every line, for the tests whose point is that a notebook
  *survives* something (offline, an interrupted save, a damaged cache), not what it prints.

The profile is chosen one way only: the ``LESSONS_PROFILE`` environment variable (``full`` when it
is unset). Used by every notebook: ``EPOCHS = pick(full=50, quick=2)``, and by
:class:`lessons_lib.cache.ModelBank`, whose cache key includes the profile.
"""

from __future__ import annotations

import os
from typing import TypeVar

PROFILE_ENV = "LESSONS_PROFILE"
PROFILES = ("full", "quick", "smoke")
DEFAULT_PROFILE = "full"

T = TypeVar("T")

_UNSET: object = object()


def check_profile(value: object, source: str = "profile") -> str:
    """Return ``value`` when it is a profile name; otherwise a ``ValueError`` naming ``source``.

    For code that is handed a profile name (the cache key of :class:`lessons_lib.cache.ModelBank`,
    a script's ``--profile``); the active profile itself comes from :func:`current_profile`.
    """
    if not isinstance(value, str) or value not in PROFILES:
        raise ValueError(f"{source}={value!r} is not a known profile; expected one of {', '.join(PROFILES)}")
    return value


def current_profile(name: str | None = None) -> str:
    """The active profile: ``$LESSONS_PROFILE``, or ``"full"`` when it is unset or empty.

    An unknown value is a ``ValueError`` naming the variable and the known profiles.
    ``name`` is only checked and returned (:func:`check_profile`): kept while
    :class:`lessons_lib.cache.ModelBank` validates its ``profile=`` this way.
    """
    if name is not None:
        return check_profile(name)
    return check_profile(os.environ.get(PROFILE_ENV, "").strip() or DEFAULT_PROFILE, PROFILE_ENV)


def pick(*, full: T, quick: T, smoke: T = _UNSET) -> T:  # type: ignore[assignment]
    """``full``, ``quick`` or ``smoke``, whichever the active profile (:func:`current_profile`) names.

    ``smoke`` defaults to the ``quick`` value.
    """
    active = current_profile()
    if active == "full":
        return full
    if active == "smoke" and smoke is not _UNSET:
        return smoke
    return quick
