"""Downloading: each file streams into `<name>.part` beside its final place while it
is hashed, is fsynced, and is renamed into place only if the remote file had the
same size and mtime before and after, every byte arrived, and the bytes differ from
the landed version; otherwise the .part file is removed. A crash leaves at most a
.part file, which the loader never reads and the next run removes. Transient errors
are retried by the `Session`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from datetime import datetime
from pathlib import Path

from loaders.fetch.listing import Entry
from loaders.fetch.session import Session
from loaders.fetch.state import Fetched
from loaders.progress import Progress, size_text
from loaders.specs import Source
from loaders.transports.base import (
    RefusedError,
    RemoteFile,
    TransientError,
    Transport,
    iter_chunks,
)

log = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024


class _Changed(Exception):
    """The remote file changed while we looked at it: try again in a later run."""


def download_all(session: Session, entries: list[Entry]) -> None:
    progress = Progress(
        "fetch", len(entries), sum(entry.remote.size for entry in entries)
    )
    for entry in entries:
        if session.unreachable:
            entry.finish(
                "error",
                f"not attempted: the server is unreachable ({session.unreachable})",
            )
        else:
            _download(session, entry)
        progress.advance(entry.remote.size, entry.remote.name)
    progress.close()


def _download(session: Session, entry: Entry) -> None:
    try:
        entry.sha256, entry.replaced = session.run(
            lambda: _download_once(session.transport, entry),
            f"downloading {entry.recorded_path}",
        )
    except _Changed as changed:
        entry.finish("skipped", f"{changed}; fetched by a later run", fetch_later=True)
    except FileNotFoundError:
        entry.finish("skipped", "gone from the server before it was downloaded")
    except PermissionError:
        entry.finish("error", "the server does not let us read it")
    except RefusedError as error:
        entry.finish("error", str(error))
    except TransientError as error:
        entry.finish("error", str(error))
    else:
        entry.downloaded = True
        entry.finish(*_downloaded_status(entry))
        log.debug(
            "%s %s (%s)",
            entry.status,
            entry.recorded_path,
            size_text(entry.remote.size),
        )


def _downloaded_status(entry: Entry) -> tuple[str, str | None]:
    """fetched (landed now) or unchanged (the landed file held these bytes), and
    why."""
    earlier = entry.earlier
    if earlier is None:
        if entry.replaced:
            return "fetched", None
        return "unchanged", "the landed file already holds the same content"
    since = f"{earlier.fetched_at:%Y-%m-%d %H:%M} UTC"
    same_listing = (earlier.size, earlier.mtime) == (
        entry.remote.size,
        entry.remote.mtime,
    )
    if not entry.replaced:
        if same_listing:
            return (
                "unchanged",
                "rechecked (a report within the recheck window): same content as "
                f"fetched {since}; the landed file is kept",
            )
        return (
            "unchanged",
            f"downloaded again ({_listing_change(earlier, entry.remote)}): same "
            f"content as fetched {since}; the landed file is kept",
        )
    if entry.sha256 == earlier.sha256:
        return "fetched", "landed again: the landed copy was missing or had changed"
    if same_listing:
        return "fetched", "content changed with the same size and modification time"
    return "fetched", f"a new version ({_listing_change(earlier, entry.remote)})"


def _listing_change(earlier: Fetched, now: RemoteFile) -> str:
    parts = []
    if earlier.size != now.size:
        parts.append(f"size {earlier.size:,} -> {now.size:,} bytes")
    if earlier.mtime != now.mtime:
        stamp = "%Y-%m-%d %H:%M:%S"
        parts.append(f"modified {earlier.mtime:{stamp}} -> {now.mtime:{stamp}}")
    return ", ".join(parts) or "same size and modification time"


def _download_once(transport: Transport, entry: Entry) -> tuple[str, bool]:
    """Download to <name>.part while hashing, check the remote file did not change,
    fsync, and rename into place unless the landed file already holds these bytes
    (then it is left alone, inode and all); return the SHA-256 and whether the
    landed file was replaced. Leaves no .part behind."""
    assert entry.local_path is not None
    listed = entry.remote
    before = transport.lstat(listed.path)
    if before.version != listed.version:
        raise _Changed(f"changed since it was listed ({_change(listed, before)})")
    part = entry.local_path.with_name(entry.local_path.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    part.unlink(missing_ok=True)
    digest = hashlib.sha256()
    received = 0
    try:
        descriptor = os.open(
            part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600
        )
        with (
            os.fdopen(descriptor, "wb") as local,
            transport.open(listed.path, before.size) as remote,
        ):
            for chunk in iter_chunks(remote, CHUNK_BYTES):
                digest.update(chunk)
                local.write(chunk)
                received += len(chunk)
            local.flush()
            os.fsync(local.fileno())
        after = transport.lstat(listed.path)
        if after.version != before.version:
            raise _Changed(f"changed while downloading ({_change(before, after)})")
        if received != before.size:
            raise _Changed(
                f"received {received:,} bytes but the server says {before.size:,}"
            )
        sha256 = digest.hexdigest()
        if _holds(entry.local_path, sha256):
            part.unlink()
            return sha256, False
        mtime_ns = _epoch_ns(before.mtime)
        os.utime(part, ns=(mtime_ns, mtime_ns))
        os.replace(part, entry.local_path)
        _fsync_dir(entry.local_path.parent)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return sha256, True


def _holds(path: Path, sha256: str) -> bool:
    """Whether the regular file at `path` holds bytes with this SHA-256."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    digest = hashlib.sha256()
    with os.fdopen(descriptor, "rb") as landed:
        if not stat.S_ISREG(os.fstat(landed.fileno()).st_mode):
            return False
        while chunk := landed.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest() == sha256


def _change(before: RemoteFile, after: RemoteFile) -> str:
    parts = []
    if before.kind != after.kind:
        parts.append(f"now a {after.kind}")
    if before.size != after.size:
        parts.append(f"size {before.size:,} -> {after.size:,} bytes")
    if before.mtime != after.mtime:
        parts.append(f"modified {before.mtime:%H:%M:%S} -> {after.mtime:%H:%M:%S}")
    return ", ".join(parts)


def remove_stale_parts(landing_dir: Path, source: Source) -> None:
    """A run that was killed mid-download leaves its .part file; remove it."""
    for folder in source.remote_folders:
        folder_dir = landing_dir / source.name / folder.name
        places = [(folder_dir, folder.file_name)]
        if folder.subfolder_file_name is not None:
            places += [
                (folder_dir / sub, folder.subfolder_file_name)
                for sub in folder.subfolders
            ]
        for place, pattern in places:
            for part in place.glob("*.part"):
                if pattern.fullmatch(part.name.removesuffix(".part")):
                    log.warning("removing %s, left by an interrupted download", part)
                    part.unlink()


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _epoch_ns(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000
