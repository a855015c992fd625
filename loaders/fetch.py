"""Fetch a source's deliveries from its server into the landing tree: download and
record, nothing else (loading is the load step's business).

Every run lists the source's remote report folders (and, one level down, the
Students/, Teachers/ and Staff/ folders of OEA's layout) and gives every entry one
status, recorded in loader.fetch_log:

    fetched     downloaded by this run and landed: a new file or new content
    unchanged   not landed again: the same size and modification time as the
                version fetched before, or downloaded again (rechecked, or touched
                on the server) and the same SHA-256: the landed file is kept as is
    skipped     not downloaded, and why: still being written (younger than the
                settle time, changed while it was downloading, or empty); not a
                report file name; a link, a folder or an unsafe name (remote names
                are untrusted); hidden or partial
    error       could not be downloaded after the retries, and why

Whether a file is new is decided per remote path by its size and modification time
against loader.fetch_files, never by a newest-timestamp watermark (which loses files
that share a second). A report dated within `recheck_days` of the newest report in
its folder is downloaded and hashed again even so: a report restated with the same
size in the same second would otherwise go unnoticed. A download streams into
`<name>.part` beside its final place while it is hashed, is fsynced, and is renamed
into place only if the remote file had the same size and mtime before and after,
every byte arrived, and the bytes differ from the landed version; otherwise the .part
file is removed. A crash leaves at most a .part file, which the loader never reads
and the next run removes. A path whose content goes A -> B -> A is landed three
times: the landed file is always the server's current version.

A run fails (the CLI exits non-zero) when it leaves a report file to a later run:
any error, and any file still being written.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from loaders import restricted
from loaders.names import printable, unsafe_name
from loaders.progress import Progress, size_text
from loaders.settings import Paths, read_config_file, settings_from
from loaders.sources import all_tables
from loaders.specs import RemoteFolder, Source
from loaders.transports.base import (
    RefusedError,
    RemoteFile,
    TransientError,
    Transport,
    iter_chunks,
    join,
)
from loaders.transports.local import LocalTransport
from loaders.transports.sftp import SECRET_KEYS, SftpSettings, SftpTransport

log = logging.getLogger(__name__)

T = TypeVar("T")

CHUNK_BYTES = 256 * 1024
MAX_RETRY_DELAY = 60.0


@dataclass(frozen=True)
class FetchSettings:
    """Each field comes from HE_FETCH_<FIELD> or the config file's [fetch] table."""

    settle_seconds: float = 120.0
    retries: int = 3
    retry_delay: float = 2.0
    # Reports dated within this many days of the newest report in their folder
    # (7: the newest date and the six before it) are downloaded and hashed again
    # even when their size and mtime are unchanged; 0 turns rechecking off.
    recheck_days: int = 7


class FetchError(Exception):
    """The run could not list the server (refused, unreachable, wrong root)."""


def open_transport(
    *, from_dir: Path | None, config_file: Path | None
) -> tuple[Transport, FetchSettings]:
    """The transport and fetch settings from the environment and the config file.
    Raises loaders.settings.ConfigError when something is missing or unusable."""
    config = (
        read_config_file(config_file, secret_keys=SECRET_KEYS) if config_file else {}
    )
    settings = settings_from(
        FetchSettings, section="fetch", env_prefix="HE_FETCH_", config=config
    )
    if from_dir is not None:
        return LocalTransport(from_dir), settings
    sftp = settings_from(
        SftpSettings, section="sftp", env_prefix="HE_SFTP_", config=config
    )
    return SftpTransport(sftp), settings


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
    earlier: _Fetched | None = None
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


