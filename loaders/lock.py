"""One pipeline at a time: loaders, dbt and publishing write the same DuckDB files."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


class LockedError(Exception):
    """Another run holds the lock."""


@contextmanager
def pipeline_lock(path: Path, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock on `path` for the block.

    Waits up to `wait_seconds` for another run to finish, then raises LockedError
    naming the holder. The operating system releases the lock if the process dies.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise LockedError(
                        f"locked: {holder} is running on this data folder "
                        f"({path}). Wait for it to finish, or pass --wait SECONDS."
                    ) from None
                time.sleep(min(1.0, max(deadline - time.monotonic(), 0.05)))
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
