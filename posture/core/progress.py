"""How a long analysis reports its progress: one type for the command line's bar, the
dashboard's progress bar and the tests."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Called after each frame analysed: ``done`` frames so far of ``total`` expected (0 when
    the source cannot tell, e.g. a camera)."""

    def __call__(self, done: int, total: int) -> None: ...