@dataclass
class FetchReport:
    transport: str
    entries: list[Entry]
    elapsed: float
    run_id: int | None = None

    def with_status(self, status: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.status == status]

    @property
    def failures(self) -> list[Entry]:
        """Report files this run left to a later run, or could not download."""
        return [
            entry
            for entry in self.entries
            if entry.status == "error" or entry.fetch_later
        ]

    def summary(self) -> str:
        downloaded = [entry for entry in self.entries if entry.downloaded]
        unchanged = self.with_status("unchanged")
        rechecked = sum(1 for entry in unchanged if entry.downloaded)
        again = f" ({rechecked:,} downloaded again to check)" if rechecked else ""
        return (
            f"fetch from {self.transport}: {len(self.with_status('fetched')):,} "
            f"fetched, {len(unchanged):,} unchanged{again}, "
            f"{len(self.with_status('skipped')):,} skipped, "
            f"{len(self.with_status('error')):,} errors; "
            f"{size_text(sum(entry.remote.size for entry in downloaded))} "
            f"downloaded in {self.elapsed:.1f} s"
        )

    def failure_message(self) -> str:
        failures = self.failures
        listing = "\n".join(f"  {e.recorded_path}: {e.label}" for e in failures)
        return (
            f"{len(failures)} file(s) not fetched by this run:\n{listing}\n"
            "Files still being written and files that failed to download are tried "
            "again by the next run."
        )


def fetch(
    transport: Transport,
    source: Source,
    paths: Paths,
    settings: FetchSettings,
) -> FetchReport:
    """Mirror the source's remote folders into <landing>/<source>/ and record every
    entry's status. Loads nothing: the load step reads what landed."""
    started = time.monotonic()
    _remove_stale_parts(paths.landing_dir, source)
    fetched = _fetched_files(paths.restricted_db, transport.identity)
    session = _Session(transport, settings)
    try:
        entries = _list(session, source)
        _mark_recheck_window(entries, settings.recheck_days)
        now = _utc_now()
        to_download = []
        for entry in entries:
            _decide(entry, paths.landing_dir, source, fetched, settings, now)
            if entry.status is None:
                to_download.append(entry)
        _download_all(session, to_download)
    finally:
        transport.close()
    run_id = _record(paths.restricted_db, transport.identity, entries)
    return FetchReport(transport.identity, entries, time.monotonic() - started, run_id)


# -- listing -----------------------------------------------------------------


class _Session:
    """The transport with bounded retries: a transient error closes the connection,
    waits (doubling each time, at most MAX_RETRY_DELAY), reconnects and tries
    again, at most `settings.retries` times. A refusal is never retried."""

    def __init__(self, transport: Transport, settings: FetchSettings) -> None:
        self.transport = transport
        self.settings = settings
        self.connected = False
        self.unreachable: str | None = None

    def run(self, action: Callable[[], T], what: str) -> T:
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            connecting = not self.connected
            try:
                if connecting:
                    self.transport.connect()
                    self.connected = True
                    connecting = False
                return action()
            except TransientError as error:
                self.connected = False
                self.transport.close()
                if attempt == attempts:
                    if connecting:
                        # Not even a connection: the files after this one would
                        # only wait for the same timeouts.
                        self.unreachable = str(error)
                    raise TransientError(
                        f"{error} (gave up after {attempts} attempt"
                        f"{'s' if attempts > 1 else ''})"
                    ) from None
                delay = min(
                    self.settings.retry_delay * 2 ** (attempt - 1), MAX_RETRY_DELAY
                )
                log.warning(
                    "%s: %s; retrying in %g s (attempt %d of %d)",
                    what,
                    error,
                    delay,
                    attempt + 1,
                    attempts,
                )
                time.sleep(delay)
        raise AssertionError("unreachable")


def _list(session: _Session, source: Source) -> list[Entry]:
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
    if not any(_is_report_file(entry) for entry in entries):
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


def _list_folder(session: _Session, folder: str) -> list[RemoteFile]:
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


def _subfolder_entries(session: _Session, folder_entry: Entry) -> list[Entry]:
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


# -- deciding what to download --------------------------------------------------


def _is_transient_name(name: str) -> bool:
    return name.startswith(".") or name.endswith((".part", ".tmp", "~"))


def _name_pattern(entry: Entry) -> re.Pattern[str] | None:
    if entry.subfolder is None:
        return entry.folder.file_name
    return entry.folder.subfolder_file_name


