"""Progress for long work: a one-line bar on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

log = logging.getLogger(__name__)


class Progress:
    """Counts files and bytes done out of a known total."""

    def __init__(
        self,
        label: str,
        total_files: int,
        total_bytes: int,
        *,
        stream: TextIO | None = None,
        log_every_seconds: float = 10.0,
    ) -> None:
        self.label = label
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.files = 0
        self.bytes = 0
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.log_every_seconds = log_every_seconds
        self.started = time.monotonic()
        self._last_log = self.started

    def advance(self, nbytes: int, current: str = "") -> None:
        self.files += 1
        self.bytes += nbytes
        if self.interactive:
            self._draw(current)
        elif time.monotonic() - self._last_log >= self.log_every_seconds:
            self._last_log = time.monotonic()
            log.info("%s: %s", self.label, self._counts())

    def close(self) -> None:
        if self.interactive and self.total_files:
            self.stream.write("\n")
            self.stream.flush()

    def _counts(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return (
            f"{self.files:,}/{self.total_files:,} files, "
            f"{size_text(self.bytes)}/{size_text(self.total_bytes)} "
            f"({size_text(self.bytes / elapsed)}/s)"
        )

    def _draw(self, current: str) -> None:
        width = 24
        share = self.bytes / self.total_bytes if self.total_bytes else 1.0
        filled = int(width * share)
        bar = "#" * filled + "-" * (width - filled)
        line = f"\r{self.label} [{bar}] {self._counts()} {current[-40:]}"
        self.stream.write(line.ljust(120)[:160])
        self.stream.flush()


def size_text(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:,.0f} {unit}" if unit == "B" else f"{nbytes:,.1f} {unit}"
        nbytes /= 1024
    raise AssertionError("unreachable")
