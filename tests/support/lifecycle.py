"""What the test servers share: `with Server(...) as s` starts it and closes it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class StartedInWith(ABC):
    """A server that `with` starts on entry and closes on exit (close is safe to repeat)."""

    @abstractmethod
    def start(self) -> None:
        """Start serving."""

    @abstractmethod
    def close(self) -> None:
        """Stop serving and release everything the server holds."""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
