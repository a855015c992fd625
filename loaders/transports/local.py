"""A local drop folder (a mounted share, a synced folder) read like a server.

The folder is laid out as the source's server is (for Clever: daily-participation/
and resource-usage/ below it), and `fetch --from-dir` mirrors it into the landing
tree with the same rules as SFTP: settle time, stat before and after, atomic copy,
per-file state. Links are never followed, not even when opening a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from loaders.transports.base import Readable, RemoteFile, Transport, join

_EPOCH = datetime(1970, 1, 1)


class LocalTransport(Transport):
    def __init__(self, root: Path) -> None:
        self.root = str(root.resolve())
        self.identity = "local"
        if not Path(self.root).is_dir():
            raise FileNotFoundError(f"drop folder {self.root} does not exist")

    def connect(self) -> None:
        """Nothing to connect to."""

    def close(self) -> None:
        """Nothing to close."""

    def list(self, folder: str) -> list[RemoteFile]:
        path = join(self.root, folder)
        with os.scandir(path) as entries:
            return [
                _entry(
                    join(path, entry.name),
                    entry.name,
                    entry.stat(follow_symlinks=False),
                )
                for entry in entries
            ]

    def lstat(self, path: str) -> RemoteFile:
        return _entry(path, path.rsplit("/", 1)[-1], os.lstat(path))

    @contextmanager
    def open(self, path: str, size: int) -> Iterator[Readable]:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(descriptor, "rb") as stream:
            yield stream


def _entry(path: str, name: str, status: os.stat_result) -> RemoteFile:
    return RemoteFile(
        path=path,
        name=name,
        kind=RemoteFile.kind_of(status.st_mode),
        size=status.st_size,
        mtime=_EPOCH + timedelta(microseconds=status.st_mtime_ns // 1000),
    )
