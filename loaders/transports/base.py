"""What `fetch` needs from wherever deliveries come from, and nothing more.

A transport lists a folder without following links, looks at one entry again (lstat)
and streams a file's bytes. SFTP (sftp.py) and a local drop folder (local.py) behave
the same way, so loaders/fetch/ applies one set of rules to both. Everything a
transport reports about a remote file (its name above all) is untrusted input.
"""

from __future__ import annotations

import stat
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class TransientError(Exception):
    """The connection failed in a way worth retrying (dropped, timed out, reset)."""


class RefusedError(Exception):
    """The server cannot be trusted or will not let us in (unknown or changed host
    key, wrong credentials). Never retried: the message says what to fix."""


@dataclass(frozen=True)
class RemoteFile:
    """One directory entry as the server describes it (lstat: a link is a link)."""

    path: str
    name: str
    kind: str  # "file", "directory", "symlink" or "other"
    size: int
    mtime: datetime  # UTC, naive, as precise as the server tells

    @property
    def version(self) -> tuple[str, int, datetime]:
        """What says the file is unchanged: kind, size and modification time."""
        return self.kind, self.size, self.mtime

    @staticmethod
    def kind_of(mode: int | None) -> str:
        if mode is None:
            return "other"
        if stat.S_ISLNK(mode):
            return "symlink"
        if stat.S_ISREG(mode):
            return "file"
        if stat.S_ISDIR(mode):
            return "directory"
        return "other"


class Readable(Protocol):
    def read(self, size: int) -> bytes: ...


class Transport(ABC):
    """A connection to one delivery location. `identity` names it in the fetch
    state (e.g. sftp://user@host:22) and holds no secret."""

    identity: str
    root: str

    @abstractmethod
    def connect(self) -> None:
        """Open (or reopen) the connection. Raises RefusedError or TransientError."""

    @abstractmethod
    def close(self) -> None:
        """Drop the connection; safe to call at any time."""

    @abstractmethod
    def list(self, folder: str) -> list[RemoteFile]:
        """The entries of a folder (a path below the root), unsorted, with lstat
        attributes. Raises FileNotFoundError if the folder does not exist."""

    @abstractmethod
    def lstat(self, path: str) -> RemoteFile:
        """The entry at `path` (as returned in RemoteFile.path), links not
        followed. Raises FileNotFoundError if it is gone."""

    @abstractmethod
    def open(self, path: str, size: int) -> AbstractContextManager[Readable]:
        """A binary stream of the regular file at `path`, expected to be `size`
        bytes (a hint for read-ahead; the caller checks what it got)."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def join(*parts: str) -> str:
    """A remote path from parts, '/'-separated whatever the local system uses."""
    path = "/".join(part.strip("/") for part in parts if part.strip("/"))
    return ("/" if parts and parts[0].startswith("/") else "") + path


def iter_chunks(stream: Readable, chunk_size: int) -> Iterator[bytes]:
    while chunk := stream.read(chunk_size):
        yield chunk
