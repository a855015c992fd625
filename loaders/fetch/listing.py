"""Listing the source's remote folders: one `Entry` per listed name.

The report folders are listed one level deep, plus OEA's per-user-type subfolders
(Students/, Teachers/, Staff/) where a folder has them. Remote names are untrusted:
an entry keeps a printable form of its path for the record, and whether its name is
a report file name is asked here, once, for listing and deciding alike.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from loaders.fetch.session import Session
from loaders.names import printable, unsafe_name
from loaders.specs import RemoteFolder, Source
from loaders.transports.base import RefusedError, RemoteFile, TransientError, join

if TYPE_CHECKING:
    from loaders.fetch.state import Fetched

log = logging.getLogger(__name__)


class FetchError(Exception):
    """The run could not list the server (refused, unreachable, wrong root)."""


@dataclass
class Entry:
    """One listed remote entry and what became of it in this run."""

    remote: RemoteFile
    folder: RemoteFolder
    recorded_path: str
    subfolder: str | None = None
    local_path: Path | None = None
    local_relative: str | None = None
    status: str | None = None
    reason: str | None = None
    fetch_later: bool = False
    recheck: bool = False
    earlier: Fetched | None = None
    downloaded: bool = False
    replaced: bool = False
    sha256: str | None = None

    def finish(
        self, status: str, reason: str | None = None, *, fetch_later: bool = False
    ) -> None:
        self.status, self.reason, self.fetch_later = status, reason, fetch_later

    @property
    def label(self) -> str:
        return f"{self.status}: {self.reason}" if self.reason else str(self.status)

    @property
    def where(self) -> str:
        """The folder below the source's landing folder, e.g. daily-participation
        or daily-participation/Students."""
        if self.subfolder is None:
            return self.folder.name
        return f"{self.folder.name}/{self.subfolder}"


def list_entries(session: Session, source: Source) -> list[Entry]:
    """The entries of the source's report folders (and of their per-user-type
    subfolders); FetchError when no folder exists or one cannot be listed."""
    transport = session.transport
    entries: list[Entry] = []
    missing = []
    for folder in source.remote_folders:
        try:
            listed = _list_folder(session, folder.name)
        except FileNotFoundError:
            missing.append(join(transport.root, folder.name))
            continue
        for entry in _entries(transport.root, folder, listed):
            if entry.remote.kind == "directory" and entry.remote.name in (
                folder.subfolders
            ):
                entries += _subfolder_entries(session, entry)
            else:
                entries.append(entry)
    if missing:
        log.warning("no such folder on %s: %s", transport.identity, ", ".join(missing))
    if len(missing) == len(source.remote_folders):
        raise FetchError(
            f"none of the report folders ({', '.join(missing)}) exist on "
            f"{transport.identity}: check the remote root (HE_SFTP_ROOT)"
        )
    if not any(is_report_file(entry) for entry in entries):
        listed_folders = [
            join(transport.root, folder.name) + "/"
            for folder in source.remote_folders
            if join(transport.root, folder.name) not in missing
        ]
        log.warning(
            "no %s report files in %s on %s: nothing to fetch. Are the reports "
            "delivered there (check the remote root HE_SFTP_ROOT, or the folder "
            "given to --from-dir)?",
            source.name,
            ", ".join(listed_folders),
            transport.identity,
        )
    return entries


def _list_folder(session: Session, folder: str) -> list[RemoteFile]:
    """The entries of a folder below the remote root; FileNotFoundError if it does
    not exist; FetchError if it cannot be listed."""
    transport = session.transport
    where = join(transport.root, folder)
    try:
        return session.run(lambda: transport.list(folder), f"listing {where}/")
    except RefusedError as error:
        raise FetchError(str(error)) from None
    except TransientError as error:
        if session.unreachable:
            raise FetchError(f"{transport.identity}: {error}") from None
        raise FetchError(
            f"cannot list {where} on {transport.identity}: {error}"
        ) from None
    except PermissionError:
        raise FetchError(f"{transport.identity} does not let us list {where}") from None


def _subfolder_entries(session: Session, folder_entry: Entry) -> list[Entry]:
    """The entries of one of OEA's per-user-type folders (one level, never
    deeper); the folder itself stands for them. A folder that cannot be listed is
    an entry of its own with the reason."""
    folder, name = folder_entry.folder, folder_entry.remote.name
    try:
        listed = _list_folder(session, f"{folder.name}/{name}")
    except FileNotFoundError:
        folder_entry.finish("skipped", "a folder, gone before it was listed")
        return [folder_entry]
    except FetchError as error:
        if session.unreachable:
            raise
        folder_entry.finish("error", f"a folder that cannot be listed: {error}")
        return [folder_entry]
    root = join(session.transport.root, folder.name)
    return _entries(root, folder, listed, subfolder=name)


def _entries(
    root: str,
    folder: RemoteFolder,
    listed: Iterable[RemoteFile],
    *,
    subfolder: str | None = None,
) -> list[Entry]:
    """One Entry per listed name; a name the server lists twice is skipped."""
    by_name: dict[str, list[RemoteFile]] = {}
    for remote in listed:
        by_name.setdefault(remote.name, []).append(remote)
    entries = []
    for name, same_name in sorted(by_name.items()):
        entry = Entry(
            remote=same_name[0],
            folder=folder,
            subfolder=subfolder,
            recorded_path=join(
                root, *([subfolder] if subfolder else [folder.name]), printable(name)
            ),
        )
        if len(same_name) > 1:
            entry.finish("skipped", "the server listed this name more than once")
        entries.append(entry)
    return entries


def _name_pattern(entry: Entry) -> re.Pattern[str] | None:
    if entry.subfolder is None:
        return entry.folder.file_name
    return entry.folder.subfolder_file_name


def is_report_file(entry: Entry) -> bool:
    pattern = _name_pattern(entry)
    return (
        entry.remote.kind == "file"
        and unsafe_name(entry.remote.name) is None
        and pattern is not None
        and pattern.fullmatch(entry.remote.name) is not None
    )
