"""Run profiles: ``full`` (the real lesson, the default) and ``quick`` (for nbval).

Both profiles use the same data and the same shapes; ``quick`` only trains for fewer epochs or
steps. Every output that nbval checks must therefore be identical in both profiles.

Used by every notebook: ``EPOCHS = pick(full=50, quick=2)``.
"""

from __future__ import annotations

import os
from typing import TypeVar

PROFILE_ENV = "LESSONS_PROFILE"
PROFILES = ("full", "quick")
DEFAULT_PROFILE = "full"

T = TypeVar("T")


def current_profile(name: str | None = None) -> str:
    """Return the active profile name.

    ``name`` wins when given (a notebook's ``PROFILE`` parameter, e.g. set by papermill);
    otherwise the ``LESSONS_PROFILE`` environment variable; otherwise ``"full"``.
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


def pick(*, full: T, quick: T, profile: str | None = None) -> T:
    """Return ``full`` or ``quick`` according to the active profile (see :func:`current_profile`)."""
    return full if current_profile(profile) == "full" else quick