def _is_report_file(entry: Entry) -> bool:
    pattern = _name_pattern(entry)
    return (
        entry.remote.kind == "file"
        and unsafe_name(entry.remote.name) is None
        and pattern is not None
        and pattern.fullmatch(entry.remote.name) is not None
    )


def _report_date(entry: Entry) -> date | None:
    """The date in a report's name (its `report_date` group), if it has one."""
    if entry.subfolder is not None or not _is_report_file(entry):
        return None
    match = entry.folder.file_name.fullmatch(entry.remote.name)
    text = match.groupdict().get("report_date") if match else None
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _mark_recheck_window(entries: list[Entry], recheck_days: int) -> None:
    """Mark the reports dated within `recheck_days` days of the newest report
    listed in the same folder (the newest date counts as the first day)."""
    if recheck_days <= 0:
        return
    dated: dict[str, list[tuple[Entry, date]]] = {}
    for entry in entries:
        day = _report_date(entry)
        if day is not None:
            dated.setdefault(entry.folder.name, []).append((entry, day))
    for reports in dated.values():
        newest = max(day for _, day in reports)
        for entry, day in reports:
            entry.recheck = (newest - day).days < recheck_days


def _not_a_file(entry: Entry) -> str:
    kind = entry.remote.kind
    if kind == "symlink":
        return "a symbolic link: links are never followed"
    if kind == "directory":
        if entry.subfolder is not None:
            return (
                f"a folder (only the files of {entry.where}/ are read, not its folders)"
            )
        if entry.folder.subfolders:
            return (
                f"a folder (of the folders in {entry.folder.name}/, only "
                f"{', '.join(entry.folder.subfolders)} are read, spelled exactly so)"
            )
        return "a folder: the report folders are flat"
    return "not a regular file"


def _decide(
    entry: Entry,
    landing_dir: Path,
    source: Source,
    fetched: dict[str, _Fetched],
    settings: FetchSettings,
    now: datetime,
) -> None:
    """Settle the entry's status now if it will not be downloaded; otherwise give
    it its local path."""
    if entry.status is not None:
        return
    remote = entry.remote
    problem = unsafe_name(remote.name)
    if problem:
        entry.finish("skipped", f"unsafe name ({problem}): never used as a local path")
        return
    if remote.kind != "file":
        entry.finish("skipped", _not_a_file(entry))
        return
    if _is_transient_name(remote.name):
        entry.finish("skipped", "a hidden, partial or temporary file")
        return
    if not _is_report_file(entry):
        allowed = (
            " (a .csv file named with letters, digits, '.', '_' and '-')"
            if entry.subfolder
            else ""
        )
        entry.finish(
            "skipped", f"not a {source.name} {entry.where} report file name{allowed}"
        )
        return
    folder_dir = landing_dir / source.name / entry.where
    entry.local_path = folder_dir / remote.name
    # Belt and braces: the validated name cannot leave its folder.
    assert entry.local_path.parent == folder_dir, entry.local_path
    entry.local_relative = entry.local_path.relative_to(landing_dir).as_posix()
    if remote.size == 0:
        entry.finish(
            "skipped", "empty (0 bytes): fetched once it has content", fetch_later=True
        )
        return
    earlier = entry.earlier = fetched.get(entry.recorded_path)
    if (
        earlier
        and (earlier.size, earlier.mtime) == (remote.size, remote.mtime)
        and (entry.local_path.exists() or earlier.in_manifest)
    ):
        entry.sha256 = earlier.sha256
        if not entry.recheck:
            entry.finish(
                "unchanged",
                "same size and modification time as when fetched "
                f"{earlier.fetched_at:%Y-%m-%d %H:%M} UTC",
            )
        # else: downloaded again and hashed (it is already settled)
        return
    age = (now - remote.mtime).total_seconds()
    if age < settings.settle_seconds:
        when = f"{age:.0f} s ago" if age >= 0 else "in the future (server clock ahead)"
        entry.finish(
            "skipped",
            f"modified {when}, within the settle time of "
            f"{settings.settle_seconds:g} s: may still be being written; fetched by "
            "a later run",
            fetch_later=True,
        )


# -- downloading -----------------------------------------------------------------


