"""What every slider widget of the lessons shares: the controls always show the setting whose
pictures are shown (:class:`ExplorerBase`).

A module of its own, with no heavy import, so that the latent walks (notebooks 04 and 06) do not
load the autoencoder explorers' training stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ExplorerBase:
    """What the explorers share: the controls always show the setting whose pictures are shown.

    Used by the autoencoder sliders of :mod:`lessons_lib.widgets` (notebooks 02 and 03),
    :class:`lessons_lib.vae_explorer.VAEExplorer` (notebook 05) and the latent walks of
    :mod:`lessons_lib.latent_walk` (notebooks 04 and 06).

    A subclass draws in :meth:`_draw` and says which control values make up its setting
    (:meth:`_setting`, :meth:`_restore_setting`). When drawing fails (training interrupted or
    failed, a bad value typed into a control), the controls return to the setting last drawn and
    the error propagates (the notebook shows it); the pictures and readouts were never touched.
    """

    _shown: dict[str, Any] | None = None
    _restoring = False

    def _setting(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _restore_setting(self, setting: Mapping[str, Any]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _draw(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def update(self) -> None:
        """Show the current setting; on failure, put the controls back on the one still shown."""
        try:
            self._draw()
        except BaseException:
            if self._shown is not None:
                self._restoring = True
                try:
                    self._restore_setting(self._shown)
                finally:
                    self._restoring = False
            raise
        self._shown = self._setting()

    def _on_change(self, change: Mapping[str, Any]) -> None:
        if not self._restoring:  # a control put back after a failure: its pictures are still shown
            self.update()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
