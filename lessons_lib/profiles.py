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


def current_profile(name: str | None = None) -> str:
    """Return the active profile name.

    ``name`` wins when given (a notebook's ``PROFILE`` parameter; kept while notebooks still pass
    it); otherwise the ``LESSONS_PROFILE`` environment variable; otherwise ``"full"``.
    Any other value raises ``ValueError`` naming where it came from.
    """
    if name is not None:
        source, value = "profile", name
    else:
        source, value = PROFILE_ENV, os.environ.get(PROFILE_ENV, "").strip() or DEFAULT_PROFILE
    if value not in PROFILES:
        raise ValueError(
            f"{source}={value!r} is not a known profile; expected one of {', '.join(PROFILES)}"
        )
    return value


def pick(*, full: T, quick: T, smoke: T = _UNSET, profile: str | None = None) -> T:  # type: ignore[assignment]
    """Return ``full``, ``quick`` or ``smoke`` according to the active profile (:func:`current_profile`).

    ``smoke`` defaults to the ``quick`` value.
    """
    active = current_profile(profile)
    if active == "full":
        return full
    if active == "smoke" and smoke is not _UNSET:
        return smoke
    return quick