class _Changed(Exception):
    """The remote file changed while we looked at it: try again in a later run."""


def _download_all(session: _Session, entries: list[Entry]) -> None:
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


def _download(session: _Session, entry: Entry) -> None:
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


def _listing_change(earlier: _Fetched, now: RemoteFile) -> str:
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


def _remove_stale_parts(landing_dir: Path, source: Source) -> None:
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


# -- state in restricted.duckdb ------------------------------------------------------


@dataclass(frozen=True)
class _Fetched:
    size: int
    mtime: datetime
    sha256: str
    fetched_at: datetime
    in_manifest: bool


def _fetched_files(restricted_db: Path, transport: str) -> dict[str, _Fetched]:
    with restricted.connect(restricted_db, all_tables()) as conn:
        rows = conn.execute(
            """
            select
                fetched.remote_path,
                fetched.remote_size,
                fetched.remote_mtime,
                fetched.file_sha256,
                fetched.fetched_at,
                exists (
                    select 1 from loader.manifest
                    where manifest.file_path = fetched.local_path
                        and manifest.file_sha256 = fetched.file_sha256
                ) as in_manifest
            from loader.fetch_files as fetched
            where fetched.transport = ?
            """,
            [transport],
        ).fetchall()
    return {row[0]: _Fetched(*row[1:]) for row in rows}


def _record(restricted_db: Path, transport: str, entries: list[Entry]) -> int:
    """One fetch_log row per entry, and the fetch state of every file we hold, in
    one transaction."""
    now = _utc_now()
    with restricted.connect(restricted_db, all_tables()) as conn:
        conn.begin()
        run_id = conn.execute("select nextval('loader.fetch_run_seq')").fetchone()[0]
        _insert_values(
            conn,
            "loader.fetch_log",
            [
                (
                    run_id,
                    transport,
                    entry.recorded_path,
                    entry.remote.kind,
                    entry.remote.size,
                    entry.remote.mtime,
                    entry.downloaded,
                    entry.local_relative if entry.sha256 else None,
                    entry.sha256,
                    entry.status,
                    entry.reason,
                    now,
                )
                for entry in entries
            ],
        )
        # A downloaded file's new state: its size and mtime now, and (when its
        # content changed) the new hash and download time.
        _insert_values(
            conn,
            "loader.fetch_files",
            [
                (
                    transport,
                    entry.recorded_path,
                    entry.local_relative,
                    entry.remote.size,
                    entry.remote.mtime,
                    entry.sha256,
                    (
                        entry.earlier.fetched_at
                        if entry.earlier and entry.earlier.sha256 == entry.sha256
                        else now
                    ),
                    run_id,
                    entry.status,
                    entry.reason,
                )
                for entry in entries
                if entry.downloaded
            ],
            on_conflict="""
            on conflict (transport, remote_path) do update set
                local_path = excluded.local_path,
                remote_size = excluded.remote_size,
                remote_mtime = excluded.remote_mtime,
                file_sha256 = excluded.file_sha256,
                fetched_at = excluded.fetched_at,
                last_run_id = excluded.last_run_id,
                last_status = excluded.last_status,
                last_reason = excluded.last_reason
            """,
        )
        conn.execute(
            """
            update loader.fetch_files
            set
                last_run_id = fetch_log.run_id,
                last_status = fetch_log.status,
                last_reason = fetch_log.reason
            from loader.fetch_log
            where fetch_log.run_id = ?
                and fetch_log.transport = fetch_files.transport
                and fetch_log.remote_path = fetch_files.remote_path
                and not fetch_log.downloaded
            """,
            [run_id],
        )
        conn.commit()
    return run_id


def _insert_values(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[tuple],
    batch: int = 500,
    on_conflict: str = "",
) -> None:
    """Insert rows with one statement per batch (a statement per row is slow)."""
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        marks = "(" + ", ".join("?" * len(chunk[0])) + ")"
        conn.execute(
            f"insert into {table} values {', '.join([marks] * len(chunk))} "
            f"{on_conflict}",
            [value for row in chunk for value in row],
        )


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _epoch_ns(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000
