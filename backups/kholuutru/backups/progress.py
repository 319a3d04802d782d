"""How long work reports its progress, without knowing whether anyone watches (terminal bars or JSON mode)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Progress(Protocol):
    def step(self, label: str, length: int) -> AbstractContextManager[Callable[[int], None]]:
        """One step of ``length`` units; entering it gives the function that advances it."""


class Silent:
    """No progress shown (``--json``, tests, the console)."""

    @contextmanager
    def step(self, label: str, length: int) -> Iterator[Callable[[int], None]]:
        yield lambda _units: None


SILENT = Silent()


class Percent:
    """Turns restic's ``percent_done`` (0…1) into whole-permille advances of a step of length 1000."""

    def __init__(self, advance: Callable[[int], None]) -> None:
        self.advance, self.done = advance, 0

    def __call__(self, fraction: float) -> None:
        now = min(1000, int(fraction * 1000))
        if now > self.done:
            self.advance(now - self.done)
            self.done = now
